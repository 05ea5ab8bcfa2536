import { base64url } from "../token/encoding";
import { encodeUtf8 } from "./utf8";
import { hmacSha256 } from "../token/hmac";

// The same HS256 JWTs as ./hs256.ts, on WebCrypto: what Workers, Deno, Bun and edge runtimes have. Imported
// HMAC keys are cached per access key (../token/hmac.ts), so a token costs one async sign.

const header = base64url(encodeUtf8('{"alg":"HS256","typ":"JWT"}'));

/** Signs `claims` as an HS256 JWT keyed with the UTF-8 bytes of `key`, with WebCrypto. */
export async function signHs256Web(claims: Record<string, unknown>, key: string): Promise<string> {
  const input = `${header}.${base64url(encodeUtf8(JSON.stringify(claims)))}`;
  return `${input}.${base64url(await hmacSha256(key, encodeUtf8(input)))}`;
}
