import { WebPubSubError } from "./WebPubSubError";

/** The caller's `abortSignal` fired; the request (or the wait before a retry) was cancelled. */
export class AbortError extends WebPubSubError {
  constructor(message = "The operation was aborted.", options?: { cause?: unknown }) {
    super(message, "ERR_ABORTED", { cause: options?.cause, retryable: false });
    this.name = "AbortError";
  }
}
