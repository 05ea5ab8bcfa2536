import { encodeUtf8 } from "../internal/utf8";
import { hex } from "./encoding";
import { hmacSha256 } from "./hmac";

/** Compares two strings in time that depends only on their lengths. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Verifies a CloudEvents `ce-signature` header: `sha256=<hex HMAC-SHA256(accessKey, connectionId)>`, one
 * value per service key, comma-separated. True when any value matches any of `accessKeys` (so both the
 * primary and secondary key work during rotation). WebCrypto only, for edge runtimes.
 *
 * @example
 * ```ts
 * if (!(await verifyEventSignature(req.headers.get("ce-connectionId"), req.headers.get("ce-signature"), [key]))) {
 *   return new Response("invalid signature", { status: 401 });
 * }
 * ```
 */
export async function verifyEventSignature(
  connectionId: string | null | undefined,
  signatureHeader: string | null | undefined,
  accessKeys: readonly string[],
): Promise<boolean> {
  if (!connectionId || !signatureHeader || !Array.isArray(accessKeys)) return false;
  const provided = signatureHeader
    .split(",")
    .map((value) => value.trim().toLowerCase())
    .filter((value) => value.length > 0);
  if (provided.length === 0) return false;
  let matched = false;
  for (const key of accessKeys) {
    if (typeof key !== "string" || key.length === 0) continue;
    const expected = `sha256=${hex(await hmacSha256(key, encodeUtf8(connectionId)))}`;
    // Check every pair without an early exit so timing does not reveal which value matched.
    for (const value of provided) matched = constantTimeEqual(value, expected) || matched;
  }
  return matched;
}
