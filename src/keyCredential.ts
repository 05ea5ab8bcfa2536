/**
 * A shared access key that can be rotated in place: calls made after `update()` sign with the new key.
 * Interchangeable with `AzureKeyCredential` from `@azure/core-auth` (@azure/web-pubsub re-exports that one).
 *
 * @example
 * ```ts
 * const credential = new AzureKeyCredential(process.env.WEBPUBSUB_KEY!);
 * const client = new WebPubSubServiceClient("https://x.webpubsub.azure.com", credential, "chat");
 * credential.update(newKey); // rotation
 * ```
 */
export class AzureKeyCredential {
  #key: string;

  constructor(key: string) {
    if (typeof key !== "string" || key === "") throw new TypeError("key must be a non-empty string.");
    this.#key = key;
  }

  /** The current key. */
  get key(): string {
    return this.#key;
  }

  /** Replaces the key; the next request signs with it. */
  update(newKey: string): void {
    if (typeof newKey !== "string" || newKey === "") throw new TypeError("newKey must be a non-empty string.");
    this.#key = newKey;
  }
}
