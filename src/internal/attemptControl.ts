import { AbortError, TimeoutError, type WebPubSubError } from "../errors";
import { isRetryableFailure } from "./retry";
import { cancel, DueTask, schedule } from "./dueList";
import type { AttemptControl, AttemptEndListener } from "./transport/types";

/** Limits and facts about the call that one attempt needs to end itself with the right typed error. */
export interface AttemptLimits {
  /** `METHOD /path` for messages (no query: it may carry a filter). */
  readonly what: string;
  /** Per-attempt idle timeout: waiting for headers, between body chunks; also the response body's time limit. */
  readonly timeoutInMs: number;
  /** The call's absolute deadline on the `performance.now()` clock. */
  readonly deadline: number;
  readonly totalTimeoutInMs: number;
  readonly signal: AbortSignal | undefined;
  /** The body can be sent again (not a one-shot stream); otherwise no timeout is retryable. */
  readonly replayable: boolean;
  /** A timeout after the request was sent may be retried (an idempotent call, or `retryAfterSend`). */
  readonly retryAfterSent: boolean;
  readonly maxResponseBytes: number;
}

// Timers can fire up to a millisecond early on the libuv clock; treat that as on time.
const slackMs = 1;

/**
 * One attempt's timers and cancellation, enforced the same way whatever the transport. One timer per attempt
 * (a task in the shared lists of ./dueList.ts): progress only records a timestamp, and when the timer fires it
 * either ends the attempt or re-arms for the earliest limit still ahead, so progress never pushes the deadline
 * or the body limit back.
 */
export class AttemptTimer extends DueTask implements AttemptControl {
  readonly maxResponseBytes: number;
  readonly #limits: AttemptLimits;
  #requestSent = false;
  #lastProgress: number;
  /** When the response body's own time limit runs out (set by the first progress after `sent()`). */
  #bodyDeadline = Infinity;
  #ended: WebPubSubError | undefined;
  // One listener (the transport's handler) is the rule; more go to a list.
  #listener: AttemptEndListener | undefined;
  #moreListeners: AttemptEndListener[] | undefined;
  #controller: AbortController | undefined;
  #unwatch: (() => void) | undefined;

  constructor(limits: AttemptLimits) {
    super();
    this.#limits = limits;
    this.maxResponseBytes = limits.maxResponseBytes;
    const now = performance.now();
    this.#lastProgress = now;
    const signal = limits.signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.#end(new AbortError(undefined, { cause: signal.reason }));
        return;
      }
      this.#unwatch = watchAbort(signal, () => this.#end(new AbortError(undefined, { cause: signal.reason })));
    }
    this.#arm(Math.min(limits.timeoutInMs, limits.deadline - now));
  }

  /** Whether the request may have reached the service. */
  get requestSent(): boolean {
    return this.#requestSent;
  }

  /** The typed error that ended the attempt, if it was ended rather than completed. */
  get endedWith(): WebPubSubError | undefined {
    return this.#ended;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#ended !== undefined) this.#controller.abort(this.#ended);
    }
    return this.#controller.signal;
  }

  onEnd(listener: AttemptEndListener): void {
    if (this.#ended !== undefined) listener.attemptEnded(this.#ended);
    else if (this.#listener === undefined) this.#listener = listener;
    else (this.#moreListeners ??= []).push(listener);
  }

  sent(): void {
    this.#requestSent = true;
    this.#lastProgress = performance.now();
  }

  progress(): void {
    const now = performance.now();
    this.#lastProgress = now;
    if (this.#requestSent && this.#bodyDeadline === Infinity) this.#bodyDeadline = now + this.#limits.timeoutInMs;
  }

  /** The attempt is over (settled by the transport): stop the timer and the abort watch. */
  finish(): void {
    cancel(this);
    this.#unwatch?.();
    this.#unwatch = undefined;
  }

  #arm(ms: number): void {
    schedule(this, ms);
  }

  /** The timer fired: end the attempt if a limit has passed, else re-arm for the next one. */
  due(): void {
    const limits = this.#limits;
    const now = performance.now() + slackMs;
    if (now >= limits.deadline) {
      this.#end(
        new TimeoutError(
          `${limits.what}: the call did not finish within totalTimeoutInMs (${limits.totalTimeoutInMs} ms).`,
          {
            timeout: "total",
            timeoutInMs: limits.totalTimeoutInMs,
            retryable: false,
          },
        ),
      );
      return;
    }
    if (now >= this.#bodyDeadline) {
      this.#end(
        this.#attemptTimeout(`the response body did not arrive in full within timeoutInMs (${limits.timeoutInMs} ms)`),
      );
      return;
    }
    const idleEnd = this.#lastProgress + limits.timeoutInMs;
    if (now >= idleEnd) {
      const what = this.#bodyDeadline === Infinity ? "no response" : "no response data";
      this.#end(this.#attemptTimeout(`${what} within timeoutInMs (${limits.timeoutInMs} ms)`));
      return;
    }
    this.#arm(Math.min(idleEnd, this.#bodyDeadline, limits.deadline) - now + slackMs);
  }

  #attemptTimeout(detail: string): TimeoutError {
    const limits = this.#limits;
    const retryable =
      limits.replayable && isRetryableFailure(undefined, this.#requestSent, limits.retryAfterSent, false);
    return new TimeoutError(`${limits.what}: ${detail}.`, {
      timeout: "attempt",
      timeoutInMs: limits.timeoutInMs,
      retryable,
    });
  }

  #end(reason: WebPubSubError): void {
    if (this.#ended !== undefined) return;
    this.#ended = reason;
    this.finish();
    this.#controller?.abort(reason);
    const listener = this.#listener;
    const more = this.#moreListeners;
    this.#listener = undefined;
    this.#moreListeners = undefined;
    listener?.attemptEnded(reason);
    if (more !== undefined) for (const next of more) next.attemptEnded(reason);
  }
}

// Many calls often share one signal (a batch, a shutdown controller). Registering one listener per signal
// and keeping the calls in a Set is cheaper than an EventTarget listener per call, and does not trip
// Node's MaxListenersExceededWarning at the 11th concurrent call.
const abortWatchers = new WeakMap<AbortSignal, Set<() => void>>();

export function watchAbort(signal: AbortSignal, onAbort: () => void): () => void {
  let watchers = abortWatchers.get(signal);
  if (watchers === undefined) {
    const set = new Set<() => void>();
    watchers = set;
    abortWatchers.set(signal, set);
    signal.addEventListener(
      "abort",
      () => {
        for (const watcher of [...set]) watcher();
        set.clear();
      },
      { once: true },
    );
  }
  watchers.add(onAbort);
  const set = watchers;
  return () => void set.delete(onAbort);
}
