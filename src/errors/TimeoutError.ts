import { WebPubSubError } from "./WebPubSubError";

/** A per-attempt (`timeoutInMs`) or whole-call (`totalTimeoutInMs`) deadline passed. */
export class TimeoutError extends WebPubSubError {
  /** Which deadline passed. */
  readonly timeout: "attempt" | "total";
  /** The deadline in milliseconds. */
  readonly timeoutInMs: number;

  constructor(
    message: string,
    options: { timeout: "attempt" | "total"; timeoutInMs: number; retryable: boolean; cause?: unknown },
  ) {
    super(message, "ERR_TIMEOUT", options);
    this.name = "TimeoutError";
    this.timeout = options.timeout;
    this.timeoutInMs = options.timeoutInMs;
  }
}
