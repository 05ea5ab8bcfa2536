import { ValidationError } from "./errors";

/** The parts of a Web PubSub connection string. */
export interface ParsedConnectionString {
  /** The service endpoint, with scheme and (when `Port` was given) port, without a trailing slash. */
  endpoint: string;
  /** The access key. Never logged or put into an error message. */
  accessKey: string;
  /** The `Version` field, when present (always `1.0` today). */
  version: string | undefined;
}

/**
 * Parses `Endpoint=…;AccessKey=…;Version=1.0;[Port=…;]`. Keys are case-insensitive, values trimmed, an
 * endpoint without a scheme means `https://`, and `Port` replaces the endpoint's port. Errors name the
 * missing or bad field and never repeat the key.
 *
 * @example
 * ```ts
 * parseConnectionString("Endpoint=http://localhost:8080;AccessKey=…;Version=1.0;").endpoint // "http://localhost:8080"
 * ```
 */
export function parseConnectionString(connectionString: string): ParsedConnectionString {
  if (typeof connectionString !== "string" || connectionString.trim() === "") {
    throw new ValidationError(
      'The connection string must be a non-empty string like "Endpoint=https://<name>.webpubsub.azure.com;AccessKey=<key>;Version=1.0;".',
      { argument: "connectionString" },
    );
  }
  const fields = new Map<string, string>();
  for (const part of connectionString.split(";")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    if (eq <= 0) {
      throw new ValidationError(
        'The connection string has a segment without "key=value"; expected "Endpoint=…;AccessKey=…;Version=1.0;".',
        { argument: "connectionString" },
      );
    }
    fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const rawEndpoint = fields.get("endpoint");
  if (!rawEndpoint) {
    throw new ValidationError(
      'The connection string has no Endpoint; expected "Endpoint=https://<name>.webpubsub.azure.com;AccessKey=<key>;Version=1.0;".',
      { argument: "connectionString" },
    );
  }
  const accessKey = fields.get("accesskey");
  if (!accessKey) {
    throw new ValidationError(
      'The connection string has no AccessKey; expected "Endpoint=…;AccessKey=<key>;Version=1.0;".',
      { argument: "connectionString" },
    );
  }
  const url = parseEndpoint(rawEndpoint, "connectionString", "The connection string's Endpoint");
  const port = fields.get("port");
  if (port !== undefined) {
    const n = /^\d+$/.test(port) ? Number(port) : Number.NaN;
    if (!(n >= 1 && n <= 65535)) {
      // Never the value: a key pasted into the wrong field must not end up in an error.
      throw new ValidationError("The connection string's Port is not a port number: it must be an integer 1–65535.", {
        argument: "connectionString",
      });
    }
    url.port = String(n);
  }
  return { endpoint: trimEndpoint(url), accessKey, version: fields.get("version") };
}

/**
 * Normalises an endpoint URL: any-case scheme, `https://` when none is given, only http(s) allowed,
 * no trailing slash.
 */
export function normalizeEndpoint(endpoint: string, argument = "endpoint"): string {
  if (typeof endpoint !== "string" || endpoint.trim() === "") {
    throw new ValidationError(`${argument} must be a non-empty URL like "https://<name>.webpubsub.azure.com".`, {
      argument,
    });
  }
  return trimEndpoint(parseEndpoint(endpoint.trim(), argument, `The endpoint ${JSON.stringify(endpoint.trim())}`));
}

/** `what` names the value in errors; from a connection string it never quotes the value (it may hold the key). */
function parseEndpoint(text: string, argument: string, what: string): URL {
  const allowed = "expected http://<host>[:port] or https://<host>[:port], or a bare host (https:// is assumed)";
  let withScheme: string;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) withScheme = text;
  else if (/^https?(?::\/?(?!\/)|\/\/)/i.test(text) || /^https?:(?!\d)/i.test(text)) {
    // "http//host", "https:/host", "http:host": a typo of the scheme, not a host called "http".
    throw new ValidationError(`${what} has a malformed scheme: write "http://" or "https://" (${allowed}).`, {
      argument,
    });
  } else withScheme = `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ValidationError(`${what} is not a valid URL: ${allowed}.`, { argument });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ValidationError(`${what} must use http:// or https://.`, { argument });
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ValidationError(`${what} must not contain credentials, a query or a fragment.`, { argument });
  }
  return url;
}

/** Without trailing slashes, so that parsing the result again gives the same endpoint (a fixed point). */
function trimEndpoint(url: URL): string {
  return url.toString().replace(/\/+$/, "");
}
