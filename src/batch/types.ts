// The public shapes of a batch: items, per-item results, progress, options and the outcome.
import type { WebPubSubServiceClient } from "../client/WebPubSubServiceClient";

/**
 * One message of a batch. Exactly one target: nothing (the whole hub), `group`, `userId` or `connectionId`.
 * `message` follows the client's body rules (objects and strings are JSON unless `contentType: "text/plain"`;
 * binary is `application/octet-stream`).
 */
export interface BatchMessage {
  /** The message body. */
  message: unknown;
  /** Send to this group instead of the whole hub. */
  group?: string;
  /** Send to this user's connections. */
  userId?: string;
  /** Send to this one connection. */
  connectionId?: string;
  /** `"text/plain"` sends a string as text. */
  contentType?: "application/json" | "text/plain" | "application/octet-stream";
  /** OData filter (hub and group sends). */
  filter?: string;
  /** Connections to leave out (hub and group sends). */
  excludedConnections?: string[];
  /** Message time-to-live in seconds (0–300). */
  messageTtlSeconds?: number;
}

/** What happened to one item. */
export type BatchItemResult<T> =
  | { index: number; item: T; ok: true; attempts: number }
  | { index: number; item: T; ok: false; attempts: number; error: unknown };

/** Progress, reported as items settle (at most every `progressIntervalInMs`) and once at the end. */
export interface BatchProgress {
  /** Items read from the source so far. */
  started: number;
  succeeded: number;
  failed: number;
  inFlight: number;
  /** Milliseconds the batch has been paused by server throttling (429 / 503 with Retry-After) so far. */
  throttledMs: number;
  /** How long the service has been unreachable (the batch is paused meanwhile); 0 while it answers. */
  unreachableMs: number;
  elapsedMs: number;
}

/** Options for {@link sendMany}. */
export interface SendManyOptions<T> {
  /**
   * How many sends are in flight at once. Memory stays bounded by this: the source is read only as
   * fast as sends finish.
   * @default 16
   */
  concurrency?: number;
  /**
   * Sends one item. The default sends a {@link BatchMessage}; pass your own to map any item type to
   * any call (it receives the batch's abort signal and must pass it on).
   */
  send?: (
    item: T,
    context: { client: WebPubSubServiceClient; abortSignal: AbortSignal; index: number },
  ) => Promise<unknown>;
  /**
   * Attempts per item for retryable failures, in addition to the first. Each item's own call is made
   * without client retries, so throttling is handled here once for the whole batch.
   * @default 3
   */
  maxRetries?: number;
  /**
   * First backoff for a retryable failure without a server hint; doubled per attempt, with jitter.
   * @default 500
   */
  retryDelayInMs?: number;
  /**
   * The cap on the exponential backoff. It never shortens a service's Retry-After (see `maxRetryAfterInMs`).
   * @default 60000
   */
  maxRetryDelayInMs?: number;
  /**
   * The longest Retry-After the batch waits for: the service's wait is honoured in full up to this, and an
   * item whose service asks for longer fails with that error (its `retryAfterInMs` says the wait).
   * @default no limit
   */
  maxRetryAfterInMs?: number;
  /** Called for every item as it settles, in completion order. Use it to stream results of huge batches. */
  onResult?: (result: BatchItemResult<T>) => void;
  /** Called with counters as the batch moves. */
  onProgress?: (progress: BatchProgress) => void;
  /**
   * The least time between two `onProgress` calls (the final call always happens).
   * @default 250
   */
  progressIntervalInMs?: number;
  /**
   * Stop reading new items after the first item that fails for good; sends in flight finish.
   * @default false
   */
  stopOnError?: boolean;
  /**
   * How many failed items the result keeps (with their errors); further failures are counted only.
   * @default 1000
   */
  maxFailuresKept?: number;
  /**
   * How long the batch keeps trying while the service cannot be reached at all (connection refused, DNS,
   * TLS, connect timeout). After three such failures in a row the whole batch pauses, with backoff from
   * `retryDelayInMs` up to `maxRetryDelayInMs`; when the service has not answered for this long, the batch
   * stops and rejects with a `ServiceUnreachableError` counting sent, failed and untried items.
   * @default 30000
   */
  maxUnreachableInMs?: number;
  /** Cancels the batch: sends in flight are aborted, no new item is read, the promise rejects with an `AbortError`. */
  abortSignal?: AbortSignal;
}

/** The outcome of a batch. */
export interface SendManyResult<T> {
  /** Items sent. */
  succeeded: number;
  /** Items that failed for good. */
  failed: number;
  /** The first `maxFailuresKept` failures, with the item, its index and the error. */
  failures: Array<{ index: number; item: T; error: unknown }>;
  /** True when `stopOnError` ended the batch before the source was exhausted. */
  stopped: boolean;
  throttledMs: number;
  elapsedMs: number;
}
