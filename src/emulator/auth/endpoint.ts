// Who the emulator is on the network: the origins a token's `aud` may name (the service checks a token
// against its own endpoint, never against the request's Host header), and which Host headers are valid.
import { networkInterfaces, hostname } from "node:os";
import { Memo } from "../../internal/memo";

/**
 * The origins (`http://host:port`, lower case, default ports dropped) tokens may be minted for: the public
 * endpoint when one is configured, else every name the listener answers to (loopback aliases for a
 * loopback listener; every interface address and the host name for a wildcard one).
 */
export function ownOrigins(listenHost: string, port: number, publicEndpoint: URL | undefined): string[] {
  if (publicEndpoint !== undefined) return [publicEndpoint.origin.toLowerCase()];
  const loopback = ["127.0.0.1", "localhost", "[::1]"];
  let names: string[];
  if (listenHost === "0.0.0.0" || listenHost === "::" || listenHost === "") {
    const addresses = Object.values(networkInterfaces())
      .flat()
      .map((a) => (a === undefined ? undefined : a.family === "IPv6" ? `[${a.address}]` : a.address))
      .filter((a): a is string => a !== undefined);
    names = [...loopback, ...addresses, hostname()];
  } else {
    const self = listenHost.includes(":") ? `[${listenHost}]` : listenHost;
    names = loopback.includes(self) ? loopback : [self];
  }
  return [...new Set(names.map((n) => new URL(`http://${n}:${port}`).origin.toLowerCase()))];
}

/** Checks the `publicEndpoint` option: an absolute http(s) origin, no path, query or credentials. */
export function parsePublicEndpoint(value: string | undefined): URL | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`publicEndpoint '${value}' is not an absolute URL; use e.g. https://pubsub.example.com.`);
  }
  if (
    (url.protocol !== "http:" && url.protocol !== "https:") ||
    url.username !== "" ||
    url.password !== "" ||
    url.search !== "" ||
    url.hash !== "" ||
    (url.pathname !== "/" && url.pathname !== "")
  ) {
    throw new TypeError(
      `publicEndpoint '${value}' must be an http(s) origin without path, query or credentials, ` +
        "e.g. https://pubsub.example.com.",
    );
  }
  return url;
}

// Every client of one emulator sends the same few Host headers: each is checked once.
const hostChecks = new Memo<string, boolean>(256);

/** Whether a Host header is a plausible `host[:port]` (a malformed one is answered 400, not parsed). */
export function validHostHeader(host: string | undefined): boolean {
  return host === undefined || hostChecks.get(host, plausibleHost);
}

function plausibleHost(host: string): boolean {
  if (host === "" || /[\s/\\?#@]/.test(host)) return false;
  try {
    return new URL(`http://${host}`).host !== "";
  } catch {
    return false;
  }
}
