import { ValidationError } from "../errors";

/** Which client endpoint a token is for. */
export type ClientProtocol = "default" | "mqtt" | "socketio";

/** Path of the client endpoint for a hub, without a leading slash (as the service and the anchor spell it). */
export function clientPath(hub: string, clientProtocol: ClientProtocol | undefined): string {
  switch (clientProtocol) {
    case undefined:
    case "default":
      return `client/hubs/${hub}`;
    case "mqtt":
      return `clients/mqtt/hubs/${hub}`;
    case "socketio":
      return `clients/socketio/hubs/${hub}`;
    default:
      throw new ValidationError(
        `clientProtocol must be "default", "mqtt" or "socketio", got ${JSON.stringify(clientProtocol)}`,
        { argument: "clientProtocol" },
      );
  }
}

/**
 * Normalises an endpoint to `http(s)://host[:port]/` (trailing slash). Accepts ws(s) too, and adds https when
 * the scheme is missing, as connection strings do.
 */
export function normalizeEndpoint(endpoint: string): string {
  let value = endpoint.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) value = `https://${value}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(`endpoint must be an absolute http(s) URL, got ${JSON.stringify(endpoint)}`, {
      argument: "endpoint",
    });
  }
  const scheme = url.protocol.toLowerCase();
  if (scheme === "ws:") url.protocol = "http:";
  else if (scheme === "wss:") url.protocol = "https:";
  else if (scheme !== "http:" && scheme !== "https:") {
    throw new ValidationError(`endpoint must use http or https, got ${JSON.stringify(url.protocol)}`, {
      argument: "endpoint",
    });
  }
  const path = url.pathname.endsWith("/") ? url.pathname : `${url.pathname}/`;
  return `${url.protocol}//${url.host}${path}`;
}

/** `http://` → `ws://`, `https://` → `wss://`. */
export function toWebSocketUrl(httpUrl: string): string {
  return httpUrl.replace(/^http(s?):\/\//i, "ws$1://");
}
