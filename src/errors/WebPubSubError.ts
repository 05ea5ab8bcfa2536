/** Stable machine-readable codes carried by every error this SDK throws. */
export type WebPubSubErrorCode =
  "ERR_VALIDATION" | "ERR_REST" | "ERR_NETWORK" | "ERR_TIMEOUT" | "ERR_ABORTED" | "ERR_CLOSED" | "ERR_UNREACHABLE";

const brand = Symbol.for("webpubsub.error");

/**
 * Base class of every error thrown by this SDK.
 *
 * `instanceof` works even when two copies of the package are loaded (ESM and CJS side by side), because
 * the check looks for a shared brand rather than the class identity.
 *
 * @example
 * ```ts
 * try { await client.sendToAll("hi"); } catch (e) { if (e instanceof WebPubSubError && e.retryable) requeue(); }
 * ```
 */
export class WebPubSubError extends Error {
  // The known codes document the type; `string` keeps codes of other versions assignable.
  /** A stable code: use it rather than the message to branch on the kind of failure. */
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
  readonly errorCode: WebPubSubErrorCode | string;
  /** Whether the same call could succeed if made again (the predicate the retry loop itself uses). */
  readonly retryable: boolean;

  constructor(
    message: string,
    // The known codes document the type; `string` keeps codes of other versions assignable.
    // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
    errorCode: WebPubSubErrorCode | string,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "WebPubSubError";
    this.errorCode = errorCode;
    this.retryable = options?.retryable ?? false;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== "object" || value === null || !(brand in value)) return false;
    // Subclasses: compare by name along the brand's prototype chain so cross-copy checks still work.
    if (this === WebPubSubError) return true;
    type Proto = { constructor?: { name?: string } } | null;
    for (
      let proto = Object.getPrototypeOf(value) as Proto;
      proto !== null;
      proto = Object.getPrototypeOf(proto) as Proto
    ) {
      if (proto.constructor?.name === this.name && brand in proto) return true;
    }
    return false;
  }
}

Object.defineProperty(WebPubSubError.prototype, brand, { value: true });
