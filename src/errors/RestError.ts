import { WebPubSubError } from "./WebPubSubError";

/** Details the service returned about a failed request (`details` in its error body). */
export interface RestErrorDetail {
  code?: string;
  message?: string;
  target?: string;
}

/**
 * The service answered with an unexpected HTTP status. Field names match `RestError` from
 * `@azure/core-rest-pipeline` (`name`, `statusCode`, `code`, `details`), so existing `catch` blocks keep
 * working after a switch from `@azure/web-pubsub`.
 */
export class RestError extends WebPubSubError {
  /** The HTTP status the service answered with. */
  readonly statusCode: number;
  /** The service's error code (body `code` or the `x-ms-error-code` header), e.g. `"Error.Connection.NotExisted"`. */
  readonly code: string | undefined;
  /** The parsed error body (flat JSON or `application/problem+json`), when there was one. */
  readonly details: unknown;
  /** The service's request id (`x-ms-request-id`), for support tickets. */
  readonly requestId: string | undefined;
  /**
   * How long the service asked the caller to wait before trying again (`Retry-After`, `retry-after-ms` or
   * `x-ms-retry-after-ms`), in milliseconds; `undefined` when it gave no such header. When the client stops
   * retrying because this wait would pass the call's deadline or `maxRetryAfterInMs`, this is the wait to honour.
   */
  readonly retryAfterInMs: number | undefined;
  /** HTTP method and URL path of the failed request (no query: it may carry a `filter`). */
  readonly request: { method: string; path: string };

  constructor(
    message: string,
    init: {
      statusCode: number;
      code: string | undefined;
      details: unknown;
      requestId: string | undefined;
      retryable: boolean;
      retryAfterInMs?: number | undefined;
      request: { method: string; path: string };
    },
  ) {
    super(message, "ERR_REST", { retryable: init.retryable });
    this.name = "RestError";
    this.statusCode = init.statusCode;
    this.code = init.code;
    this.details = init.details;
    this.requestId = init.requestId;
    this.retryAfterInMs = init.retryAfterInMs;
    this.request = init.request;
  }
}
