import { ValidationError } from "../errors";

/** How {@link normalizeEndpoint} reads an endpoint. */
export interface EndpointRules {
  /** The argument named in errors. @default "endpoint" */
  argument?: string;
  /** Whether `ws://` and `wss://` are accepted (as `http://` and `https://`). @default false */
  webSocketSchemes?: boolean;
}

/**
 * Normalises an endpoint URL: any-case scheme, `https://` when none is given, only http(s) allowed (and ws(s),
 * read as http(s), when `webSocketSchemes`), no credentials, query or fragment, no trailing slash. The service
 * client takes it as its base URL; token minting appends `/client/hubs/<hub>` to it.
 */
export function normalizeEndpoint(endpoint: string, rules: EndpointRules = {}): string {
  const argument = rules.argument ?? "endpoint";
  if (typeof endpoint !== "string" || endpoint.trim() === "") {
    throw new ValidationError(`${argument} must be a non-empty URL like "https://<name>.webpubsub.azure.com".`, {
      argument,
    });
  }
  let text = endpoint.trim();
  if (rules.webSocketSchemes === true) text = text.replace(/^ws(s?):\/\//i, "http$1://");
  return trimEndpoint(parseEndpoint(text, argument, `The endpoint ${JSON.stringify(shown(endpoint.trim()))}`));
}

/** The endpoint as an error may quote it: without user info, query or fragment, which may hold a secret. */
function shown(endpoint: string): string {
  return endpoint.replace(/^((?:[a-z][a-z0-9+.-]*:)?\/\/)?[^/?#]*@/i, "$1…@").replace(/[?#].*$/s, "…");
}

/**
 * Reads an endpoint as an http(s) URL (`https://` when it has no scheme). `what` names the value in errors;
 * from a connection string it never quotes the value (it may hold the key).
 */
export function parseEndpoint(text: string, argument: string, what: string): URL {
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
export function trimEndpoint(url: URL): string {
  return url.toString().replace(/\/+$/, "");
}
