import { platform } from "./platform";

// REST calls authenticate with an HS256 JWT whose `aud` is the request URL. Signing is cheap (~5 µs) but
// steady traffic to the same URL should not pay it per request, so tokens are cached per audience.
// On Node signing is synchronous, so a cache hit or miss costs no microtask; with WebCrypto a miss is a
// promise, shared by every call that asks for the same audience while it is pending.

const lifetimeSeconds = 3600;
// Reuse a token until it has less than this left, so a slow request never arrives with an expired one.
const refreshMarginSeconds = 600;
const maxEntries = 1024;

type Sign = (claims: Record<string, unknown>, key: string) => string | Promise<string>;

interface Entry {
  token: string | Promise<string>;
  refreshAt: number;
  /** `Bearer <token>`, made once per token rather than per request. */
  bearer?: string;
}

export class RestTokenCache {
  #key: string | undefined;
  #entries = new Map<string, Entry>();
  readonly #sign: Sign;

  /** `sign` defaults to this build's HS256 signer (node:crypto on Node, WebCrypto elsewhere). */
  constructor(sign: Sign = platform.signHs256) {
    this.#sign = sign;
  }

  /** Returns a bearer JWT for `audience`, signed with `key`; a new key empties the cache at once. */
  get(audience: string, key: string): string | Promise<string> {
    return this.#entry(audience, key).token;
  }

  /** The `authorization` header value for `audience`: `Bearer ` and {@link get}'s token. */
  header(audience: string, key: string): string | Promise<string> {
    const entry = this.#entry(audience, key);
    const token = entry.token;
    if (typeof token !== "string") return token.then((signed) => `Bearer ${signed}`);
    return (entry.bearer ??= `Bearer ${token}`);
  }

  #entry(audience: string, key: string): Entry {
    if (key !== this.#key) {
      this.#entries.clear();
      this.#key = key;
    }
    const now = Math.floor(Date.now() / 1000);
    const hit = this.#entries.get(audience);
    if (hit !== undefined && hit.refreshAt > now) return hit;
    const token = this.#sign({ aud: audience, iat: now, exp: now + lifetimeSeconds }, key);
    if (this.#entries.size >= maxEntries) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    const entry: Entry = { token, refreshAt: now + lifetimeSeconds - refreshMarginSeconds };
    this.#entries.set(audience, entry);
    if (typeof token !== "string") {
      // Once signed, later hits get the string itself; a failed sign is not cached.
      token.then(
        (signed) => void (entry.token = signed),
        () => void (this.#entries.get(audience) === entry && this.#entries.delete(audience)),
      );
    }
    return entry;
  }

  clear(): void {
    this.#entries.clear();
    this.#key = undefined;
  }
}
