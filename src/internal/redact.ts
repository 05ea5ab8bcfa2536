// Servers (or proxies in front of them) sometimes echo the request back in an error. Everything the SDK
// puts into an error from a response goes through here first, so a key, a token or the message body the
// caller sent never ends up in an error message, a log line or `JSON.stringify(error)` — whether it comes
// back verbatim, JSON-escaped, HTML-escaped, percent-encoded, or cut short.

// A JWT, or what is left of one: header.payload.signature, payload.signature (header cut off), header.payload.
// Both a header and a payload are base64url JSON objects, so they start with "eyJ" ('{"').
const jwtPattern = /eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){1,2}/g;
const redacted = "[redacted]";
/** An echoed fragment of a secret at least this long is redacted (shorter runs are common in any text). */
const fragmentLength = 12;
/** Secrets longer than this are fingerprinted by their first 64 KiB only (the error path must stay cheap). */
const maxSecretScan = 65_536;

export type Redactor = (text: string) => string;

/**
 * A redactor for these secrets (shorter than 8 characters are ignored), any fragment of them of 12 or more
 * characters in any of their escaped forms, and anything shaped like a JWT.
 */
export function redactor(secrets: ReadonlyArray<string | undefined>): Redactor {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === undefined || secret.length < 8) continue;
    for (const form of escapedForms(secret.slice(0, maxSecretScan))) forms.add(form);
  }
  const exact = [...forms].sort((a, b) => b.length - a.length);
  const fragments = new Set<string>();
  for (const form of exact) {
    for (let i = 0; i + fragmentLength <= form.length; i++) fragments.add(form.slice(i, i + fragmentLength));
  }
  return (text) => {
    let out = text.includes("eyJ") ? text.replace(jwtPattern, redacted) : text;
    for (const secret of exact) if (out.includes(secret)) out = out.split(secret).join(redacted);
    return fragments.size === 0 ? out : redactFragments(out, fragments);
  };
}

/** The ways a server may write a string back: as is, JSON-escaped, HTML-escaped, percent-encoded. */
function escapedForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const html = (s: string): string =>
    s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  const forms = [secret, json, html(secret), html(json), html(secret).replace(/&#39;/g, "&#x27;"), safeEncode(secret)];
  // A JSON body echoed inside another JSON string is escaped twice.
  forms.push(JSON.stringify(json).slice(1, -1));
  return forms;
}

function safeEncode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return s; // a lone surrogate has no percent-encoding
  }
}

/** Replaces every run of `text` covered by 12-character windows found in `fragments` (a cut-short echo). */
function redactFragments(text: string, fragments: ReadonlySet<string>): string {
  const runs: [number, number][] = [];
  for (let i = 0; i + fragmentLength <= text.length; i++) {
    if (!fragments.has(text.slice(i, i + fragmentLength))) continue;
    const last = runs[runs.length - 1];
    if (last !== undefined && i <= last[1]) last[1] = i + fragmentLength;
    else runs.push([i, i + fragmentLength]);
  }
  if (runs.length === 0) return text;
  let out = "";
  let from = 0;
  for (const [start, end] of runs) {
    out += text.slice(from, start) + redacted;
    from = end;
  }
  return out + text.slice(from);
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
