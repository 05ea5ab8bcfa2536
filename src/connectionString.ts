import { ValidationError } from "./errors";
import { parseEndpoint, trimEndpoint } from "./internal/endpoint";

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
