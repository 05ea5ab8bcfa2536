import { isTokenCredential, webPubSubScope, type KeyCredentialLike, type TokenCredentialLike } from "../credentials";
import { WebPubSubError } from "../errors";
import { RestTokenCache } from "./restToken";

/** The `authorization` header for each request: a JWT signed with the key, or a `TokenCredential`'s bearer token. */
export class Authorizer {
  readonly #credential: KeyCredentialLike | TokenCredentialLike;
  readonly #tokens = new RestTokenCache();
  #bearer: { token: string; refreshAt: number } | undefined;

  constructor(credential: KeyCredentialLike | TokenCredentialLike) {
    this.#credential = credential;
  }

  /** The key, when there is one (so errors can redact it). */
  get key(): string | undefined {
    const credential = this.#credential;
    return isTokenCredential(credential) ? undefined : credential.key;
  }

  /**
   * Key credentials sign synchronously: returning a string rather than a promise keeps a microtask off every request.
   */
  header(audience: string, signal: AbortSignal | undefined): string | Promise<string> {
    const credential = this.#credential;
    if (!isTokenCredential(credential)) {
      // A string on Node (node:crypto signs synchronously); a promise on a cache miss with WebCrypto.
      return this.#tokens.header(audience, credential.key);
    }
    return this.#bearerToken(credential, signal);
  }

  async #bearerToken(credential: TokenCredentialLike, signal: AbortSignal | undefined): Promise<string> {
    const now = Date.now();
    if (this.#bearer !== undefined && this.#bearer.refreshAt > now) return `Bearer ${this.#bearer.token}`;
    const token = await credential.getToken(webPubSubScope, signal === undefined ? {} : { abortSignal: signal });
    if (token === null || typeof token.token !== "string") {
      throw new WebPubSubError(
        "The TokenCredential returned no token for scope https://webpubsub.azure.com/.default.",
        "ERR_REST",
      );
    }
    this.#bearer = { token: token.token, refreshAt: token.expiresOnTimestamp - 2 * 60_000 };
    return `Bearer ${token.token}`;
  }

  clear(): void {
    this.#tokens.clear();
    this.#bearer = undefined;
  }
}
