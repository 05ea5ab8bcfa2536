import { WebPubSubError } from "./WebPubSubError";

/** A call was made on a client after `close()`. */
export class ClosedError extends WebPubSubError {
  constructor(message = "The client is closed; create a new WebPubSubServiceClient.") {
    super(message, "ERR_CLOSED", { retryable: false });
    this.name = "ClosedError";
  }
}
