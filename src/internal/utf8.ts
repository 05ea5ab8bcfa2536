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
