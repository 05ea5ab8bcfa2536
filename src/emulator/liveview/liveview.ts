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
  const access = new Access(source.accessKey);
  const feed = new Feed((listener) => source.watch(listener), limits);
  return {
    url: `${endpoint}/ui/?token=${access.token}`,
    handle(req, res) {
      const path = (req.url ?? "/").replace(/\?.*$/s, "");
      if (path !== "/ui" && !path.startsWith("/ui/")) return false;
      route(req, res, path).catch(() => {
        if (!res.headersSent) reply(res, 500, "text/plain", "The live view failed to answer.\n");
        else res.destroy();
      });
      return true;
    },
    close: () => feed.close(),
  };

  async function route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://localhost");
    if (path === "/ui") return redirect(res, "/ui/");
    if (path === "/ui/login" && method === "GET") return reply(res, 200, "text/html", loginPage(), loginPolicy);
    if (path === "/ui/login" && method === "POST") {
      const form = new URLSearchParams((await readSmall(req, maxLoginBody)) ?? "");
      if (!access.accepts(form.get("key")?.trim()))
        return reply(
          res,
          401,
          "text/html",
          loginPage("That is neither the access key nor the live view token."),
          loginPolicy,
        );
      return redirect(res, "/ui/", access.cookie());
    }
    if (path === "/ui/" && (method === "GET" || method === "HEAD")) {
      // The printed URL carries the token once; the cookie carries it from then on, off the address bar.
      const token = url.searchParams.get("token");
      if (token !== null)
        return access.accepts(token)
          ? redirect(res, "/ui/", access.cookie())
          : reply(res, 401, "text/html", loginPage("That token is not valid for this emulator."), loginPolicy);
      if (!access.allows(req)) return reply(res, 401, "text/html", loginPage(), loginPolicy);
      return reply(res, 200, "text/html", assets.page, pagePolicy(req));
    }
    if (!access.allows(req))
      return reply(
        res,
        401,
        "application/json",
        JSON.stringify({
          code: "Unauthorized",
          message: "The live view needs the access key or its token (see the URL the emulator printed).",
        }),
      );
    if (path.startsWith("/ui/assets/") && (method === "GET" || method === "HEAD")) {
      const asset = assets.files.get(path.slice("/ui/assets/".length));
      if (asset === undefined) return reply(res, 404, "text/plain", "No such asset.\n");
      return reply(res, 200, asset.type, asset.text);
    }
    if (path === "/ui/api/state" && method === "GET") {
      const body = snapshot(source.connections(), {
        hub: url.searchParams.get("hub") ?? "",
        filter: url.searchParams.get("filter") ?? "",
      });
      return reply(res, 200, "application/json", JSON.stringify(body));
    }
    if (path === "/ui/api/events" && method === "GET") {
      if (feed.full)
        return reply(
          res,
          429,
          "application/json",
          JSON.stringify({
            code: "TooManyViewers",
            message: `At most ${feed.limits.viewers} pages may watch at once.`,
          }),
        );
      feed.open(res);
      return;
    }
    if (path === "/ui/api/sign" && method === "POST") return sign(req, res);
    if (source.faults !== undefined && faultRoutes(source.faults, req, res, path)) return;
    return reply(
      res,
      404,
      "application/json",
      JSON.stringify({ code: "NotFound", message: `No live view route for ${method} ${path}.` }),
    );
  }

  /** A short-lived REST token for one emulator REST path, so the page's actions take the REST routes. */
  async function sign(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A custom header cannot be sent cross-site without a CORS preflight, which this server never allows.
    if (req.headers["x-liveview"] !== "1")
      return reply(
        res,
        403,
        "application/json",
        JSON.stringify({ code: "Forbidden", message: "Missing the x-liveview header." }),
      );
    let path: unknown;
    try {
      path = (JSON.parse((await readSmall(req, maxLoginBody)) ?? "") as { path?: unknown }).path;
    } catch {
      path = undefined;
    }
    if (typeof path !== "string" || !/^\/api\/hubs\/[^/?#]+(\/[^?#]*)?$/.test(path)) {
      return reply(
        res,
        400,
        "application/json",
        JSON.stringify({ code: "BadRequest", message: 'Send {"path": "/api/hubs/{hub}/..."} (no query).' }),
      );
    }
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt()
      .setExpirationTime(`${restTokenMinutes}m`)
      // The emulator checks `aud` against its own endpoint, never the Host header (which a proxy may rewrite).
      .setAudience(`${endpoint}${path}`)
      .sign(source.keyBytes);
    reply(res, 200, "application/json", JSON.stringify({ token }));
  }
}

const loginPolicy =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

function pagePolicy(req: IncomingMessage): string {
  const host = req.headers.host ?? "localhost";
  return `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws://${host}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;
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
