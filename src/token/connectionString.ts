import { ValidationError } from "../errors";

/** The parts of a Web PubSub connection string that token minting needs. */
export interface ParsedConnectionString {
  /** `http(s)://host[:port]`, without a trailing slash. */
  endpoint: string;
  accessKey: string;
}

/**
 * Parses `Endpoint=…;AccessKey=…;Port=…;Version=1.0;` (keys case-insensitive, values trimmed).
 * A light, dependency-free version for edge runtimes; errors name the missing key and never echo the key.
 *
 * @example
 * ```ts
 * const { endpoint, accessKey } = parseConnectionString(env.WebPubSubConnectionString);
 * ```
 */
export function parseConnectionString(connectionString: string): ParsedConnectionString {
  if (typeof connectionString !== "string" || connectionString.trim() === "") {
    throw new ValidationError("connectionString must be a non-empty string", { argument: "connectionString" });
  }
  const fields = new Map<string, string>();
  for (const part of connectionString.split(";")) {
    const at = part.indexOf("=");
    if (at < 0) continue;
    fields.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  const rawEndpoint = fields.get("endpoint");
  if (!rawEndpoint) {
    throw new ValidationError("connectionString is missing Endpoint", { argument: "connectionString" });
  }
  const accessKey = fields.get("accesskey");
  if (!accessKey) {
    throw new ValidationError("connectionString is missing AccessKey", { argument: "connectionString" });
  }
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(rawEndpoint) ? rawEndpoint : `https://${rawEndpoint}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ValidationError("connectionString has an invalid Endpoint", { argument: "connectionString" });
  }
  const port = fields.get("port");
  if (port !== undefined && port !== "") {
    const number = Number(port);
    if (!/^\d+$/.test(port) || number < 1 || number > 65535) {
      throw new ValidationError(`connectionString has an invalid Port ${JSON.stringify(port)}`, {
        argument: "connectionString",
      });
    }
    url.port = port;
  }
  return { endpoint: `${url.protocol.toLowerCase()}//${url.host}`, accessKey };
}
