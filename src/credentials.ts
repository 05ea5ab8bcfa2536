/**
 * A shared-key credential: anything with a `key` property, such as `AzureKeyCredential` from
 * `@azure/core-auth`. The key is read at every use, so `credential.update(newKey)` rotates it at once.
 */
export interface KeyCredentialLike {
  readonly key: string;
}

/** An access token as returned by a `TokenCredential`. */
export interface AccessTokenLike {
  token: string;
  expiresOnTimestamp: number;
}

/**
 * An Azure AD credential: anything with `getToken(scopes)`, such as `DefaultAzureCredential` from
 * `@azure/identity`. The SDK asks for the scope `https://webpubsub.azure.com/.default`.
 */
export interface TokenCredentialLike {
  getToken(scopes: string | string[], options?: { abortSignal?: AbortSignal }): Promise<AccessTokenLike | null>;
}

/** The scope requested from a {@link TokenCredentialLike}. */
export const webPubSubScope = "https://webpubsub.azure.com/.default";

/** True when `credential` can issue Azure AD tokens (it has `getToken`) rather than hold a key. */
export function isTokenCredential(credential: unknown): credential is TokenCredentialLike {
  return (
    typeof credential === "object" &&
    credential !== null &&
    typeof (credential as TokenCredentialLike).getToken === "function"
  );
}

/** True when `credential` holds a shared key. */
export function isKeyCredential(credential: unknown): credential is KeyCredentialLike {
  return (
    typeof credential === "object" && credential !== null && typeof (credential as KeyCredentialLike).key === "string"
  );
}
