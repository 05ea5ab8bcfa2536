import { ValidationError } from "../errors";

/**
 * The error for an `allowedEndpoints` entry that is not an absolute URL. Of the same kind as the one
 * @azure/web-pubsub-express lets escape from `new URL(endpoint)` (a `TypeError` with code `ERR_INVALID_URL`,
 * message starting "Invalid URL"), so code written against it catches ours; ours names the entry.
 */
function invalidEndpoint(endpoint: unknown, cause?: unknown): TypeError {
  const shown = typeof endpoint === "string" ? JSON.stringify(endpoint) : String(endpoint);
  const error = new TypeError(
    `Invalid URL in allowedEndpoints: ${shown}; give absolute URLs such as "https://contoso.webpubsub.azure.com", or "*"`,
    cause === undefined ? undefined : { cause },
  );
  return Object.assign(error, { code: "ERR_INVALID_URL", input: endpoint });
}

function hostOfEndpoint(endpoint: unknown): string {
  if (typeof endpoint !== "string") throw invalidEndpoint(endpoint);
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch (error) {
    throw invalidEndpoint(endpoint, error);
  }
  // `mailto:x` parses but names no host the service could come from.
  if (url.host === "") throw invalidEndpoint(endpoint);
  return url.host.toLowerCase();
}

/** The host of a `WebHook-Request-Origin` value (the service sends a bare host; a URL is tolerated). */
function hostOfOrigin(origin: string): string {
  const trimmed = origin.trim();
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`).host.toLowerCase();
  } catch {
    return trimmed.toLowerCase();
  }
}

/**
 * Decides the `WebHook-Allowed-Origin` answer. The service sends its host name in `WebHook-Request-Origin`;
 * allowed endpoints are absolute URLs (checked here, at construction), and `*` allows every origin.
 */
export function compileAllowedOrigins(
  allowedEndpoints: readonly string[] | undefined,
): (origin: string) => string | undefined {
  if (allowedEndpoints === undefined) return () => "*";
  if (!Array.isArray(allowedEndpoints)) {
    throw new ValidationError("allowedEndpoints must be an array of endpoint URLs", { argument: "allowedEndpoints" });
  }
  const hosts = new Set<string>();
  let allowAll = false;
  // Every entry is checked, even after a "*", so a typo never waits for the day "*" is removed.
  for (const endpoint of allowedEndpoints as readonly unknown[]) {
    if (typeof endpoint === "string" && endpoint.trim() === "*") allowAll = true;
    else hosts.add(hostOfEndpoint(endpoint));
  }
  if (allowAll) return () => "*";
  return (origin) => (hosts.has(hostOfOrigin(origin)) ? origin : undefined);
}
