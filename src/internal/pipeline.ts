import { AbortError, ClosedError, TimeoutError, ValidationError } from "../errors";
import type { KeyCredentialLike, TokenCredentialLike } from "../credentials";
import { loggableUrl, type RequestLogEvent } from "../logging";
import { AttemptTimer } from "./attemptControl";
import { loggedAttempts } from "./attemptLog";
import { Authorizer } from "./authorizer";
import type { EncodedBody } from "./content";
import { fromTransportFailure, toRestError } from "./failures";
import { redactor, type Redactor } from "./redact";
import { resolveRetry, type RetryOptions } from "./retry";
import { withRetries } from "./retryLoop";
import {
  loadTracing,
  tracedAttempt,
  tracerProviderRegistered,
  tracingApi,
  withOperationSpan,
  type OperationTrace,
  type OperationTracingOptions,
  type TraceHeaders,
} from "./tracing";
import type { Transport, TransportFactory, TransportRequest, TransportResponse } from "./transport/types";

/** Options every call accepts (@azure/web-pubsub's `OperationOptions` plus our timeouts and retry override). */
export interface CallOptions {
  /** Cancels the call: the request in flight and any wait before a retry. */
  abortSignal?: AbortSignal | undefined;
  /**
   * Per-attempt timeout: the longest wait for response headers, the longest silence while a body moves, and the whole
   * response body's time limit.
   */
  timeoutInMs?: number | undefined;
  /** Absolute deadline for the whole call, retries and their waits included; progress never extends it. */
  totalTimeoutInMs?: number | undefined;
  /** Overrides the client's retry options for this call. */
  retryOptions?: RetryOptions | undefined;
  /**
   * Compatibility with @azure/web-pubsub's `OperationOptions.requestOptions`: `timeout` and `customHeaders` are
   * honoured.
   */
  requestOptions?: { timeout?: number; customHeaders?: Record<string, string> } | undefined;
  /** Called with the final response's status and headers (@azure/web-pubsub's `onResponse`, simplified). */
  onResponse?: ((response: { status: number; headers: Record<string, string> }) => void) | undefined;
  /**
   * @azure/web-pubsub's `tracingOptions`: `tracingContext` is the parent of the call's span (default: the active
   * context).
   */
  tracingOptions?: OperationTracingOptions | undefined;
}

export type Method = TransportRequest["method"];

export interface RequestSpec {
  method: Method;
  /** Percent-encoded path below the endpoint, starting with `/api/`. */
  path: string;
  /** Query pairs after `api-version` (which the pipeline adds first). */
  query?: ReadonlyArray<readonly [string, string]> | undefined;
  body?: EncodedBody | undefined;
  /** Safe to repeat after the service may have seen it (everything but message sends). */
  idempotent: boolean;
  /** Treat 404 as an answer (existence checks) rather than an error. */
  notFoundIsResult?: boolean;
  /**
   * A service `nextLink` to use instead of path + query. An absolute one is sent to the service's (or the
   * reverse proxy's) own origin whatever host it names; a relative one is appended to the endpoint, as
   * `@azure/web-pubsub` does.
   */
  nextLink?: string;
  options?: CallOptions | undefined;
  /** The operation span's name, @azure/web-pubsub's (e.g. `WebPubSubServiceClient.sendToAll`). */
  operation?: string | undefined;
}

export interface PipelineConfig {
  endpoint: string;
  /**
   * Checked at the start of every call; throws what is wrong with the client's configuration. Used for the
   * hub name, which `@azure/web-pubsub` accepts at construction (code that builds clients eagerly must not
   * throw there), but which must fail before anything is sent.
   */
  precondition?: (() => void) | undefined;
  reverseProxyEndpoint?: string | undefined;
  credential: KeyCredentialLike | TokenCredentialLike;
  apiVersion: string;
  /** Creates the transport (undici on Node) for the target origin. */
  transport: TransportFactory;
  /** A user's undici dispatcher, handed to the transport factory. */
  dispatcher?: unknown;
  connections?: number | undefined;
  pipelining?: number | undefined;
  retryOptions?: RetryOptions | undefined;
  timeoutInMs?: number | undefined;
  totalTimeoutInMs?: number | undefined;
  userAgent: string;
  logger?: ((event: RequestLogEvent) => void) | undefined;
  /** Lower-case query parameter names whose values may be logged (`api-version` always is). */
  loggableQuery?: ReadonlySet<string> | undefined;
}

const defaultRetry = {
  maxRetries: 3,
  retryDelayInMs: 1000,
  maxRetryDelayInMs: 64_000,
  maxRetryAfterInMs: Infinity,
  retryAfterSend: false,
};
export const defaultTimeoutInMs = 30_000;
export const defaultTotalTimeoutInMs = 120_000;
const maxResponseBytes = 16 * 1024 * 1024;
const NodeBuffer = (globalThis as { Buffer?: { byteLength(s: string): number } }).Buffer;
const encoder = new TextEncoder();

/**
 * The one private request function behind every call: signs, targets the reverse proxy when there is one,
 * times out, retries and turns failures into typed errors. Bytes move through a {@link Transport}.
 */
export class Pipeline {
  readonly #config: PipelineConfig;
  readonly #retry: Required<RetryOptions>;
  readonly #serviceOrigin: string;
  readonly #targetOrigin: string;
  readonly #basePath: string;
  readonly #auth: Authorizer;
  readonly #transport: Transport;
  #closed = false;
  #inFlight = 0;
  #drained: (() => void) | undefined;

  constructor(config: PipelineConfig) {
    this.#config = config;
    this.#retry = resolveRetry(config.retryOptions, defaultRetry, "options.retryOptions");
    const service = new URL(config.endpoint);
    this.#serviceOrigin = service.origin;
    this.#basePath = service.pathname === "/" ? "" : service.pathname.replace(/\/$/, "");
    this.#targetOrigin =
      config.reverseProxyEndpoint === undefined ? service.origin : new URL(config.reverseProxyEndpoint).origin;
    this.#auth = new Authorizer(config.credential);
    this.#transport = config.transport(this.#targetOrigin, {
      connections: config.connections,
      pipelining: config.pipelining,
      dispatcher: config.dispatcher,
    });
    if (tracingApi() === undefined && tracerProviderRegistered()) void loadTracing();
  }

  // Callers that pass the same retryOptions object on every call (batches do) validate it once.
  readonly #retryCache = new WeakMap<RetryOptions, Required<RetryOptions>>();
  #resolvedRetry(options: RetryOptions): Required<RetryOptions> {
    if (typeof options !== "object" || options === null)
      return resolveRetry(options, this.#retry, "options.retryOptions");
    let resolved = this.#retryCache.get(options);
    if (resolved === undefined) {
      resolved = resolveRetry(options, this.#retry, "options.retryOptions");
      this.#retryCache.set(options, resolved);
    }
    return resolved;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async request(spec: RequestSpec): Promise<TransportResponse> {
    if (this.#closed) throw new ClosedError();
    this.#config.precondition?.();
    this.#inFlight++;
    try {
      const operation = spec.operation;
      // No tracer provider registered (yet): every span would be a no-op, so no span, header or API load.
      if (operation === undefined || !tracerProviderRegistered()) return await this.#request(spec, undefined);
      let api = tracingApi();
      if (api === null) return await this.#request(spec, undefined);
      // Only calls made before the import settled wait for it.
      if (api === undefined) api = (await loadTracing(), tracingApi());
      if (api == null) return await this.#request(spec, undefined);
      return await withOperationSpan(
        api,
        operation,
        spec.options?.tracingOptions?.tracingContext,
        (trace) => this.#request(spec, trace),
        () => ({
          method: spec.method,
          url:
            this.#targetOrigin +
            loggableUrl(this.#target(spec).path, this.#config.loggableQuery ?? new Set(["api-version"])),
        }),
      );
    } finally {
      if (--this.#inFlight === 0) this.#drained?.();
    }
  }

  async #request(spec: RequestSpec, trace: OperationTrace | undefined): Promise<TransportResponse> {
    const options = spec.options;
    const retry = options?.retryOptions === undefined ? this.#retry : this.#resolvedRetry(options.retryOptions);
    const timeoutInMs = pickTimeout(
      options?.timeoutInMs ?? options?.requestOptions?.timeout,
      this.#config.timeoutInMs,
      defaultTimeoutInMs,
      "timeoutInMs",
    );
    const totalTimeoutInMs = pickTimeout(
      options?.totalTimeoutInMs,
      this.#config.totalTimeoutInMs,
      defaultTotalTimeoutInMs,
      "totalTimeoutInMs",
    );
    const signal = options?.abortSignal;
    if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });

    const { audience, path } = this.#target(spec);
    const call: Call = {
      spec,
      audience,
      path,
      timeoutInMs,
      totalTimeoutInMs,
      deadline: performance.now() + totalTimeoutInMs,
      retry,
      traceparent: undefined,
      tracestate: undefined,
    };
    const logger = this.#config.logger;
    let attempt =
      logger === undefined
        ? (): Promise<TransportResponse> => this.#attempt(call)
        : loggedAttempts(
            logger,
            spec.method,
            loggableUrl(path, this.#config.loggableQuery ?? new Set(["api-version"])),
            () => this.#attempt(call),
          );
    if (trace !== undefined) attempt = tracedAttempt(trace, call, attempt);
    return withRetries(attempt, retry, call.deadline, signal);
  }

  #target(spec: RequestSpec): { audience: string; path: string } {
    const link = spec.nextLink;
    if (link !== undefined) {
      if (/^https?:\/\//i.test(link)) {
        const url = new URL(link);
        return { audience: link, path: url.pathname + url.search };
      }
      const path = `${this.#basePath}/${link.startsWith("/") ? link.slice(1) : link}`;
      return { audience: this.#serviceOrigin + path, path };
    }
    let pathAndQuery = `${this.#basePath}${spec.path}?api-version=${encodeURIComponent(this.#config.apiVersion)}`;
    if (spec.query !== undefined) {
      for (const [name, value] of spec.query) pathAndQuery += `&${name}=${encodeQueryValue(value)}`;
    }
    return { audience: this.#serviceOrigin + pathAndQuery, path: pathAndQuery };
  }

  async #attempt(call: Call): Promise<TransportResponse> {
    const { spec, path, totalTimeoutInMs } = call;
    if (call.deadline - performance.now() <= 0) {
      throw new TimeoutError(`The call did not finish within totalTimeoutInMs (${totalTimeoutInMs} ms).`, {
        timeout: "total",
        timeoutInMs: totalTimeoutInMs,
        retryable: false,
      });
    }
    const signal = spec.options?.abortSignal;
    const auth = this.#auth.header(call.audience, signal);
    const headers: Record<string, string> = {
      authorization: typeof auth === "string" ? auth : await auth,
      "user-agent": this.#config.userAgent,
    };
    const custom = spec.options?.requestOptions?.customHeaders;
    if (custom !== undefined) for (const [name, value] of Object.entries(custom)) headers[name.toLowerCase()] = value;
    if (call.traceparent !== undefined) {
      headers["traceparent"] = call.traceparent;
      if (call.tracestate !== undefined) headers["tracestate"] = call.tracestate;
    }
    let body: TransportRequest["body"] = null;
    if (spec.body !== undefined) {
      headers["content-type"] = spec.body.contentType;
      const wire = wireBody(spec.body);
      // Awaiting only a Blob keeps a microtask off every other send.
      body = wire instanceof Promise ? await wire : wire;
      if (typeof body === "string")
        headers["content-length"] = String(
          NodeBuffer === undefined ? encoder.encode(body).byteLength : NodeBuffer.byteLength(body),
        );
      else if (body instanceof Uint8Array) headers["content-length"] = String(body.byteLength);
    } else if (spec.method === "POST" || spec.method === "PUT") {
      headers["content-length"] = "0";
    }
    const replayable = spec.body?.streamed !== true;
    const what = `${spec.method} ${spec.path}`;
    const control = new AttemptTimer({
      what,
      timeoutInMs: call.timeoutInMs,
      deadline: call.deadline,
      totalTimeoutInMs,
      signal,
      replayable,
      retryAfterSent: spec.idempotent || call.retry.retryAfterSend,
      maxResponseBytes,
    });
    let response: TransportResponse;
    try {
      response = await this.#transport.send(
        { origin: this.#targetOrigin, method: spec.method, path, headers, body },
        control,
      );
    } catch (error) {
      throw (
        control.endedWith ??
        fromTransportFailure(error, {
          what,
          requestSent: control.requestSent,
          idempotent: spec.idempotent,
          retryAfterSend: call.retry.retryAfterSend,
          replayable,
          timeoutInMs: call.timeoutInMs,
        })
      );
    } finally {
      control.finish();
    }
    spec.options?.onResponse?.({ status: response.status, headers: response.headers() });
    if (
      (response.status >= 200 && response.status < 300) ||
      (response.status === 404 && spec.notFoundIsResult === true)
    )
      return response;
    throw toRestError(spec.method, path, response, this.#redactor(headers["authorization"], body));
  }

  /** What must not appear in an error built from this response: the key, the token and the body sent. */
  #redactor(authorization: string | undefined, sent: TransportRequest["body"]): Redactor {
    let bodyText: string | undefined;
    if (typeof sent === "string") bodyText = sent;
    else if (sent instanceof Uint8Array && sent.byteLength <= 65_536) bodyText = new TextDecoder().decode(sent);
    return redactor([this.#auth.key, authorization?.slice("Bearer ".length), bodyText]);
  }

  /**
   * Waits for calls in flight (each settles by its own deadline), then closes the transport (an injected
   * dispatcher is left open).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
    this.#auth.clear();
    await this.#transport.close();
  }
}

interface Call extends TraceHeaders {
  spec: RequestSpec;
  audience: string;
  path: string;
  timeoutInMs: number;
  totalTimeoutInMs: number;
  deadline: number;
  retry: Required<RetryOptions>;
}

/** The body for one attempt: a replayable stream factory gives a fresh stream each time; a Blob is read into bytes. */
function wireBody(body: EncodedBody): TransportRequest["body"] | Promise<Uint8Array> {
  const data = body.data;
  if (typeof data === "function") return data();
  if (typeof Blob !== "undefined" && data instanceof Blob)
    return data.arrayBuffer().then((bytes) => new Uint8Array(bytes));
  return data as string | Uint8Array | AsyncIterable<Uint8Array>;
}

// Matches how @azure/web-pubsub writes query values, so both SDKs produce the same URL (and JWT audience).
function encodeQueryValue(value: string): string {
  const encoded = encodeURIComponent(value);
  return encoded.includes("'") ? encoded.replace(/'/g, "%27") : encoded;
}

function pickTimeout(call: number | undefined, client: number | undefined, fallback: number, name: string): number {
  const value = call ?? client ?? fallback;
  if (call !== undefined || client !== undefined) {
    if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
      throw new ValidationError(
        `${name} ${String(value)} is not allowed: it must be a positive, finite number of milliseconds.`,
        { argument: `options.${name}` },
      );
    }
  }
  return value;
}
