/** What differs between Node and the other runtimes; one implementation per build, chosen at build time. */
export interface Platform {
  /** "node" for the undici/node:crypto build, "web" for the fetch/WebCrypto one. */
  readonly name: "node" | "web";
  /**
   * Signs `claims` as an HS256 JWT keyed with the UTF-8 bytes of `key`. Synchronous on Node (node:crypto),
   * a promise elsewhere (WebCrypto has no synchronous API).
   */
  signHs256: (claims: Record<string, unknown>, key: string) => string | Promise<string>;
  /** Lets one AbortSignal have many listeners without Node's leak warning (nothing to do elsewhere). */
  allowManyListeners(signal: AbortSignal): void;
}
