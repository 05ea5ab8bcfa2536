// The emulator's live view at /ui/: a page showing connections, groups and traffic as they happen, with
// actions that go through the emulator's own REST routes. Everything it serves is embedded in this
// module tree (no files to copy, no paths to look up), and works offline.
import type { IncomingMessage, ServerResponse } from "node:http";
import { SignJWT } from "jose";
import { readNodeBody } from "../../internal/body";
import type { ConnectionInfo } from "../types";
import type { EmulatorEvent } from "./observe";
import { Access } from "./access";
import { assets } from "./assets/index";
import type { FaultController } from "../faults/controller";
import { faultRoutes } from "./faults";
import { Feed, type FeedLimits } from "./feed";
import { loginPage } from "./login";
import { snapshot } from "./state";

export interface LiveViewSource {
  accessKey: string;
  keyBytes: Uint8Array;
  connections(): ConnectionInfo[];
  watch(listener: (event: EmulatorEvent) => void): () => void;
  /** The fault rules the panel lists, adds and removes. */
  faults?: FaultController;
}

export interface LiveView {
  /** The page's URL with the token that opens it, e.g. `http://127.0.0.1:8080/ui/?token=…`. */
  readonly url: string;
  /** Answers requests under /ui; returns false for every other path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  close(): void;
}

const maxLoginBody = 4096;
const restTokenMinutes = 5;

export function createLiveView(source: LiveViewSource, endpoint: string, limits?: FeedLimits): LiveView {
  const routes = new LiveViewRoutes(source, endpoint, limits);
  return {
    url: `${endpoint}/ui/?token=${routes.access.token}`,
    handle: (req, res) => routes.handle(req, res),
    close: () => routes.close(),
  };
}

const json = (body: unknown): string => JSON.stringify(body);

/** The live view's routes: the login and page (open to all), and the assets and APIs (key or token needed). */
class LiveViewRoutes {
  readonly access: Access;
  readonly #feed: Feed;

  constructor(
    private readonly source: LiveViewSource,
    private readonly endpoint: string,
    limits: FeedLimits | undefined,
  ) {
    this.access = new Access(source.accessKey);
    this.#feed = new Feed((listener) => source.watch(listener), limits);
  }

  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = (req.url ?? "/").replace(/\?.*$/s, "");
    if (path !== "/ui" && !path.startsWith("/ui/")) return false;
    this.#route(req, res, path).catch(() => {
      if (!res.headersSent) reply(res, 500, "text/plain", "The live view failed to answer.\n");
      else res.destroy();
    });
    return true;
  }

  close(): void {
    this.#feed.close();
  }

  async #route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? "GET";
    if (path === "/ui") return redirect(res, "/ui/");
    if (path === "/ui/login" && method === "GET") return reply(res, 200, "text/html", loginPage(), loginPolicy);
    if (path === "/ui/login" && method === "POST") return this.#login(req, res);
    if (path === "/ui/" && (method === "GET" || method === "HEAD")) return this.#page(req, res);
    if (!this.access.allows(req)) {
      const message = "The live view needs the access key or its token (see the URL the emulator printed).";
      return reply(res, 401, "application/json", json({ code: "Unauthorized", message }));
    }
    if (path.startsWith("/ui/assets/") && (method === "GET" || method === "HEAD")) {
      const asset = assets.files.get(path.slice("/ui/assets/".length));
      if (asset === undefined) return reply(res, 404, "text/plain", "No such asset.\n");
      return reply(res, 200, asset.type, asset.text);
    }
    if (path === "/ui/api/state" && method === "GET") return this.#state(req, res);
    if (path === "/ui/api/events" && method === "GET") return this.#events(res);
    if (path === "/ui/api/sign" && method === "POST") return this.#sign(req, res);
    const { faults } = this.source;
    if (faults !== undefined && faultRoutes(faults, req, res, path)) return;
    const message = `No live view route for ${method} ${path}.`;
    return reply(res, 404, "application/json", json({ code: "NotFound", message }));
  }

  async #login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams((await readSmall(req, maxLoginBody)) ?? "");
    if (this.access.accepts(form.get("key")?.trim())) return redirect(res, "/ui/", this.access.cookie());
    const page = loginPage("That is neither the access key nor the live view token.");
    reply(res, 401, "text/html", page, loginPolicy);
  }

  #page(req: IncomingMessage, res: ServerResponse): void {
    // The printed URL carries the token once; the cookie carries it from then on, off the address bar.
    const token = new URL(req.url ?? "/", "http://localhost").searchParams.get("token");
    if (token !== null)
      return this.access.accepts(token)
        ? redirect(res, "/ui/", this.access.cookie())
        : reply(res, 401, "text/html", loginPage("That token is not valid for this emulator."), loginPolicy);
    if (!this.access.allows(req)) return reply(res, 401, "text/html", loginPage(), loginPolicy);
    reply(res, 200, "text/html", assets.page, pagePolicy(req));
  }

  #state(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://localhost");
    const body = snapshot(this.source.connections(), {
      hub: url.searchParams.get("hub") ?? "",
      filter: url.searchParams.get("filter") ?? "",
    });
    reply(res, 200, "application/json", json(body));
  }

  #events(res: ServerResponse): void {
    if (this.#feed.full) {
      const message = `At most ${this.#feed.limits.viewers} pages may watch at once.`;
      return reply(res, 429, "application/json", json({ code: "TooManyViewers", message }));
    }
    this.#feed.open(res);
  }

  /** A short-lived REST token for one emulator REST path, so the page's actions take the REST routes. */
  async #sign(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A custom header cannot be sent cross-site without a CORS preflight, which this server never allows.
    if (req.headers["x-liveview"] !== "1")
      return reply(
        res,
        403,
        "application/json",
        json({ code: "Forbidden", message: "Missing the x-liveview header." }),
      );
    let path: unknown;
    try {
      path = (JSON.parse((await readSmall(req, maxLoginBody)) ?? "") as { path?: unknown }).path;
    } catch {
      path = undefined;
    }
    if (typeof path !== "string" || !/^\/api\/hubs\/[^/?#]+(\/[^?#]*)?$/.test(path)) {
      const message = 'Send {"path": "/api/hubs/{hub}/..."} (no query).';
      return reply(res, 400, "application/json", json({ code: "BadRequest", message }));
    }
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt()
      .setExpirationTime(`${restTokenMinutes}m`)
      // The emulator checks `aud` against its own endpoint, never the Host header (which a proxy may rewrite).
      .setAudience(`${this.endpoint}${path}`)
      .sign(this.source.keyBytes);
    reply(res, 200, "application/json", json({ token }));
  }
}

const loginPolicy =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

function pagePolicy(req: IncomingMessage): string {
  const host = req.headers.host ?? "localhost";
  return (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    `connect-src 'self' ws://${host}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`
  );
}

function reply(res: ServerResponse, status: number, type: string, body: string, policy?: string): void {
  res.statusCode = status;
  res.setHeader("content-type", `${type}; charset=utf-8`);
  res.setHeader("cache-control", "no-store");
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("referrer-policy", "no-referrer");
  if (policy !== undefined) res.setHeader("content-security-policy", policy);
  res.setHeader("content-length", Buffer.byteLength(body));
  res.end(res.req.method === "HEAD" ? undefined : body);
}

function redirect(res: ServerResponse, location: string, cookie?: string): void {
  res.statusCode = 303;
  res.setHeader("location", location);
  res.setHeader("cache-control", "no-store");
  res.setHeader("referrer-policy", "no-referrer");
  if (cookie !== undefined) res.setHeader("set-cookie", cookie);
  res.setHeader("content-length", "0");
  res.end();
}

/** Reads a small body; undefined when it is larger than `limit` (the caller treats that as invalid). */
async function readSmall(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const bytes = await readNodeBody(req, limit);
  return bytes === undefined
    ? undefined
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}
