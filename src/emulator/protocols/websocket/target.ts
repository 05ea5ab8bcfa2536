// Where a connecting client asks to go: the path and query of its upgrade request, the hub they name, and the
// token audiences that name that place. All are worked out on every connect, so all take the short way they can.
import type { EmulatorCore } from "../../state/core";
import { Memo } from "../../../internal/memo";
import { isValidHub } from "../../../internal/validate";

/** Why the handshake is refused, as an HTTP status and a plain message. */
export interface Refusal {
  status: number;
  message: string;
}

// A path with no percent sign, backslash or dot segment (and a target with no fragment) reads the same raw as
// after WHATWG URL parsing
// (what parsing would still change, spaces or a backtick say, fails the hub name check either way).
const needsParsing = /[%\\]|(?:^|\/)\.{1,2}(?:\/|$)/;

/** The parts of a request target the handshake reads: its path, and its query read as URLSearchParams reads it. */
export class RequestTarget {
  readonly pathname: string;
  /** The request target as it came (`req.url`). */
  readonly raw: string;
  readonly #query: string;
  #params: URLSearchParams | undefined;

  constructor(raw: string | undefined) {
    const target = raw ?? "/";
    this.raw = target;
    const q = target.indexOf("?");
    const pathname = q < 0 ? target : target.slice(0, q);
    if (pathname.startsWith("/") && !needsParsing.test(pathname) && !target.includes("#", q)) {
      this.pathname = pathname;
      this.#query = q < 0 ? "" : target.slice(q + 1);
    } else {
      const url = new URL(target, "http://localhost");
      this.pathname = url.pathname;
      this.#query = url.search.slice(1);
      this.#params = url.searchParams;
    }
  }

  get searchParams(): URLSearchParams {
    // Through URL, as the handshake always read it (URL encodes what the query has raw before decoding it).
    return (this.#params ??= new URL(this.raw, "http://localhost").searchParams);
  }

  /**
   * The first value of a query parameter, as `searchParams.get` gives it. A plain `name=value` (nothing
   * encoded) is read straight from the query; anything encoded goes through URLSearchParams.
   */
  get(name: string): string | null {
    if (this.#params !== undefined) return this.#params.get(name);
    const query = this.#query;
    let start = 0;
    while (start <= query.length) {
      let end = query.indexOf("&", start);
      if (end < 0) end = query.length;
      const eq = query.indexOf("=", start);
      const nameEnd = eq >= 0 && eq < end ? eq : end;
      const key = query.slice(start, nameEnd);
      if (key.includes("%") || key.includes("+")) return this.searchParams.get(name);
      if (key === name) {
        const value = nameEnd === end ? "" : query.slice(nameEnd + 1, end);
        return value.includes("%") || value.includes("+") ? this.searchParams.get(name) : value;
      }
      start = end + 1;
    }
    return null;
  }
}

// The audiences a client token may name for one path: the same few for every client of a hub. Kept per
// hub and path, for the emulator's origins as they are (they change once, when it starts listening).
const audiencesFor = new WeakMap<readonly string[], Memo<string, string[]>>();

/** The client endpoint at the emulator's own origins (http form), never at what the Host header says. */
export function clientAudiences(core: EmulatorCore, hubName: string, pathname: string): string[] {
  const origins = core.origins();
  let memo = audiencesFor.get(origins);
  if (memo === undefined) audiencesFor.set(origins, (memo = new Memo(256)));
  return memo.get(`${hubName}\n${pathname}`, () =>
    origins.flatMap((origin) => [
      `${origin}/client/hubs/${hubName}`,
      `${origin}${pathname}`,
      `${origin}/client/?hub=${hubName}`,
    ]),
  );
}

/** The hub a client asks for: `/client/hubs/{hub}`, or `/client?hub={hub}`. */
export function hubOf(url: RequestTarget): string | Refusal {
  const { pathname } = url;
  if (pathname === "/client" || pathname === "/client/") return validHub(url.get("hub"));
  return hubInPath.get(pathname, parseHubPath);
}

// Clients of a hub ask for the same path: each path is read once.
const hubInPath = new Memo<string, string | Refusal>(256);

function parseHubPath(pathname: string): string | Refusal {
  const m = /^\/client\/hubs\/([^/]+)\/?$/.exec(pathname);
  if (m === null) return { status: 404, message: `no client endpoint at ${pathname}; use /client/hubs/{hub}` };
  try {
    return validHub(decodeURIComponent(m[1] as string));
  } catch {
    return { status: 400, message: "the hub name in the path is not validly percent-encoded" };
  }
}

function validHub(hubName: string | null): string | Refusal {
  return isValidHub(hubName) ? hubName : { status: 400, message: "invalid or missing hub name" };
}
