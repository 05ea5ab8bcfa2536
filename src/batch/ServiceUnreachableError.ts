import { WebPubSubError } from "../errors";

/**
 * A batch stopped because the service could not be reached (connection refused, DNS, TLS, connect timeout)
 * for longer than `maxUnreachableInMs`. Says how many items were sent, failed for good, and never tried;
 * `cause` is the last network error.
 *
 * @example
 * ```ts
 * try { await sendMany(client, items); }
 * catch (e) { if (e instanceof ServiceUnreachableError) console.error(`${e.notTried} items left to send later`); }
 * ```
 */
export class ServiceUnreachableError extends WebPubSubError {
  /** Items sent before the batch stopped. */
  readonly succeeded: number;
  /** Items that failed for good before the batch stopped. */
  readonly failed: number;
  /**
   * Items not sent: those read from the source and not settled, plus, for an array source, those never read.
   * For other sources, items never read are not counted (`sourceExhausted` is then false).
   */
  readonly notTried: number;
  /** Whether every item of the source was read (so `notTried` counts all items not sent). */
  readonly sourceExhausted: boolean;
  /** How long the service had been unreachable when the batch stopped. */
  readonly unreachableForMs: number;

  constructor(
    counts: { succeeded: number; failed: number; notTried: number; sourceExhausted: boolean; unreachableForMs: number },
    cause: unknown,
  ) {
    const seconds = Math.round(counts.unreachableForMs / 100) / 10;
    const rest = counts.sourceExhausted ? "" : " (and the rest of the source was not read)";
    super(
      `The service was unreachable for ${seconds} s, so the batch stopped: ${counts.succeeded} sent, ${counts.failed} failed, ${counts.notTried} not tried${rest}.`,
      "ERR_UNREACHABLE",
      { cause, retryable: true },
    );
    this.name = "ServiceUnreachableError";
    this.succeeded = counts.succeeded;
    this.failed = counts.failed;
    this.notTried = counts.notTried;
    this.sourceExhausted = counts.sourceExhausted;
    this.unreachableForMs = counts.unreachableForMs;
  }
}
