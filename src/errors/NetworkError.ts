import { WebPubSubError } from "./WebPubSubError";

/**
 * The request failed below HTTP: the connection was refused, reset or closed. `requestSent` tells whether
 * the body may have reached the service (then a send may or may not have been delivered).
 */
export class NetworkError extends WebPubSubError {
  /** Whether the request was fully written before the failure (delivery is then unknown). */
  readonly requestSent: boolean;

  constructor(message: string, options: { cause?: unknown; retryable: boolean; requestSent: boolean }) {
    super(message, "ERR_NETWORK", options);
    this.name = "NetworkError";
    this.requestSent = options.requestSent;
  }
}
