import { AbortError } from "../errors";
import type { WebPubSubServiceClient } from "../client/WebPubSubServiceClient";
import { platform } from "../internal/platform";
import { retryHint } from "../internal/retry";
import { defaultSend } from "./defaultSend";
import { neverReached, Outage, reached } from "./outage";
import { ServiceUnreachableError } from "./ServiceUnreachableError";
import { checkItems, readBatchSettings, type BatchSettings } from "./settings";
import { ItemSource } from "./source";
import type { BatchMessage, SendManyOptions, SendManyResult } from "./types";

export type { BatchItemResult, BatchMessage, BatchProgress, SendManyOptions, SendManyResult } from "./types";

type Send<T> = NonNullable<SendManyOptions<T>["send"]>;

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
  const settings = readBatchSettings(options);
  checkItems(items);
  const send = options.send ?? (defaultSend as unknown as Send<T>);
  const outer = options.abortSignal;
  if (outer?.aborted) throw new AbortError(undefined, { cause: outer.reason });
  return new BatchRun(client, items, options, settings, send).run();
}

/** One `sendMany` call: the shared state its workers read and write, and the steps each item goes through. */
class BatchRun<T> {
  readonly #controller = new AbortController();
  readonly #signal = this.#controller.signal;
  readonly #source: ItemSource<T>;
  readonly #outage: Outage;
  readonly #started = performance.now();
  readonly #result: SendManyResult<T> = {
    succeeded: 0,
    failed: 0,
    failures: [],
    stopped: false,
    throttledMs: 0,
    elapsedMs: 0,
  };
  #inFlight = 0;
  /** Every item waits until then (a Retry-After, or a pause while the endpoint cannot be reached). */
  #pausedUntil = 0;
  #lastProgress = 0;
  #stop = false;
  #unreachable: { error: unknown; unreachableForMs: number } | undefined;

  constructor(
    private readonly client: WebPubSubServiceClient,
    private readonly items: Iterable<T> | AsyncIterable<T>,
    private readonly options: SendManyOptions<T>,
    private readonly settings: BatchSettings,
    private readonly send: Send<T>,
  ) {
    this.#source = new ItemSource(items);
    const { maxUnreachableInMs, retryDelayInMs, maxRetryDelayInMs } = settings;
    this.#outage = new Outage(maxUnreachableInMs, Math.max(retryDelayInMs, 1), Math.max(maxRetryDelayInMs, 1));
  }

  async run(): Promise<SendManyResult<T>> {
    const outer = this.options.abortSignal;
    // Every send in flight listens on this one signal; that is by design, not a leak.
    platform.allowManyListeners(this.#signal);
    const onAbort = () => this.#controller.abort(outer?.reason);
    outer?.addEventListener("abort", onAbort, { once: true });
    try {
      const workers: Promise<void>[] = [];
      for (let i = 0; i < this.settings.concurrency; i++) workers.push(this.#worker());
      this.#throwIfEnded(await Promise.allSettled(workers));
    } finally {
      outer?.removeEventListener("abort", onAbort);
      await this.#source.close();
      this.#result.elapsedMs = Math.round(performance.now() - this.#started);
      this.#result.throttledMs = Math.round(this.#result.throttledMs);
      this.#progress(true);
    }
    return this.#result;
  }

  async #worker(): Promise<void> {
    const closed = () => this.#stop || this.#signal.aborted;
    for (let pending = this.#source.next(closed); ; pending = this.#source.next(closed)) {
      const entry = pending instanceof Promise ? await pending : pending;
      if (entry === undefined) break;
      this.#inFlight++;
      try {
        await this.#runItem(entry.item, entry.index);
      } finally {
        this.#inFlight--;
      }
      this.#progress(false);
    }
  }

  /** Sends one item until it succeeds, fails for good, or the batch ends. */
  async #runItem(item: T, index: number): Promise<void> {
    let attempts = 0;
    for (;;) {
      if (this.#pausedUntil > 0 && this.#pausedUntil > performance.now()) await this.#waitForPause();
      attempts++;
      try {
        await this.send(item, { client: this.client, abortSignal: this.#signal, index });
        this.#outage.answered();
        this.#result.succeeded++;
        this.options.onResult?.({ index, item, ok: true, attempts });
        return;
      } catch (error) {
        if (this.#signal.aborted) throw error;
        if (neverReached(error)) {
          if (this.#pauseForOutage(error)) {
            // The endpoint is down, not this item: wait with the whole batch without using up its retries.
            attempts--;
            continue;
          }
        } else if (reached(error)) {
          this.#outage.answered();
        }
        if (await this.#retryLater(error, attempts)) continue;
        this.#recordFailure(item, index, attempts, error);
        return;
      }
    }
  }

  async #waitForPause(): Promise<void> {
    // Several items may be throttled at once; everyone waits for the latest time the service named.
    for (let wait = this.#pausedUntil - performance.now(); wait > 0; wait = this.#pausedUntil - performance.now()) {
      await sleep(wait, this.#signal);
    }
  }

  /**
   * After an attempt that never reached the service: true when the whole batch pauses for the outage; throws
   * (and cancels everything in flight or waiting) once the endpoint has been unreachable for too long.
   */
  #pauseForOutage(error: unknown): boolean {
    const verdict = this.#outage.failed(performance.now());
    if (verdict.kind === "stop") {
      // One error for the whole batch.
      this.#unreachable ??= { error, unreachableForMs: verdict.unreachableForMs };
      this.#stop = true;
      this.#controller.abort(error);
      throw error;
    }
    if (verdict.kind !== "pause") return false;
    if (verdict.until > this.#pausedUntil) this.#pausedUntil = verdict.until;
    // Nothing settles during an outage; say so rather than fall silent.
    this.#progress(false);
    return true;
  }

  /** Whether the item is tried again; waits out its backoff, or pauses the batch for the service's Retry-After. */
  async #retryLater(error: unknown, attempts: number): Promise<boolean> {
    const { maxRetries, maxRetryAfterInMs, maxRetryDelayInMs, retryDelayInMs } = this.settings;
    const hint = retryHint(error);
    // A service's Retry-After is honoured in full, never cut short; one longer than maxRetryAfterInMs
    // fails the item instead (its error carries the wait the service asked for).
    if (!hint.retryable || attempts > maxRetries) return false;
    if (hint.retryAfterMs !== undefined && hint.retryAfterMs > maxRetryAfterInMs) return false;
    if (hint.retryAfterMs !== undefined) {
      const until = performance.now() + hint.retryAfterMs;
      if (until > this.#pausedUntil) {
        this.#result.throttledMs += until - Math.max(this.#pausedUntil, performance.now());
        this.#pausedUntil = until;
      }
    } else {
      const backoff = Math.min(maxRetryDelayInMs, retryDelayInMs * 2 ** (attempts - 1) * (1 + Math.random()));
      await sleep(backoff, this.#signal);
    }
    return true;
  }

  #recordFailure(item: T, index: number, attempts: number, error: unknown): void {
    this.#result.failed++;
    if (this.#result.failures.length < this.settings.maxFailuresKept)
      this.#result.failures.push({ index, item, error });
    this.options.onResult?.({ index, item, ok: false, attempts, error });
    if (this.options.stopOnError === true) {
      this.#stop = true;
      this.#result.stopped = true;
    }
  }

  /** Once every worker is done: the batch's error, if it has one (unreachable, aborted, or a worker's own). */
  #throwIfEnded(settled: PromiseSettledResult<void>[]): void {
    if (this.#unreachable !== undefined) {
      const read = this.#source.read;
      const unread = Array.isArray(this.items) ? this.items.length - read : 0;
      throw new ServiceUnreachableError(
        {
          succeeded: this.#result.succeeded,
          failed: this.#result.failed,
          notTried: read - this.#result.succeeded - this.#result.failed + unread,
          sourceExhausted: this.#source.exhausted || Array.isArray(this.items),
          unreachableForMs: this.#unreachable.unreachableForMs,
        },
        this.#unreachable.error,
      );
    }
    if (this.#signal.aborted) throw new AbortError("The batch was aborted.", { cause: this.#signal.reason });
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failure !== undefined) throw failure.reason;
  }

  #progress(final: boolean): void {
    if (this.options.onProgress === undefined) return;
    const now = performance.now();
    if (!final && now - this.#lastProgress < this.settings.progressIntervalInMs) return;
    this.#lastProgress = now;
    this.options.onProgress({
      started: this.#source.read,
      succeeded: this.#result.succeeded,
      failed: this.#result.failed,
      inFlight: this.#inFlight,
      throttledMs: Math.round(this.#result.throttledMs),
      unreachableMs: Math.round(this.#outage.unreachableForMs(now)),
      elapsedMs: Math.round(now - this.#started),
    });
  }
}

/** Waits `ms`; rejects once the batch is aborted (whose error the batch then throws, not this one). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new AbortError(undefined, { cause: signal.reason }));
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError(undefined, { cause: signal.reason }));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
