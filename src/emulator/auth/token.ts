import { jwtVerify, type JWTPayload } from "jose";
import { Memo } from "../../internal/memo";

const clockToleranceSeconds = 5;

/** Why a token was refused (logged by the emulator; never includes the token). */
export class TokenRejected extends Error {}

/**
 * Verifies an HS256 JWT signed with the access key and returns its claims. `audiences` are the accepted
 * `aud` values, compared case-insensitively (the service accepts the request URL with or without query,
 * and client tokens in http or ws form). A token verified before with this key is answered at once (no
 * promise): clients connecting with one URL cost one signature check.
 */
export function verifyToken(
  token: string,
  key: Uint8Array,
  audiences: readonly string[],
): JWTPayload | Promise<JWTPayload> {
  const known = knownPayload(token, key);
  if (known !== undefined) return checkAudience(known, audiences);
  return verifiedPayload(token, key).then(
    (payload) => checkAudience(payload, audiences),
    (error: unknown) => {
      const code = (error as { code?: string }).code;
      throw new TokenRejected(
        code === "ERR_JWT_EXPIRED"
          ? "the token has expired"
          : code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"
            ? "the token's signature does not match the access key"
            : "the token is not a valid HS256 JWT",
      );
    },
  );
}

function checkAudience(payload: JWTPayload, audiences: readonly string[]): JWTPayload {
  const aud = payload.aud;
  const values = Array.isArray(aud) ? aud : aud === undefined ? [] : [aud];
  // Most tokens name the audience exactly as the emulator spells it; only others need normalizing.
  if (values.some((v) => audiences.includes(v))) return payload;
  const accepted = audiences.map(normalizeAudience);
  if (!values.some((v) => accepted.includes(normalizeAudience(v))))
    throw new TokenRejected("the token's audience does not match this URL");
  return payload;
}

// Tests connect hundreds of clients with one URL, and REST callers reuse a token per URL: a token whose
// signature was verified with this key needs no second check, only its expiry (checked again here, with
// the same tolerance as jose). Bounded; entries go when they expire or the cache is full.
const verified = new WeakMap<Uint8Array, Map<string, JWTPayload>>();
const maxVerified = 4096;

/** The claims of a token this key verified before, while it has not expired. */
function knownPayload(token: string, key: Uint8Array): JWTPayload | undefined {
  const cache = verified.get(key);
  const hit = cache?.get(token);
  if (hit === undefined) return undefined;
  if (unexpired(hit)) return hit;
  cache?.delete(token);
  return undefined;
}

/** Whether claims verified before are still in force: their `exp`, with the same tolerance as the check. */
export function unexpired(claims: { exp?: unknown }): boolean {
  return typeof claims.exp === "number" && claims.exp + clockToleranceSeconds > Date.now() / 1000;
}

// Clients opened together with one URL all arrive before the first check is done: they share that check.
const checking = new WeakMap<Uint8Array, Map<string, Promise<JWTPayload>>>();
const maxChecking = 1024;

function verifiedPayload(token: string, key: Uint8Array): Promise<JWTPayload> {
  let inFlight = checking.get(key);
  const pending = inFlight?.get(token);
  if (pending !== undefined) return pending;
  if (inFlight === undefined) checking.set(key, (inFlight = new Map<string, Promise<JWTPayload>>()));
  const shared = inFlight;
  const check = verifySignature(token, key).finally(() => shared.delete(token));
  // Bounded: past the limit, a check is simply not shared.
  if (shared.size < maxChecking) shared.set(token, check);
  return check;
}

async function verifySignature(token: string, key: Uint8Array): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, await cryptoKeyFor(key), {
    algorithms: ["HS256"],
    clockTolerance: clockToleranceSeconds,
    requiredClaims: ["exp"],
  });
  let cache = verified.get(key);
  if (cache === undefined) verified.set(key, (cache = new Map<string, JWTPayload>()));
  if (cache.size >= maxVerified) cache.delete(cache.keys().next().value as string);
  cache.set(token, payload);
  return payload;
}

// Importing the raw key on every verification doubled the cost of a connect; import it once per key.
const cryptoKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();
function cryptoKeyFor(key: Uint8Array): Promise<CryptoKey> {
  let cached = cryptoKeys.get(key);
  if (cached === undefined) {
    cached = crypto.subtle.importKey("raw", key as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, [
      "verify",
    ]);
    cryptoKeys.set(key, cached);
  }
  return cached;
}

// Clients repeat the same few audiences: each is normalized once.
const normalized = new Memo<string, string>(1024);

function normalizeAudience(value: string): string {
  return normalized.get(value, normalize);
}

function normalize(value: string): string {
  let v = value.toLowerCase();
  if (v.startsWith("ws://")) v = `http://${v.slice(5)}`;
  else if (v.startsWith("wss://")) v = `https://${v.slice(6)}`;
  // A default port named explicitly is the same endpoint.
  v = v.replace(/^(http:\/\/[^/?#]+):80(?=[/?#]|$)/, "$1").replace(/^(https:\/\/[^/?#]+):443(?=[/?#]|$)/, "$1");
  return v.endsWith("/") ? v.slice(0, -1) : v;
}

/** The bearer token from an `Authorization` header, if any. */
export function bearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return m?.[1];
}
