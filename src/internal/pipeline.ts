import { AbortError, ClosedError, ValidationError } from "../errors";
import type { KeyCredentialLike, TokenCredentialLike } from "../credentials";
import { loggableUrl, type RequestLogEvent } from "../logging";
import { runAttempt, type AttemptContext, type Call } from "./attempt";
import { loggedAttempts } from "./attemptLog";
import { Authorizer } from "./authorizer";
import { resolveRetry, type RetryOptions } from "./retry";
import { withRetries } from "./retryLoop";
import {
  loadTracing,
  tracedAttempt,
  tracerProviderRegistered,
  tracingApi,
  withOperationSpan,
  type OperationTrace,
} from "./tracing";
import type { Transport, TransportFactory, TransportResponse } from "./transport/types";
import { rejection } from "./rejection";

import type { RequestSpec } from "./request";

export type { CallOptions, Method, RequestSpec } from "./request";

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
const maxCachedTargets = 256;

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
  readonly #attemptContext: AttemptContext;
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
    this.#attemptContext = {
      auth: this.#auth,
      userAgent: config.userAgent,
      transport: this.#transport,
      targetOrigin: this.#targetOrigin,
      maxResponseBytes,
    };
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

  /** Runs one call; rejects (never throws) with a typed error. */
  request(spec: RequestSpec): Promise<TransportResponse> {
    if (this.#closed) return rejection(new ClosedError());
    try {
      this.#config.precondition?.();
    } catch (error) {
      return rejection(error);
    }
    this.#inFlight++;
    let pending: Promise<TransportResponse>;
    try {
      const operation = spec.operation;
      // No tracer provider registered (yet): every span would be a no-op, so no span, header or API load.
      pending =
        operation === undefined || !tracerProviderRegistered()
          ? this.#request(spec, undefined)
          : this.#traced(spec, operation);
    } catch (error) {
      pending = rejection(error);
    }
    // Not an async function: the happy path adds one reaction to the attempt's promise, no await chain.
    return pending.then(this.#left, this.#leftFailed);
  }

  readonly #left = (response: TransportResponse): TransportResponse => {
    if (--this.#inFlight === 0) this.#drained?.();
    return response;
  };
  readonly #leftFailed = (error: unknown): never => {
    if (--this.#inFlight === 0) this.#drained?.();
    throw error;
  };

  async #traced(spec: RequestSpec, operation: string): Promise<TransportResponse> {
    let api = tracingApi();
    // Only calls made before the import settled wait for it.
    if (api === undefined) api = (await loadTracing(), tracingApi());
    if (api == null) return this.#request(spec, undefined);
    return withOperationSpan(
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
  }

  /** Validates the call's options and runs its attempts; throws at once on a bad option (the callers reject). */
  #request(spec: RequestSpec, trace: OperationTrace | undefined): Promise<TransportResponse> {
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
    const context = this.#attemptContext;
    const logger = this.#config.logger;
    let attempt =
      logger === undefined
        ? (): Promise<TransportResponse> => runAttempt(context, call)
        : loggedAttempts(
            logger,
            spec.method,
            loggableUrl(path, this.#config.loggableQuery ?? new Set(["api-version"])),
            () => runAttempt(context, call),
          );
    if (trace !== undefined) attempt = tracedAttempt(trace, call, attempt);
    return withRetries(attempt, retry, call.deadline, signal);
  }

  // Calls without a query to the same path (a client's or a group's sendToAll) share one target: the same
  // audience string each time keeps its hash, so the token cache finds its entry without hashing a new URL.
  readonly #targets = new Map<string, Target>();

  #target(spec: RequestSpec): Target {
    const link = spec.nextLink;
    if (link !== undefined) {
      if (/^https?:\/\//i.test(link)) {
        const url = new URL(link);
        return { audience: link, path: url.pathname + url.search };
      }
      const path = `${this.#basePath}/${link.startsWith("/") ? link.slice(1) : link}`;
      return { audience: this.#serviceOrigin + path, path };
    }
    const query = spec.query;
    if (query === undefined || query.length === 0) {
      let target = this.#targets.get(spec.path);
      if (target === undefined) {
        const path = `${this.#basePath}${spec.path}?api-version=${encodeURIComponent(this.#config.apiVersion)}`;
        target = { audience: this.#serviceOrigin + path, path };
        // Paths that name a user or connection are many: the cache stays small by starting over.
        if (this.#targets.size >= maxCachedTargets) this.#targets.clear();
        this.#targets.set(spec.path, target);
      }
      return target;
    }
    let pathAndQuery = `${this.#basePath}${spec.path}?api-version=${encodeURIComponent(this.#config.apiVersion)}`;
    for (const [name, value] of query) pathAndQuery += `&${name}=${encodeQueryValue(value)}`;
    return { audience: this.#serviceOrigin + pathAndQuery, path: pathAndQuery };
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

interface Target {
  audience: string;
  path: string;
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
