import { encodeUtf8 } from "../internal/utf8";

// Imported keys are cached per key string: importKey costs more than the HMAC itself on hot paths.
// Bounded so a process that sees many rotated keys does not grow without limit.
const MAX_CACHED_KEYS = 32;
const keyCache = new Map<string, Promise<CryptoKey>>();

function subtle(): SubtleCrypto {
  const crypto = (globalThis as { crypto?: Crypto }).crypto;
  if (!crypto?.subtle) {
    throw new Error("WebCrypto (globalThis.crypto.subtle) is not available in this runtime");
  }
  return crypto.subtle;
}

function hmacKey(accessKey: string): Promise<CryptoKey> {
  let key = keyCache.get(accessKey);
  if (!key) {
    if (keyCache.size >= MAX_CACHED_KEYS) {
      const oldest = keyCache.keys().next().value;
      if (oldest !== undefined) keyCache.delete(oldest);
    }
    // The service keys HMAC with the UTF-8 bytes of the access key, not its base64 decoding.
    key = subtle().importKey("raw", encodeUtf8(accessKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keyCache.set(accessKey, key);
    // A failed import must not poison the cache.
    key.catch(() => keyCache.delete(accessKey));
  }
  return key;
}

/** HMAC-SHA256 of `message` keyed with the UTF-8 bytes of `accessKey`. */
export async function hmacSha256(accessKey: string, message: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const key = await hmacKey(accessKey);
  return new Uint8Array(await subtle().sign("HMAC", key, message));
}
