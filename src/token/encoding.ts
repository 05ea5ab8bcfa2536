// Byte helpers built on web-standard globals only, so this folder bundles for edge runtimes (UTF-8 is in
// ../internal/utf8.ts).

/** base64url (no padding) of bytes, via `btoa` which every edge runtime has. */
export function base64url(bytes: Uint8Array): string {
  let binary = "";
  // Chunked so large inputs do not overflow the argument limit of String.fromCharCode.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Lower-case hex of bytes. */
export function hex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}
