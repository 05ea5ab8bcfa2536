// Connection ids: 22 base64url characters, each from 6 bits of its own random byte (132 random bits). Random
// bytes are drawn ~4 KiB at a time (one call into the system's generator per 186 ids), and each id is made by one
// String.fromCharCode, without a call into Node's Buffer encoding (which cost more than the rest of an id).
import { randomBytes } from "node:crypto";

const idLength = 22;
const alphabet = new Uint8Array(64);
for (const [i, c] of [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"].entries()) {
  alphabet[i] = c.charCodeAt(0);
}
const poolBytes = 4096 - (4096 % idLength);
let pool = new Uint8Array(0);
let used = 0;

/** The base64url character for the low 6 bits of a random byte (256 is a multiple of 64: all equally likely). */
const char = (byte: number | undefined): number => alphabet[(byte ?? 0) & 63] ?? 0;

export function newConnectionId(): string {
  if (used + idLength > pool.length) {
    pool = randomBytes(poolBytes);
    used = 0;
  }
  const b = pool;
  const o = used;
  used += idLength;
  return String.fromCharCode(
    char(b[o]),
    char(b[o + 1]),
    char(b[o + 2]),
    char(b[o + 3]),
    char(b[o + 4]),
    char(b[o + 5]),
    char(b[o + 6]),
    char(b[o + 7]),
    char(b[o + 8]),
    char(b[o + 9]),
    char(b[o + 10]),
    char(b[o + 11]),
    char(b[o + 12]),
    char(b[o + 13]),
    char(b[o + 14]),
    char(b[o + 15]),
    char(b[o + 16]),
    char(b[o + 17]),
    char(b[o + 18]),
    char(b[o + 19]),
    char(b[o + 20]),
    char(b[o + 21]),
  );
}
