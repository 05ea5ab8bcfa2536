import { signHs256 } from "./hs256";

// REST calls authenticate with an HS256 JWT whose `aud` is the request URL. Signing is cheap (~5 µs) but
// steady traffic to the same URL should not pay it per request, so tokens are cached per audience.

const lifetimeSeconds = 3600;
// Reuse a token until it has less than this left, so a slow request never arrives with an expired one.
const refreshMarginSeconds = 600;
const maxEntries = 1024;

export class RestTokenCache {
  #key: string | undefined;
  #entries = new Map<string, { token: string; refreshAt: number }>();

  /** Returns a bearer JWT for `audience`, signed with `key`; a new key empties the cache at once. */
  get(audience: string, key: string): string {
    if (key !== this.#key) {
      this.#entries.clear();
      this.#key = key;
    }
    const now = Math.floor(Date.now() / 1000);
    const hit = this.#entries.get(audience);
    if (hit !== undefined && hit.refreshAt > now) return hit.token;
    const token = signRestToken(audience, key, now);
    if (this.#entries.size >= maxEntries) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(audience, { token, refreshAt: now + lifetimeSeconds - refreshMarginSeconds });
    return token;
  }

  clear(): void {
    this.#entries.clear();
    this.#key = undefined;
  }
}

export function signRestToken(audience: string, key: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  return signHs256({ aud: audience, iat: nowSeconds, exp: nowSeconds + lifetimeSeconds }, key);
}
