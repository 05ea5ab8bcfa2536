import type { Dispatcher } from "undici";
import { AbortError, ClosedError, NetworkError, RestError, TimeoutError, ValidationError, WebPubSubError } from "../errors";
import { isTokenCredential, webPubSubScope, type KeyCredentialLike, type TokenCredentialLike } from "../credentials";
import type { EncodedBody } from "./content";
import { loggableUrl, type RequestLogEvent } from "../logging";
import { redactDeep, redactor, type Redactor } from "./redact";
import { RestTokenCache } from "./restToken";
import { isRetryableFailure, parseRetryAfter, retryAfterOf, retryHint, type RetryOptions } from "./retry";
import { checkInteger } from "./validate";

/** Options every call accepts (the anchor's `OperationOptions` plus our timeouts and retry override). */
export interface CallOptions {
  /** Cancels the call: the request in flight and any wait before a retry. */
  abortSignal?: AbortSignal | undefined;
  /** Per-attempt timeout: the longest wait for response headers, and between body chunks. */
  timeoutInMs?: number | undefined;
  /** Deadline for the whole call, retries and their waits included. */
  totalTimeoutInMs?: number | undefined;
  /** Overrides the client's retry options for this call. */
  retryOptions?: RetryOptions | undefined;
  /** Compatibility with the anchor's `OperationOptions.requestOptions`: `timeout` and `customHeaders` are honoured. */
  requestOptions?: { timeout?: number; customHeaders?: Record<string, string> } | undefined;
  /** Called with the final response's status and headers (the anchor's `onResponse`, simplified). */
  onResponse?: ((response: { status: number; headers: Record<string, string> }) => void) | undefined;
}

export type Method = "GET" | "HEAD" | "POST" | "PUT" | "DELETE";

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
  /** Use this absolute URL instead of endpoint + path + query (a service `nextLink`). */
  absoluteUrl?: string;
  options?: CallOptions | undefined;
}

export interface PipelineResponse {
  status: number;
  /** undici's raw header list; {@link headersOf} parses it (only errors and `onResponse` need it). */
  rawHeaders: Buffer[] | string[] | null;
  body: Buffer;
}

/** The response headers by lower-case name. */
export function headersOf(response: PipelineResponse): Record<string, string> {
  return parseHeaders(response.rawHeaders);
}

export interface PipelineConfig {
  endpoint: string;
  reverseProxyEndpoint?: string | undefined;
  credential: KeyCredentialLike | TokenCredentialLike;
  apiVersion: string;
  dispatcher?: Dispatcher | undefined;
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

const defaultRetry = { maxRetries: 3, retryDelayInMs: 800, maxRetryDelayInMs: 60_000, retryAfterSend: false };
export const defaultTimeoutInMs = 30_000;
export const defaultTotalTimeoutInMs = 120_000;
const maxResponseBytes = 16 * 1024 * 1024;

let poolModule: Promise<typeof import("undici").Pool> | undefined;
let pRetryModule: Promise<typeof import("p-retry").default> | undefined;

/**
 * The one private request function behind every call: signs, targets the reverse proxy when there is one,
 * times out, retries and turns failures into typed errors.
 */
export class Pipeline {
  readonly #config: PipelineConfig;
  readonly #retry: Required<RetryOptions>;
  readonly #serviceOrigin: string;
  readonly #targetOrigin: string;
  readonly #basePath: string;
  readonly #tokens = new RestTokenCache();
  #dispatcher: Dispatcher | Promise<Dispatcher> | undefined;
  #ownsDispatcher = false;
  #closed = false;
  #inFlight = 0;
  #drained: (() => void) | undefined;
  #bearer: { token: string; refreshAt: number } | undefined;

  constructor(config: PipelineConfig) {
    this.#config = config;
    this.#retry = resolveRetry(config.retryOptions, defaultRetry, "options.retryOptions");
    const service = new URL(config.endpoint);
    this.#serviceOrigin = service.origin;
    this.#basePath = service.pathname === "/" ? "" : service.pathname.replace(/\/$/, "");
    this.#targetOrigin = config.reverseProxyEndpoint === undefined ? service.origin : new URL(config.reverseProxyEndpoint).origin;
    this.#dispatcher = config.dispatcher;
  }

  // Callers that pass the same retryOptions object on every call (batches do) validate it once.
  readonly #retryCache = new WeakMap<RetryOptions, Required<RetryOptions>>();
  #resolvedRetry(options: RetryOptions): Required<RetryOptions> {
    if (typeof options !== "object" || options === null) return resolveRetry(options, this.#retry, "options.retryOptions");
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

  async request(spec: RequestSpec): Promise<PipelineResponse> {
    if (this.#closed) throw new ClosedError();
    this.#inFlight++;
    try {
      return await this.#request(spec);
    } finally {
      if (--this.#inFlight === 0) this.#drained?.();
    }
  }

  async #request(spec: RequestSpec): Promise<PipelineResponse> {
    const options = spec.options;
    const retry = options?.retryOptions === undefined ? this.#retry : this.#resolvedRetry(options.retryOptions);
    const timeoutInMs = pickTimeout(options?.timeoutInMs ?? options?.requestOptions?.timeout, this.#config.timeoutInMs, defaultTimeoutInMs, "timeoutInMs");
    const totalTimeoutInMs = pickTimeout(options?.totalTimeoutInMs, this.#config.totalTimeoutInMs, defaultTotalTimeoutInMs, "totalTimeoutInMs");
    const signal = options?.abortSignal;
    if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });

    const { audience, path } = this.#target(spec);
    const deadline = performance.now() + totalTimeoutInMs;
    const logger = this.#config.logger;
    const attempt =
      logger === undefined
        ? (): Promise<PipelineResponse> => this.#attempt(spec, audience, path, timeoutInMs, deadline, totalTimeoutInMs, retry)
        : this.#loggedAttempt(logger, spec, audience, path, timeoutInMs, deadline, totalTimeoutInMs, retry);

    let first: unknown;
    try {
      return await attempt();
    } catch (error) {
      first = error;
    }
    // The happy path never loads p-retry; the first retryable failure does.
    if (retry.maxRetries === 0 || !retryHint(first).retryable || signal?.aborted) throw first;
    pRetryModule ??= import("p-retry").then((m) => m.default);
    const pRetry = await pRetryModule;
    try {
      return await pRetry((attemptNumber) => (attemptNumber === 1 ? Promise.reject(first) : attempt()), {
        retries: retry.maxRetries,
        factor: 2,
        minTimeout: retry.retryDelayInMs,
        maxTimeout: retry.maxRetryDelayInMs,
        randomize: true,
        maxRetryTime: Math.max(0, deadline - performance.now()),
        ...(signal === undefined ? {} : { signal }),
        shouldRetry: ({ error }) => retryHint(error).retryable,
        onFailedAttempt: async ({ error, attemptNumber }) => {
          const hint = retryHint(error);
          if (!hint.retryable) return;
          if (attemptNumber > retry.maxRetries) throw error;
          const remaining = deadline - performance.now();
          if (hint.retryAfterMs !== undefined) {
            // The server said when to come back; wait exactly that (capped) instead of the backoff.
            const wait = Math.min(hint.retryAfterMs, retry.maxRetryDelayInMs);
            if (wait >= remaining) throw error;
            await sleep(wait, signal);
          } else if (remaining <= retry.retryDelayInMs) {
            throw error;
          }
        },
        // A Retry-After wait already happened above; p-retry must not add its own backoff on top.
        shouldConsumeRetry: ({ error }) => retryHint(error).retryAfterMs === undefined,
      });
    } catch (error) {
      if (signal?.aborted && !(error instanceof AbortError)) throw new AbortError(undefined, { cause: signal.reason });
      throw error;
    }
  }

  /** `#attempt`, reporting each try to the user's logger (which must never break the call). */
  #loggedAttempt(
    logger: (event: RequestLogEvent) => void,
    ...args: [RequestSpec, string, string, number, number, number, Required<RetryOptions>]
  ): () => Promise<PipelineResponse> {
    const [spec, , path] = args;
    const url = loggableUrl(path, this.#config.loggableQuery ?? new Set(["api-version"]));
    let n = 0;
    const emit = (event: RequestLogEvent) => {
      try {
        logger(event);
      } catch {
        // A failing logger is the logger's problem, not the call's.
      }
    };
    return async () => {
      const attempt = ++n;
      const started = performance.now();
      try {
        const response = await this.#attempt(...args);
        emit({ level: "info", method: spec.method, url, attempt, status: response.status, durationMs: Math.round(performance.now() - started) });
        return response;
      } catch (error) {
        const e = error as Partial<RestError>;
        const event: RequestLogEvent = { level: "warning", method: spec.method, url, attempt, durationMs: Math.round(performance.now() - started) };
        if (e.statusCode !== undefined) event.status = e.statusCode;
        if (e.requestId !== undefined) event.requestId = e.requestId;
        if (e.errorCode !== undefined) event.errorCode = e.errorCode;
        if (e.retryable !== undefined) event.retryable = e.retryable;
        emit(event);
        throw error;
      }
    };
  }

  /** A bearer token for a `TokenCredential`, or a JWT signed with the key for `audience`. */
  #authorization(audience: string, signal: AbortSignal | undefined): string | Promise<string> {
    const credential = this.#config.credential;
    if (!isTokenCredential(credential)) return `Bearer ${this.#tokens.get(audience, credential.key)}`;
    return this.#bearerToken(credential, signal);
  }

  async #bearerToken(credential: TokenCredentialLike, signal: AbortSignal | undefined): Promise<string> {
    const now = Date.now();
    if (this.#bearer !== undefined && this.#bearer.refreshAt > now) return `Bearer ${this.#bearer.token}`;
    const token = await credential.getToken(webPubSubScope, signal === undefined ? {} : { abortSignal: signal });
    if (token === null || typeof token.token !== "string") {
      throw new WebPubSubError("The TokenCredential returned no token for scope https://webpubsub.azure.com/.default.", "ERR_REST");
    }
    this.#bearer = { token: token.token, refreshAt: token.expiresOnTimestamp - 2 * 60_000 };
    return `Bearer ${token.token}`;
  }

  #target(spec: RequestSpec): { audience: string; path: string } {
    if (spec.absoluteUrl !== undefined) {
      const url = new URL(spec.absoluteUrl);
      return { audience: spec.absoluteUrl, path: url.pathname + url.search };
    }
    let pathAndQuery = `${this.#basePath}${spec.path}?api-version=${encodeURIComponent(this.#config.apiVersion)}`;
    if (spec.query !== undefined) {
      for (const [name, value] of spec.query) pathAndQuery += `&${name}=${encodeQueryValue(value)}`;
    }
    return { audience: this.#serviceOrigin + pathAndQuery, path: pathAndQuery };
  }

  async #attempt(
    spec: RequestSpec,
    audience: string,
    path: string,
    timeoutInMs: number,
    deadline: number,
    totalTimeoutInMs: number,
    retry: Required<RetryOptions>,
  ): Promise<PipelineResponse> {
    const remaining = deadline - performance.now();
    if (remaining <= 0) {
      throw new TimeoutError(`The call did not finish within totalTimeoutInMs (${totalTimeoutInMs} ms).`, { timeout: "total", timeoutInMs: totalTimeoutInMs, retryable: false });
    }
    const totalBound = remaining < timeoutInMs;
    const attemptTimeout = Math.max(1, Math.floor(totalBound ? remaining : timeoutInMs));
    const signal = spec.options?.abortSignal;
    // Key credentials sign synchronously; awaiting only when needed keeps a microtask off every request.
    const auth = this.#authorization(audience, signal);
    const headers: Record<string, string> = {
      authorization: typeof auth === "string" ? auth : await auth,
      "user-agent": this.#config.userAgent,
    };
    const custom = spec.options?.requestOptions?.customHeaders;
    if (custom !== undefined) for (const [name, value] of Object.entries(custom)) headers[name.toLowerCase()] = value;
    let body: Dispatcher.DispatchOptions["body"];
    if (spec.body !== undefined) {
      headers["content-type"] = spec.body.contentType;
      const data = spec.body.data;
      body = typeof data === "function" ? (data() as Dispatcher.DispatchOptions["body"]) : (data as Dispatcher.DispatchOptions["body"]);
      if (typeof data === "string") headers["content-length"] = String(Buffer.byteLength(data));
      else if (data instanceof Uint8Array) headers["content-length"] = String(data.byteLength);
    } else if (spec.method === "POST" || spec.method === "PUT") {
      headers["content-length"] = "0";
    }
    const pending = this.#getDispatcher();
    const dispatcher = pending instanceof Promise ? await pending : pending;
    const response = await new Promise<PipelineResponse>((resolve, reject) => {
      const handler = new ResponseHandler(resolve, reject, signal, spec, attemptTimeout, timeoutInMs, totalBound, totalTimeoutInMs, retry.retryAfterSend);
      try {
        // Our own timer enforces the timeouts: undici's are coarse (they tick every ~0.5 s), so they are
        // set only as a generous backstop.
        const backstop = attemptTimeout + 1000;
        dispatcher.dispatch(
          { origin: this.#targetOrigin, method: spec.method, path, headers, body: body ?? null, headersTimeout: backstop, bodyTimeout: backstop },
          handler,
        );
      } catch (error) {
        handler.onError(error as Error);
      }
    });
    spec.options?.onResponse?.({ status: response.status, headers: headersOf(response) });
    if ((response.status >= 200 && response.status < 300) || (response.status === 404 && spec.notFoundIsResult === true)) return response;
    throw toRestError(spec.method, path, response, this.#redactor(headers["authorization"], spec.body));
  }

  /** What must not appear in an error built from this response: the key, the token and the body sent. */
  #redactor(authorization: string | undefined, body: RequestSpec["body"]): Redactor {
    const credential = this.#config.credential;
    const sent = body?.data;
    let bodyText: string | undefined;
    if (typeof sent === "string") bodyText = sent;
    else if (sent instanceof Uint8Array && sent.byteLength <= 65_536) bodyText = Buffer.from(sent.buffer, sent.byteOffset, sent.byteLength).toString("utf8");
    return redactor([isTokenCredential(credential) ? undefined : credential.key, authorization?.slice("Bearer ".length), bodyText]);
  }

  #getDispatcher(): Dispatcher | Promise<Dispatcher> {
    if (this.#dispatcher !== undefined) return this.#dispatcher;
    poolModule ??= import("undici/lib/dispatcher/pool.js").then((m) => m.default);
    const pending = poolModule.then((Pool) => {
      const pool = new Pool(this.#targetOrigin, {
        connections: this.#config.connections ?? 128,
        pipelining: this.#config.pipelining ?? 1,
        keepAliveTimeout: 30_000,
      });
      this.#dispatcher = pool;
      this.#ownsDispatcher = true;
      return pool;
    });
    this.#dispatcher = pending;
    return pending;
  }

  /** Waits for calls in flight, then closes the connection pool (an injected dispatcher is left open). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Calls already made finish (including their retries) before the pool goes away.
    if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
    this.#tokens.clear();
    const dispatcher = await this.#dispatcher;
    if (dispatcher !== undefined && this.#ownsDispatcher) await dispatcher.close();
  }
}

// Many calls often share one signal (a batch, a shutdown controller). Registering one listener per signal
// and keeping the calls in a Set is cheaper than an EventTarget listener per call, and does not trip
// Node's MaxListenersExceededWarning at the 11th concurrent call.
const abortWatchers = new WeakMap<AbortSignal, Set<() => void>>();

function watchAbort(signal: AbortSignal, onAbort: () => void): () => void {
  let watchers = abortWatchers.get(signal);
  if (watchers === undefined) {
    const set = new Set<() => void>();
    watchers = set;
    abortWatchers.set(signal, set);
    signal.addEventListener("abort", () => {
      for (const watcher of [...set]) watcher();
      set.clear();
    }, { once: true });
  }
  watchers.add(onAbort);
  const set = watchers;
  return () => void set.delete(onAbort);
}

/** undici's callback-style handler: no response stream objects, which keeps the per-request cost low. */
class ResponseHandler implements Dispatcher.DispatchHandler {
  #status = 0;
  #rawHeaders: Buffer[] | string[] | null = null;
  #chunks: Buffer[] = [];
  #size = 0;
  #requestSent = false;
  #settled = false;
  #abort: ((error?: Error) => void) | undefined;
  #unwatch: (() => void) | undefined;
  #timer: NodeJS.Timeout;
  #gotHeaders = false;

  constructor(
    private readonly resolve: (response: PipelineResponse) => void,
    private readonly reject: (error: unknown) => void,
    private readonly signal: AbortSignal | undefined,
    private readonly spec: RequestSpec,
    attemptTimeout: number,
    private readonly timeoutInMs: number,
    private readonly totalBound: boolean,
    private readonly totalTimeoutInMs: number,
    private readonly retryAfterSend: boolean,
  ) {
    if (signal !== undefined) {
      this.#unwatch = watchAbort(signal, () => this.#fail(new AbortError(undefined, { cause: signal.reason })));
    }
    // One timer per attempt: it covers the wait for headers, then is refreshed by every body chunk.
    this.#timer = setTimeout(() => this.#fail(this.#timeoutError()), attemptTimeout);
    // Aborted between attempts: settle now; undici's onConnect then drops the request unsent.
    if (signal?.aborted === true) this.#fail(new AbortError(undefined, { cause: signal.reason }));
  }

  onConnect(abort: (error?: Error) => void): void {
    this.#abort = abort;
    // Settled before undici got to it (timed out or aborted while queued): drop the request.
    if (this.#settled) abort(new AbortError());
  }

  onBodySent(): void {
    // An upload that is making progress is not a stalled request.
    this.#timer.refresh();
  }

  onRequestSent(): void {
    this.#requestSent = true;
    this.#timer.refresh();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[] | string[]): boolean {
    this.#status = statusCode;
    this.#rawHeaders = rawHeaders;
    this.#requestSent = true;
    this.#gotHeaders = true;
    this.#timer.refresh();
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.#size += chunk.length;
    if (this.#size <= maxResponseBytes) this.#chunks.push(chunk);
    this.#timer.refresh();
    return true;
  }

  /** Ends the attempt with `error`: cancels the request if undici has started it, else rejects now. */
  #fail(error: WebPubSubError): void {
    if (this.#settled) return;
    if (this.#abort !== undefined) this.#abort(error);
    else this.onError(error);
  }

  #timeoutError(): TimeoutError {
    const which = this.totalBound ? "total" : "attempt";
    const ms = this.totalBound ? this.totalTimeoutInMs : this.timeoutInMs;
    const replayable = this.spec.body?.streamed !== true;
    const retryable = !this.totalBound && replayable && isRetryableFailure(undefined, this.#requestSent, this.spec.idempotent, this.retryAfterSend);
    return new TimeoutError(
      `${this.spec.method} ${this.spec.path}: no ${this.#gotHeaders ? "response data" : "response"} within ${which === "total" ? "totalTimeoutInMs" : "timeoutInMs"} (${ms} ms).`,
      { timeout: which, timeoutInMs: ms, retryable },
    );
  }

  onComplete(): void {
    if (this.#settle()) {
      const body = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks);
      this.resolve({ status: this.#status, rawHeaders: this.#rawHeaders, body });
    }
  }

  onError(error: Error): void {
    if (this.#settle()) this.reject(this.#translate(error));
  }

  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#unwatch?.();
    return true;
  }

  #translate(error: Error): WebPubSubError {
    if (error instanceof WebPubSubError) return error;
    const code = (error as { code?: string }).code ?? "";
    const what = `${this.spec.method} ${this.spec.path}`;
    const idempotent = this.spec.idempotent;
    // A one-shot stream body cannot be sent twice once any of it may have been consumed.
    const replayable = this.spec.body?.streamed !== true;
    if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
      const which = this.totalBound ? "total" : "attempt";
      const ms = this.totalBound ? this.totalTimeoutInMs : this.timeoutInMs;
      const retryable = !this.totalBound && replayable && isRetryableFailure(undefined, this.#requestSent, idempotent, this.retryAfterSend);
      return new TimeoutError(
        `${what}: no ${code === "UND_ERR_HEADERS_TIMEOUT" ? "response" : "response data"} within ${which === "total" ? "totalTimeoutInMs" : "timeoutInMs"} (${ms} ms).`,
        { timeout: which, timeoutInMs: ms, retryable, cause: error },
      );
    }
    if (code === "UND_ERR_CONNECT_TIMEOUT") {
      return new TimeoutError(`${what}: connecting to the service timed out.`, { timeout: "attempt", timeoutInMs: this.timeoutInMs, retryable: true, cause: error });
    }
    if (code === "UND_ERR_ABORTED" || error.name === "AbortError") return new AbortError(undefined, { cause: error });
    const sent = this.#requestSent;
    const retryable = replayable && isRetryableFailure(undefined, sent, idempotent, this.retryAfterSend);
    const detail = code === "" ? error.message : `${code}${error.message ? ` (${error.message})` : ""}`;
    return new NetworkError(
      `${what} failed ${sent ? "after the request was sent; the service may have processed it" : "before the request reached the service"}: ${detail}.`,
      { cause: error, retryable, requestSent: sent },
    );
  }
}

// Matches how @azure/web-pubsub writes query values, so both SDKs produce the same URL (and JWT audience).
function encodeQueryValue(value: string): string {
  const encoded = encodeURIComponent(value);
  return encoded.includes("'") ? encoded.replace(/'/g, "%27") : encoded;
}

function parseHeaders(raw: Buffer[] | string[] | null): Record<string, string> {
  const headers: Record<string, string> = {};
  if (raw === null) return headers;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    headers[String(raw[i]).toLowerCase()] = String(raw[i + 1]);
  }
  return headers;
}

function toRestError(method: string, path: string, response: PipelineResponse, redact: Redactor): RestError {
  const status = response.status;
  const headers = headersOf(response);
  let details: unknown;
  let code = headers["x-ms-error-code"];
  let serviceMessage: string | undefined;
  const type = headers["content-type"] ?? "";
  if (response.body.length > 0) {
    const text = redact(response.body.toString("utf8"));
    if (/json/i.test(type)) {
      try {
        details = redactDeep(JSON.parse(text), redact);
      } catch {
        details = text;
      }
    } else {
      details = text;
    }
    if (typeof details === "object" && details !== null) {
      const body = details as { code?: unknown; message?: unknown; title?: unknown; error?: { code?: unknown; message?: unknown } };
      const inner = typeof body.error === "object" && body.error !== null ? body.error : body;
      if (typeof inner.code === "string") code ??= inner.code;
      if (typeof inner.message === "string") serviceMessage = inner.message;
      else if (typeof body.title === "string") serviceMessage = body.title;
    } else if (typeof details === "string" && details.length > 0 && details.length <= 500) {
      serviceMessage = details;
    }
  }
  const requestId = headers["x-ms-request-id"];
  const retryable = isRetryableFailure(status, true, true, false);
  const cleanPath = path.replace(/\?.*$/, "");
  const message = `${method} ${cleanPath} failed with status ${status}${code ? ` (${code})` : ""}${serviceMessage ? `: ${serviceMessage}` : "."}`;
  const error = new RestError(message, { statusCode: status, code, details, requestId, retryable, request: { method, path: cleanPath } });
  const retryAfter = parseRetryAfter(headers);
  if (retryAfter !== undefined && retryable) retryAfterOf.set(error, retryAfter);
  return error;
}

function resolveRetry(options: RetryOptions | undefined, base: Required<RetryOptions>, argument: string): Required<RetryOptions> {
  if (options === undefined) return base;
  if (typeof options !== "object" || options === null) throw new ValidationError(`${argument} must be an object.`, { argument });
  return {
    maxRetries: options.maxRetries === undefined ? base.maxRetries : checkInteger(options.maxRetries, `${argument}.maxRetries`, 0, 100),
    retryDelayInMs: options.retryDelayInMs === undefined ? base.retryDelayInMs : checkInteger(options.retryDelayInMs, `${argument}.retryDelayInMs`, 0, 3_600_000),
    maxRetryDelayInMs:
      options.maxRetryDelayInMs === undefined ? base.maxRetryDelayInMs : checkInteger(options.maxRetryDelayInMs, `${argument}.maxRetryDelayInMs`, 0, 3_600_000),
    retryAfterSend: options.retryAfterSend ?? base.retryAfterSend,
  };
}

function pickTimeout(call: number | undefined, client: number | undefined, fallback: number, name: string): number {
  const value = call ?? client ?? fallback;
  if (call !== undefined || client !== undefined) {
    if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
      throw new ValidationError(`${name} ${String(value)} is not allowed: it must be a positive, finite number of milliseconds.`, { argument: `options.${name}` });
    }
  }
  return value;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError(undefined, { cause: signal.reason }));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortError(undefined, { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
