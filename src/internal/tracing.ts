// OpenTelemetry spans for each client operation and each HTTP attempt, shaped like @azure/web-pubsub's
// (through @azure/core-tracing and core-rest-pipeline's tracingPolicy): an operation span named after
// @azure/web-pubsub's `withSpan` name, with `az.namespace` = "Microsoft.WebPubSub", and one CLIENT span `HTTP <METHOD>`
// per attempt, whose context goes out as the W3C `traceparent` header.
// @opentelemetry/api is an optional peer: it is imported lazily, once per process, and only once an app has
// registered a tracer provider (until then every span would be a no-op, and loading the API costs a fresh
// process tens of milliseconds); when it is missing, tracing stays off and each call pays one comparison.
import type * as OtelApi from "@opentelemetry/api";
import type { TransportResponse } from "./transport/types";
import { packageVersion } from "./version";

type Api = typeof OtelApi;

/**
 * A parent context for a call's spans: an OpenTelemetry `Context` (from `@opentelemetry/api`) or
 * `@azure/core-tracing`'s `TracingContext`, which has the same shape.
 */
export interface TracingContext {
  getValue(key: symbol): unknown;
  setValue(key: symbol, value: unknown): TracingContext;
  deleteValue(key: symbol): TracingContext;
}

/** @azure/web-pubsub's `OperationTracingOptions`. */
export interface OperationTracingOptions {
  /** The parent of the call's operation span. Default: OpenTelemetry's active context. */
  tracingContext?: TracingContext | undefined;
}

const namespace = "Microsoft.WebPubSub";
// The OpenTelemetry API's enum values (fixed by the spec), so that only `trace` and `context` are needed.
const spanKindInternal = 0;
const spanKindClient = 2;
const statusOk = 1;
const statusError = 2;

// undefined: not loaded yet; null: not installed (tracing is off for good).
let api: Api | null | undefined;
// The tracer of the provider registered now. An app may disable its provider and register another: the tracer
// of the old one would keep sending spans to it, so the tracer is fetched again when the provider changes.
let tracer: OtelApi.Tracer | undefined;
let tracerOf: OtelApi.TracerProvider | undefined;

function currentTracer(loaded: Api): OtelApi.Tracer {
  const provider = loaded.trace.getTracerProvider();
  if (provider !== tracerOf || tracer === undefined) {
    tracer = provider.getTracer("webpubsub", packageVersion);
    tracerOf = provider;
  }
  return tracer;
}
let loading: Promise<void> | undefined;

// @opentelemetry/api 1.x keeps what an app registers (tracer provider, context manager, ...) in one object on
// globalThis under this key, shared by every copy of the API in the process; `trace` is set by
// `trace.setGlobalTracerProvider()` (which every SDK's `register()` calls) and removed by `trace.disable()`.
// The API itself checks that the registering copy's version is compatible once it is loaded.
const otelGlobalKey = Symbol.for("opentelemetry.js.api.1");

/** Whether an app has registered a global tracer provider: without one, no span is ever recorded. */
export function tracerProviderRegistered(): boolean {
  const registered = (globalThis as Record<symbol, { trace?: unknown } | undefined>)[otelGlobalKey];
  return registered?.trace !== undefined;
}

/** Starts importing @opentelemetry/api (once); the promise settles when it is known whether it is there. */
export function loadTracing(): Promise<void> {
  // The specifier is built at run time so that bundlers (esbuild, wrangler, Next.js, webpack) neither fail
  // to resolve it when it is not installed nor inline it when it is: the package comes from the app's
  // node_modules, or tracing stays off.
  const specifier = ["@opentelemetry", "api"].join("/");
  loading ??= (import(/* webpackIgnore: true */ /* @vite-ignore */ specifier) as Promise<Api>).then(
    (module) => {
      // Bundlers that wrap a CommonJS module may put it under `default`, which holds `trace` and `context`.
      const loaded = (module.trace === undefined ? (module as { default?: unknown }).default : module) as
        Api | undefined;
      api = loaded?.trace === undefined || loaded.context === undefined ? null : loaded;
    },
    () => {
      api = null;
    },
  );
  return loading;
}

/** The loaded API, `null` when absent, `undefined` while not known yet. */
export function tracingApi(): Api | null | undefined {
  return api;
}

/** The operation span's context, handed to each attempt. */
export interface OperationTrace {
  api: Api;
  /** The tracer of the operation span, for its attempts' spans. */
  tracer: OtelApi.Tracer;
  context: OtelApi.Context;
  method: string;
  url: string;
}

/**
 * Runs `run` inside an operation span named `name`. When no SDK records the span (no provider registered,
 * or sampled out), `run` gets no trace, so attempts build no span, attribute or header.
 */
export async function withOperationSpan<T>(
  loaded: Api,
  name: string,
  parent: TracingContext | undefined,
  run: (trace: OperationTrace | undefined) => Promise<T>,
  describe: () => { method: string; url: string },
): Promise<T> {
  const parentContext = (parent as OtelApi.Context | undefined) ?? loaded.context.active();
  const tracerNow = currentTracer(loaded);
  const span = tracerNow.startSpan(name, { kind: spanKindInternal }, parentContext);
  if (!span.isRecording()) {
    span.end();
    return run(undefined);
  }
  span.setAttribute("az.namespace", namespace);
  const context = loaded.trace.setSpan(parentContext, span);
  try {
    const result = await loaded.context.with(context, () =>
      run({ api: loaded, tracer: tracerNow, context, ...describe() }),
    );
    span.setStatus({ code: statusOk });
    return result;
  } catch (error) {
    fail(loaded, span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Where an attempt's propagation headers go (the pipeline copies them into that attempt's request). */
export interface TraceHeaders {
  traceparent?: string | undefined;
  tracestate?: string | undefined;
}

/** Wraps one attempt in a CLIENT span `HTTP <METHOD>` and sets `traceparent`/`tracestate` from it. */
export function tracedAttempt(
  trace: OperationTrace,
  headers: TraceHeaders,
  attempt: () => Promise<TransportResponse>,
): () => Promise<TransportResponse> {
  const { api: loaded } = trace;
  return async () => {
    const span = trace.tracer.startSpan(
      `HTTP ${trace.method}`,
      {
        kind: spanKindClient,
        attributes: { "az.namespace": namespace, "http.method": trace.method, "http.url": trace.url },
      },
      trace.context,
    );
    const sc = span.spanContext();
    headers.traceparent = `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, "0")}`;
    const state = sc.traceState?.serialize();
    headers.tracestate = state === "" ? undefined : state;
    try {
      const response = await attempt();
      span.setAttribute("http.status_code", response.status);
      const requestId = response.headers()["x-ms-request-id"];
      if (requestId !== undefined) span.setAttribute("serviceRequestId", requestId);
      // A 404 that is an answer (existence checks) is still ≥ 400 here, as in core-rest-pipeline.
      if (response.status >= 400) span.setStatus({ code: statusError });
      return response;
    } catch (error) {
      const status = (error as { statusCode?: unknown }).statusCode;
      if (typeof status === "number") span.setAttribute("http.status_code", status);
      const requestId = (error as { requestId?: unknown }).requestId;
      if (typeof requestId === "string") span.setAttribute("serviceRequestId", requestId);
      fail(loaded, span, error);
      throw error;
    } finally {
      headers.traceparent = undefined;
      headers.tracestate = undefined;
      span.end();
    }
  };
}

function fail(loaded: Api, span: OtelApi.Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: statusError, message: error instanceof Error ? error.message : String(error) });
}
