import { AbortError, ValidationError } from "../errors";
import type { WebPubSubServiceClient } from "../client/WebPubSubServiceClient";
import { retryHint } from "../internal/retry";
import { checkInteger } from "../internal/validate";
import { defaultSend } from "./defaultSend";
import { neverReached, Outage, reached } from "./outage";
import { ServiceUnreachableError } from "./ServiceUnreachableError";
import type { BatchMessage, SendManyOptions, SendManyResult } from "./types";
import { platform } from "../internal/platform";

export type { BatchItemResult, BatchMessage, BatchProgress, SendManyOptions, SendManyResult } from "./types";

/**
 * Sends many messages (an array, any iterable or an async iterable of millions) with bounded
 * concurrency and memory, per-item results, progress and cancellation. A 429 or 503 with Retry-After
 * pauses the whole batch for the time the service asked, instead of every item hammering it on its own;
 * so does a service that cannot be reached at all, until `maxUnreachableInMs` passes and the batch stops
 * with a `ServiceUnreachableError`.
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
  const maxRetryDelayInMs = checkInteger(
    options.maxRetryDelayInMs ?? 60_000,
    "options.maxRetryDelayInMs",
    0,
    3_600_000,
  );
  const maxRetryAfterInMs =
    options.maxRetryAfterInMs === undefined
      ? Number.POSITIVE_INFINITY
      : checkInteger(options.maxRetryAfterInMs, "options.maxRetryAfterInMs", 0, 86_400_000);
  const progressInterval = checkInteger(
    options.progressIntervalInMs ?? 250,
    "options.progressIntervalInMs",
    0,
    3_600_000,
  );
  const maxFailuresKept = checkInteger(
    options.maxFailuresKept ?? 1000,
    "options.maxFailuresKept",
    0,
    Number.MAX_SAFE_INTEGER,
  );
  const maxUnreachableInMs = checkInteger(
    options.maxUnreachableInMs ?? 30_000,
    "options.maxUnreachableInMs",
    0,
    86_400_000,
  );
  if (
    items === null ||
    typeof items !== "object" ||
    (!(Symbol.iterator in items) && !(Symbol.asyncIterator in items))
  ) {
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
  const result: SendManyResult<T> = {
    succeeded: 0,
    failed: 0,
    failures: [],
    stopped: false,
    throttledMs: 0,
    elapsedMs: 0,
  };
  let read = 0;
  let inFlight = 0;
  let pausedUntil = 0;
  let lastProgress = 0;
  let exhausted = false;
  let stop = false;
  const outage = new Outage(maxUnreachableInMs, Math.max(retryDelayInMs, 1), Math.max(maxRetryDelayInMs, 1));
  let unreachable: { error: unknown; unreachableForMs: number } | undefined;

  const progress = (final: boolean) => {
    if (options.onProgress === undefined) return;
    const now = performance.now();
    if (!final && now - lastProgress < progressInterval) return;
    lastProgress = now;
    options.onProgress({
      started: read,
      succeeded: result.succeeded,
      failed: result.failed,
      inFlight,
      throttledMs: Math.round(result.throttledMs),
      unreachableMs: Math.round(outage.unreachableForMs(now)),
      elapsedMs: Math.round(now - started),
    });
  };

  // Every worker pulls from the same iterator, so at most `concurrency` items are alive at once. A sync
  // iterable is read synchronously; an async one through a chain, so two workers never call next() at once.
  const isAsync = Symbol.asyncIterator in items;
  const iterator: Iterator<T> | AsyncIterator<T> = isAsync
    ? (items as AsyncIterable<T>)[Symbol.asyncIterator]()
    : (items as Iterable<T>)[Symbol.iterator]();
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
    const turn = pulling.then(async () =>
      exhausted || stop || signal.aborted ? undefined : take(await iterator.next()),
    );
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
        outage.answered();
        result.succeeded++;
        options.onResult?.({ index, item, ok: true, attempts });
        return;
      } catch (error) {
        if (signal.aborted) throw error;
        if (neverReached(error)) {
          const verdict = outage.failed(performance.now());
          if (verdict.kind === "stop") {
            // One error for the whole batch; everything in flight or waiting is cancelled.
            unreachable ??= { error, unreachableForMs: verdict.unreachableForMs };
            stop = true;
            controller.abort(error);
            throw error;
          }
          if (verdict.kind === "pause") {
            // The endpoint is down, not this item: wait with the whole batch without using up its retries.
            attempts--;
            if (verdict.until > pausedUntil) pausedUntil = verdict.until;
            // Nothing settles during an outage; say so rather than fall silent.
            progress(false);
            continue;
          }
        } else if (reached(error)) {
          outage.answered();
        }
        const hint = retryHint(error);
        // A service's Retry-After is honoured in full, never cut short; one longer than maxRetryAfterInMs
        // fails the item instead (its error carries the wait the service asked for).
        if (
          hint.retryable &&
          attempts <= maxRetries &&
          !(hint.retryAfterMs !== undefined && hint.retryAfterMs > maxRetryAfterInMs)
        ) {
          if (hint.retryAfterMs !== undefined) {
            const until = performance.now() + hint.retryAfterMs;
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
    if (unreachable !== undefined) {
      const unread = Array.isArray(items) ? items.length - read : 0;
      const counts = {
        succeeded: result.succeeded,
        failed: result.failed,
        notTried: read - result.succeeded - result.failed + unread,
      };
      throw new ServiceUnreachableError(
        {
          ...counts,
          sourceExhausted: exhausted || Array.isArray(items),
          unreachableForMs: unreachable.unreachableForMs,
        },
        unreachable.error,
      );
    }
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
