// UTF-8 both ways with the web-standard TextEncoder/TextDecoder (no Node Buffer), so the token folder and the
// shared client code bundle for every runtime.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 bytes of a string. */
export function encodeUtf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

/** The string UTF-8 bytes hold (a malformed sequence becomes U+FFFD, never an exception). */
export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** The longest start of `text` that fits in `maxBytes` of UTF-8, never cutting a character in half. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = encodeUtf8(text);
  if (bytes.length <= maxBytes) return text;
  return decodeUtf8(bytes.subarray(0, maxBytes)).replace(/\uFFFD$/, "");
}
