// Servers (or proxies in front of them) sometimes echo the request back in an error. Everything the SDK
// puts into an error from a response goes through here first, so a key, a token or the message body the
// caller sent never ends up in an error message, a log line or `JSON.stringify(error)`.

const jwtPattern = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const redacted = "[redacted]";

export type Redactor = (text: string) => string;

/** A redactor for these exact secrets (shorter than 8 characters are ignored) and anything shaped like a JWT. */
export function redactor(secrets: ReadonlyArray<string | undefined>): Redactor {
  const exact = [...new Set(secrets.filter((s): s is string => s !== undefined && s.length >= 8))].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text.includes("eyJ") ? text.replace(jwtPattern, redacted) : text;
    for (const secret of exact) if (out.includes(secret)) out = out.split(secret).join(redacted);
    return out;
  };
}

/** Applies `redact` to every string inside a parsed JSON value. */
export function redactDeep(value: unknown, redact: Redactor): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = /^authorization$/i.test(k) ? redacted : redactDeep(v, redact);
    return out;
  }
  return value;
}
