// The seam between the shared request logic (signing, deadlines, retries, error mapping, redaction, logging,
// tracing: src/internal/pipeline.ts and its helpers) and the code that moves bytes. Node uses undici
// (./undici.ts); other runtimes plug in a fetch-based transport. Everything a user can rely on (timeouts,
// at-most-once sends, typed errors, no secrets in errors) is enforced above this seam, so both transports
// give the same guarantees and one test matrix covers them.

/** One HTTP request, ready for the wire. */
export interface TransportRequest {
  /** `scheme://host[:port]`, no trailing slash: the service, or the reverse proxy in front of it. */
  readonly origin: string;
  readonly method: "GET" | "HEAD" | "POST" | "PUT" | "DELETE";
  /** Path and query, already percent-encoded; sent exactly as given. */
  readonly path: string;
  /** Header values by lower-case name. `content-length` is set for string and byte bodies. */
  readonly headers: Record<string, string>;
  /**
   * `null` for no body. An async iterable is read once: the pipeline never retries a call whose one-shot
   * stream may have been consumed (a replayable stream arrives as a fresh iterable per attempt).
   */
  readonly body: string | Uint8Array | AsyncIterable<Uint8Array> | null;
}

/** The whole response: a transport reads the body to the end (or fails) before it resolves. */
export interface TransportResponse {
  readonly status: number;
  /** One header by lower-case name (the last one if repeated). */
  header(name: string): string | undefined;
  /** Every header by lower-case name; a new object on each call (only error paths and `onResponse` need it). */
  headers(): Record<string, string>;
  readonly body: Uint8Array;
}

/** Told when an attempt is ended before its response completed (see {@link AttemptControl.onEnd}). */
export interface AttemptEndListener {
  attemptEnded(reason: Error): void;
}

/**
 * What the pipeline gives a transport for one attempt. The pipeline owns every timer: the transport only
 * reports progress and obeys the signal.
 */
export interface AttemptControl {
  /**
   * Aborted when the attempt must end: the user's abort signal, the per-attempt idle timeout, the call's
   * absolute deadline (`totalTimeoutInMs`, never extended by progress), or the response body's own time
   * limit. `signal.reason` is the typed error (`TimeoutError`, `AbortError`) the transport rejects with,
   * unchanged. Created on first read, so a transport that uses {@link AttemptControl.onEnd} instead
   * allocates no `AbortController` per request.
   */
  readonly signal: AbortSignal;
  /**
   * The same event as `signal`'s abort, as a call of `listener.attemptEnded` (cheaper than an `AbortSignal`
   * listener on the hot path, and the transport's own per-request object can be the listener, so no closure
   * is made). Called at most once, synchronously if the attempt has already ended.
   */
  onEnd(listener: AttemptEndListener): void;
  /**
   * The transport calls this once the request has been handed to the network: from then on a failure may
   * mean the service processed it, so a non-idempotent call is not retried (at-most-once). Also counts as
   * progress.
   */
  sent(): void;
  /**
   * Upload or download progress (call it when response headers arrive and on every body chunk). Refreshes
   * the per-attempt idle timer only, never the call's deadline. The first call after {@link sent} starts the
   * response body's own time limit.
   */
  progress(): void;
  /** The most response body bytes to accept; past it the transport fails with code `ERR_RESPONSE_TOO_LARGE`. */
  readonly maxResponseBytes: number;
}

/** Moves one request's bytes. A transport keeps connections; `close()` releases them. */
export interface Transport {
  /**
   * Sends `request` and reads the whole response. Rejects with `control.signal.reason` when the attempt is
   * ended, otherwise with a {@link TransportFailure} for anything the network or the peer did.
   */
  send(request: TransportRequest, control: AttemptControl): Promise<TransportResponse>;
  /** Releases connections; called once, after every call in flight has settled. */
  close(): Promise<void>;
}

/** Options the client passes to a transport factory. */
export interface TransportOptions {
  /** Most sockets to the origin (a transport that cannot limit this ignores it). */
  readonly connections?: number | undefined;
  /** Requests in flight per socket (HTTP/1.1 pipelining); 1 disables it. */
  readonly pipelining?: number | undefined;
  /** A user's undici `Dispatcher` (only the undici transport accepts one). */
  readonly dispatcher?: unknown;
}

/** Creates the transport for one client, for requests to `origin`. */
export type TransportFactory = (origin: string, options: TransportOptions) => Transport;

/**
 * The network or the peer failed the request (refused, reset, TLS, malformed response, body too large).
 * The pipeline turns it into a `NetworkError` (or a `TimeoutError` for a connect timeout).
 */
export class TransportFailure extends Error {
  /** The underlying code, e.g. `ECONNREFUSED`, `UND_ERR_SOCKET`, `ERR_RESPONSE_TOO_LARGE`; `""` when unknown. */
  readonly code: string;
  /** Whether the request may have reached the service (decides at-most-once retries). */
  readonly requestSent: boolean;

  constructor(message: string, options: { code: string; requestSent: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TransportFailure";
    this.code = options.code;
    this.requestSent = options.requestSent;
  }
}
