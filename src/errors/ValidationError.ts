import { WebPubSubError } from "./WebPubSubError";

/**
 * An argument or option was rejected before anything was sent. `argument` names it; the message says
 * what is allowed. The offending value is quoted only when it cannot be a secret.
 */
export class ValidationError extends WebPubSubError {
  /** The argument or option at fault, e.g. `"groupName"` or `"options.messageTtlSeconds"`. */
  readonly argument: string;

  constructor(message: string, options: { argument: string; cause?: unknown }) {
    super(message, "ERR_VALIDATION", { cause: options.cause, retryable: false });
    this.name = "ValidationError";
    this.argument = options.argument;
  }
}
