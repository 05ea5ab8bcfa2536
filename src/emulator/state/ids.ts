// Connection ids: 16 random bytes, base64url (22 characters). Random bytes are drawn 4 KiB at a time: one call
// into the system's generator per 256 ids (one call per id cost a tenth of a WebSocket connect).
import { randomBytes } from "node:crypto";

const idBytes = 16;
let pool = Buffer.alloc(0);
let used = 0;

export function newConnectionId(): string {
  if (used + idBytes > pool.length) {
    pool = randomBytes(4096);
    used = 0;
  }
  used += idBytes;
  return pool.toString("base64url", used - idBytes, used);
}
