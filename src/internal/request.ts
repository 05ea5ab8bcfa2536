// What one REST call is: its method, path, body and per-call options (shared by the pipeline and each attempt).
import type { OperationTracingOptions } from "./tracing";
import type { RetryOptions } from "./retry";
import type { EncodedBody } from "./content";
import type { TransportRequest } from "./transport/types";

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
