// Noticing that the service cannot be reached at all (refused, DNS, TLS, connect timeout), as opposed to one
// item failing: after a run of such failures the whole batch pauses with backoff, and after a bounded time
// it stops, instead of every item retrying on its own against a dead endpoint.
import { NetworkError, RestError, TimeoutError } from "../errors";

/** Failures in a row, none of which reached the service, that make the batch pause. */
export const OUTAGE_THRESHOLD = 3;

/** A failure before any byte of the request reached the service. */
export function neverReached(error: unknown): boolean {
  if (error instanceof NetworkError) return !error.requestSent;
  if (error instanceof TimeoutError)
    return (error.cause as { code?: unknown } | undefined)?.code === "UND_ERR_CONNECT_TIMEOUT";
  return false;
}

/** An answer from the service (any HTTP status) or a failure after the request was written. */
export function reached(error: unknown): boolean {
  return error instanceof RestError || (error instanceof NetworkError && error.requestSent);
}

export type OutageVerdict =
  { kind: "retry" } | { kind: "pause"; until: number } | { kind: "stop"; unreachableForMs: number };

/** Tracks the current run of unreachable failures for one batch. */
export class Outage {
  #run = 0;
  #since: number | undefined;
  #step = 0;
  #pausedUntil = 0;

  constructor(
    private readonly maxUnreachableInMs: number,
    private readonly retryDelayInMs: number,
    private readonly maxRetryDelayInMs: number,
  ) {}

  /** How long the service has been unreachable in the current run (0 when it answers). */
  unreachableForMs(now: number): number {
    return this.#run >= OUTAGE_THRESHOLD && this.#since !== undefined ? now - this.#since : 0;
  }

  /** The service answered: the run is over. */
  answered(): void {
    this.#run = 0;
    this.#since = undefined;
    this.#step = 0;
    this.#pausedUntil = 0;
  }

  /** A failure that never reached the service, at `now`. */
  failed(now: number): OutageVerdict {
    this.#run++;
    this.#since ??= now;
    if (this.#run < OUTAGE_THRESHOLD) return { kind: "retry" };
    const deadline = this.#since + this.maxUnreachableInMs;
    if (now >= deadline) return { kind: "stop", unreachableForMs: now - this.#since };
    // Failures of requests sent before the current pause began join it; the first one after it ends
    // starts a longer pause. So a wave of `concurrency` failures doubles the backoff once, not per item.
    if (now >= this.#pausedUntil) {
      const backoff =
        Math.min(this.maxRetryDelayInMs, this.retryDelayInMs * 2 ** this.#step) * (1 + Math.random() * 0.2);
      this.#step++;
      // Never sleep past the deadline: the next failure after it stops the batch on time.
      this.#pausedUntil = Math.min(now + Math.max(backoff, 1), deadline);
    }
    return { kind: "pause", until: this.#pausedUntil };
  }
}
