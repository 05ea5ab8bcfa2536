// Who may open the live view: whoever has the access key, or the token derived from it (printed with the
// URL, as notebook servers do). The browser keeps the token in an HttpOnly cookie after the first visit,
// so neither the key nor the token ever appears in the page's source or its feed.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const cookieName = "webpubsub_liveview";

/** The live view's token: an HMAC of a fixed label under the access key (the key cannot be recovered from it). */
export function liveViewToken(accessKey: string): string {
  return createHmac("sha256", accessKey).update("webpubsub emulator live view v1").digest("base64url");
}

export class Access {
  readonly token: string;
  readonly #accepted: Buffer[];

  constructor(accessKey: string) {
    this.token = liveViewToken(accessKey);
    this.#accepted = [Buffer.from(this.token), Buffer.from(accessKey)];
  }

  /** True when `secret` is the access key or the live view token. */
  accepts(secret: string | undefined | null): boolean {
    if (secret === undefined || secret === null || secret === "") return false;
    const given = Buffer.from(secret);
    let ok = false;
    for (const accepted of this.#accepted)
      if (accepted.length === given.length && timingSafeEqual(accepted, given)) ok = true;
    return ok;
  }

  /** The request carries the cookie, or `Authorization: Bearer <token or key>`. */
  allows(req: IncomingMessage): boolean {
    const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization?.trim() ?? "")?.[1];
    return this.accepts(auth) || this.accepts(cookie(req, cookieName));
  }

  /** The Set-Cookie header that lets this browser in from now on (the token, never the key). */
  cookie(): string {
    return `${cookieName}=${this.token}; Path=/ui; HttpOnly; SameSite=Strict`;
  }
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
