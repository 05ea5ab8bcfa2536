import { NetworkError, RestError, TimeoutError, ValidationError, type WebPubSubError } from "../errors";
import { checkInteger } from "./validate";

/** How failed calls are retried. Names match `@azure/web-pubsub`'s `retryOptions`. */
export interface RetryOptions {
  /**
   * How many times a failed call is tried again (so at most `maxRetries + 1` attempts).
   * @default 3
   */
  maxRetries?: number;
  /**
   * The base of the exponential backoff, as in `@azure/web-pubsub`: retry `n` (from 0) waits a random time
   * between `c/2` and `c`, where `c = min(maxRetryDelayInMs, retryDelayInMs × 2^n)`.
   * @default 1000
   */
  retryDelayInMs?: number;
  /**
   * The cap on `c` in the backoff (see `retryDelayInMs`). It never shortens a wait the service asked for
   * (`Retry-After`), as in `@azure/web-pubsub`.
   * @default 64000
   */
  maxRetryDelayInMs?: number;
  /**
   * The longest wait the service may ask for (`Retry-After`, `retry-after-ms`, `x-ms-retry-after-ms`)
   * that the client still sleeps through. A longer one fails the call at once with the service's
   * `RestError` (`retryable: true`, `retryAfterInMs` set), so the caller can schedule the retry itself.
   * A wait that would end past the call's `totalTimeoutInMs` fails the same way, whatever this says.
   * @default Infinity (bounded only by `totalTimeoutInMs`)
   */
  maxRetryAfterInMs?: number;
  /**
   * Retry a message send even when the connection failed after the whole request was written, so the
   * service may already have delivered it (at-least-once instead of at-most-once delivery).
   * @default false
   */
  retryAfterSend?: boolean;
}

/**
 * The statuses retried, as in `@azure/web-pubsub` (core's exponential and throttling strategies): 408 and
 * every 5xx except 501 and 505 with backoff; 429 only when the service said when to come back (a 429
 * without `Retry-After` is final there, so it is here).
 */
export function isRetryableStatus(status: number, retryAfterMs: number | undefined): boolean {
  if (status === 429) return retryAfterMs !== undefined;
  return status === 408 || (status >= 500 && status !== 501 && status !== 505);
}

/**
 * The single retry predicate: the retry loop uses it, and errors expose its answer as `retryable`.
 * A failure after the request was fully written is retried only for idempotent calls, unless opted in.
 */
export function isRetryableFailure(
  status: number | undefined,
  requestSent: boolean,
  idempotent: boolean,
  retryAfterSend: boolean,
  retryAfterMs?: number,
): boolean {
  if (status !== undefined) return isRetryableStatus(status, retryAfterMs);
  return !requestSent || idempotent || retryAfterSend;
}

/** The service's wait is obeyed only on the statuses `@azure/web-pubsub` obeys it on; others back off. */
const honoursRetryAfter: ReadonlySet<number> = new Set([429, 503]);

/**
 * The backoff before retry `n` (from 0) when the service gave no wait: `@azure/web-pubsub`'s formula,
 * `c/2 + randomInteger(0, c/2)` with `c = min(maxRetryDelayInMs, retryDelayInMs × 2^n)`.
 */
export function backoffDelay(n: number, retry: ResolvedRetry): number {
  const c = Math.min(retry.maxRetryDelayInMs, retry.retryDelayInMs * 2 ** n);
  const high = Math.floor(c / 2);
  return c / 2 + Math.floor(Math.random() * (high + 1));
}

/** The server's hint, from `retry-after-ms`, `x-ms-retry-after-ms` or `Retry-After` (seconds or HTTP date). */
export function parseRetryAfter(headers: Record<string, string>): number | undefined {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const value = headers[name];
    if (value !== undefined) {
      const ms = Number(value);
      if (Number.isFinite(ms) && ms >= 0) return ms;
    }
  }
  const value = headers["retry-after"];
  if (value === undefined) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Reads the retry decision and the service's wait back from an error produced by the pipeline. */
export function retryHint(error: unknown): { retryable: boolean; retryAfterMs: number | undefined } {
  if (error instanceof RestError) {
    return {
      retryable: error.retryable,
      retryAfterMs: honoursRetryAfter.has(error.statusCode) ? error.retryAfterInMs : undefined,
    };
  }
  if (error instanceof NetworkError || error instanceof TimeoutError)
    return { retryable: (error as WebPubSubError).retryable, retryAfterMs: undefined };
  return { retryable: false, retryAfterMs: undefined };
}

export type ResolvedRetry = Required<RetryOptions>;

/** `options` over `base`, each field checked; `argument` names the option in errors. */
export function resolveRetry(options: RetryOptions | undefined, base: ResolvedRetry, argument: string): ResolvedRetry {
  if (options === undefined) return base;
  if (typeof options !== "object" || options === null)
    throw new ValidationError(`${argument} must be an object.`, { argument });
  return {
    maxRetries:
      options.maxRetries === undefined
        ? base.maxRetries
        : checkInteger(options.maxRetries, `${argument}.maxRetries`, 0, 100),
    retryDelayInMs:
      options.retryDelayInMs === undefined
        ? base.retryDelayInMs
        : checkInteger(options.retryDelayInMs, `${argument}.retryDelayInMs`, 0, 3_600_000),
    maxRetryDelayInMs:
      options.maxRetryDelayInMs === undefined
        ? base.maxRetryDelayInMs
        : checkInteger(options.maxRetryDelayInMs, `${argument}.maxRetryDelayInMs`, 0, 3_600_000),
    maxRetryAfterInMs:
      options.maxRetryAfterInMs === undefined
        ? base.maxRetryAfterInMs
        : checkWait(options.maxRetryAfterInMs, `${argument}.maxRetryAfterInMs`),
    retryAfterSend: checkBoolean(options.retryAfterSend, base.retryAfterSend, `${argument}.retryAfterSend`),
  };
}

function checkWait(value: unknown, argument: string): number {
  if (value === Infinity) return value;
  return checkInteger(value, argument, 0, Number.MAX_SAFE_INTEGER);
}

function checkBoolean(value: unknown, fallback: boolean, argument: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean")
    throw new ValidationError(`${argument} must be true or false, got ${typeof value}.`, { argument });
  return value;
}
