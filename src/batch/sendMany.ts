import { AbortError, ValidationError } from "../errors";
import type { WebPubSubServiceClient } from "../client/WebPubSubServiceClient";
import { retryHint } from "../internal/retry";
import { checkInteger } from "../internal/validate";
import { platform } from "../internal/platform";

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
  send?: (item: T, context: { client: WebPubSubServiceClient; abortSignal: AbortSignal; index: number }) => Promise<unknown>;
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
   * The longest wait honoured from a server's Retry-After, and the cap on backoff.
   * @default 60000
   */
  maxRetryDelayInMs?: number;
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

/**
 * Sends many messages (an array, any iterable or an async iterable of millions) with bounded
 * concurrency and memory, per-item results, progress and cancellation. A 429 or 503 with Retry-After
 * pauses the whole batch for the time the service asked, instead of every item hammering it on its own.
 *
 * @example
 * ```ts
 * const result = await sendMany(client, users.map((u) => ({ userId: u.id, message: { hello: u.name } })), {
 *   concurrency: 32,
 *   onProgress: (p) => console.log(`${p.succeeded} sent, ${p.failed} failed`),
 * });
 * ```
 */
export async function sendMany<T = BatchMessage>(
  client: WebPubSubServiceClient,
  items: Iterable<T> | AsyncIterable<T>,
  options: SendManyOptions<T> = {},
): Promise<SendManyResult<T>> {
  const concurrency = checkInteger(options.concurrency ?? 16, "options.concurrency", 1, 10_000);
  const maxRetries = checkInteger(options.maxRetries ?? 3, "options.maxRetries", 0, 100);
  const retryDelayInMs = checkInteger(options.retryDelayInMs ?? 500, "options.retryDelayInMs", 0, 3_600_000);
  const maxRetryDelayInMs = checkInteger(options.maxRetryDelayInMs ?? 60_000, "options.maxRetryDelayInMs", 0, 3_600_000);
  const progressInterval = checkInteger(options.progressIntervalInMs ?? 250, "options.progressIntervalInMs", 0, 3_600_000);
  const maxFailuresKept = checkInteger(options.maxFailuresKept ?? 1000, "options.maxFailuresKept", 0, Number.MAX_SAFE_INTEGER);
  if (items === null || typeof items !== "object" || (!(Symbol.iterator in items) && !(Symbol.asyncIterator in items))) {
    throw new ValidationError("items must be an array, an iterable or an async iterable.", { argument: "items" });
  }
  const sendOne = options.send ?? (defaultSend as unknown as NonNullable<SendManyOptions<T>["send"]>);
  const outer = options.abortSignal;
  if (outer?.aborted) throw new AbortError(undefined, { cause: outer.reason });

  const controller = new AbortController();
  // Every send in flight listens on this one signal; that is by design, not a leak.
  platform.allowManyListeners(controller.signal);
  const onAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener("abort", onAbort, { once: true });
  const signal = controller.signal;

  const started = performance.now();
  const result: SendManyResult<T> = { succeeded: 0, failed: 0, failures: [], stopped: false, throttledMs: 0, elapsedMs: 0 };
  let read = 0;
  let inFlight = 0;
  let pausedUntil = 0;
  let lastProgress = 0;
  let exhausted = false;
  let stop = false;

  const progress = (final: boolean) => {
    if (options.onProgress === undefined) return;
    const now = performance.now();
    if (!final && now - lastProgress < progressInterval) return;
    lastProgress = now;
    options.onProgress({ started: read, succeeded: result.succeeded, failed: result.failed, inFlight, throttledMs: Math.round(result.throttledMs), elapsedMs: Math.round(now - started) });
  };

  // Every worker pulls from the same iterator, so at most `concurrency` items are alive at once. A sync
  // iterable is read synchronously; an async one through a chain, so two workers never call next() at once.
  const isAsync = Symbol.asyncIterator in items;
  const iterator: Iterator<T> | AsyncIterator<T> = isAsync ? (items as AsyncIterable<T>)[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]();
  let pulling: Promise<unknown> = Promise.resolve();
  const take = (step: IteratorResult<T>): { item: T; index: number } | undefined => {
    if (step.done === true) {
      exhausted = true;
      return undefined;
    }
    return { item: step.value, index: read++ };
  };
  const next = (): { item: T; index: number } | undefined | Promise<{ item: T; index: number } | undefined> => {
    if (!isAsync) return exhausted || stop || signal.aborted ? undefined : take((iterator as Iterator<T>).next());
    const turn = pulling.then(async () => (exhausted || stop || signal.aborted ? undefined : take(await iterator.next())));
    pulling = turn.catch(() => undefined);
    return turn;
  };

  const waitForGate = async () => {
    // Several items may be throttled at once; everyone waits for the latest time the service named.
    for (let wait = pausedUntil - performance.now(); wait > 0; wait = pausedUntil - performance.now()) {
      await sleep(wait, signal);
    }
  };

  const runItem = async (item: T, index: number) => {
    let attempts = 0;
    for (;;) {
      if (pausedUntil > 0 && pausedUntil > performance.now()) await waitForGate();
      attempts++;
      try {
        await sendOne(item, { client, abortSignal: signal, index });
        result.succeeded++;
        options.onResult?.({ index, item, ok: true, attempts });
        return;
      } catch (error) {
        if (signal.aborted) throw error;
        const hint = retryHint(error);
        if (hint.retryable && attempts <= maxRetries) {
          if (hint.retryAfterMs !== undefined) {
            const until = performance.now() + Math.min(hint.retryAfterMs, maxRetryDelayInMs);
            if (until > pausedUntil) {
              result.throttledMs += until - Math.max(pausedUntil, performance.now());
              pausedUntil = until;
            }
          } else {
            const backoff = Math.min(maxRetryDelayInMs, retryDelayInMs * 2 ** (attempts - 1) * (1 + Math.random()));
            await sleep(backoff, signal);
          }
          continue;
        }
        result.failed++;
        if (result.failures.length < maxFailuresKept) result.failures.push({ index, item, error });
        options.onResult?.({ index, item, ok: false, attempts, error });
        if (options.stopOnError === true) {
          stop = true;
          result.stopped = true;
        }
        return;
      }
    }
  };

  const worker = async () => {
    for (let pending = next(); ; pending = next()) {
      const entry = pending instanceof Promise ? await pending : pending;
      if (entry === undefined) break;
      inFlight++;
      try {
        await runItem(entry.item, entry.index);
      } finally {
        inFlight--;
      }
      progress(false);
    }
  };

  try {
    const workers: Promise<void>[] = [];
    for (let i = 0; i < concurrency; i++) workers.push(worker());
    const settled = await Promise.allSettled(workers);
    if (signal.aborted) throw new AbortError("The batch was aborted.", { cause: signal.reason });
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failure !== undefined) throw failure.reason;
  } finally {
    outer?.removeEventListener("abort", onAbort);
    if (!exhausted) await Promise.resolve(iterator.return?.()).catch(() => undefined);
    result.elapsedMs = Math.round(performance.now() - started);
    result.throttledMs = Math.round(result.throttledMs);
    progress(true);
  }
  return result;
}

// The batch retries, with one throttle for all items; the call itself must not retry as well. One shared
// object, so the client validates it once.
const noClientRetries = Object.freeze({ maxRetries: 0 });

function defaultSend(item: BatchMessage, context: { client: WebPubSubServiceClient; abortSignal: AbortSignal; index: number }): Promise<void> {
  if (item === null || typeof item !== "object" || !("message" in item)) {
    return Promise.reject(new ValidationError(`items[${context.index}] must be an object with a "message" (and at most one of group, userId, connectionId).`, { argument: `items[${context.index}]` }));
  }
  const targets = [item.group, item.userId, item.connectionId].filter((t) => t !== undefined).length;
  if (targets > 1) {
    return Promise.reject(new ValidationError(`items[${context.index}] names more than one target; use one of group, userId or connectionId.`, { argument: `items[${context.index}]` }));
  }
  const options: Record<string, unknown> = { abortSignal: context.abortSignal, retryOptions: noClientRetries };
  if (item.contentType !== undefined) options["contentType"] = item.contentType;
  if (item.filter !== undefined) options["filter"] = item.filter;
  if (item.excludedConnections !== undefined) options["excludedConnections"] = item.excludedConnections;
  if (item.messageTtlSeconds !== undefined) options["messageTtlSeconds"] = item.messageTtlSeconds;
  const client = context.client;
  // The client's overloads are typed per content type; the batch forwards whatever the item says.
  const message = item.message as string;
  const o = options as { contentType: "text/plain" };
  if (item.group !== undefined) return client.group(item.group).sendToAll(message, o);
  if (item.userId !== undefined) return client.sendToUser(item.userId, message, o);
  if (item.connectionId !== undefined) return client.sendToConnection(item.connectionId, message, o);
  return client.sendToAll(message, o);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
