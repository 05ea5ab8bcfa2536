// The REST data plane at /api/...: the checks every call shares (Host header, hub, api-version, token, body
// size), then the route table (routes.ts) picks the handler. Failures become the service's error responses.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readNodeBody } from "../../internal/body";
import { validHostHeader } from "../auth/endpoint";
import { bearer, TokenRejected, verifyToken } from "../auth/token";
import { reachOf } from "../liveview/observe";
import type { ClientEndpoint } from "../protocols/websocket/endpoint";
import type { EmulatorCore } from "../state/core";
import { injectRestFault } from "../faults/rest";
import { HttpFailure, sendFailure } from "./errors";
import { health, healthPath } from "./health";
import { checkHub, checkVersion, safeDecode } from "./params";
import { findRoute, runRoute } from "./routes";

/** The REST data plane at `/api/...`, with the service's status codes and error bodies. */
export class RestApi {
  constructor(
    private readonly core: EmulatorCore,
    private readonly clients: ClientEndpoint,
    private readonly maxBodyBytes: number,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const emit = this.core.observation.emit;
    if (emit === undefined) return this.#handle(req, res);
    const t0 = performance.now();
    await this.#handle(req, res);
    emit({
      kind: "rest",
      hub: hubOf(req),
      method: req.method ?? "GET",
      path: req.url ?? "/",
      status: res.statusCode,
      ms: performance.now() - t0,
      ...reachOf(res),
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Every response names its request, as the service's do (RestError.requestId, logger events).
    res.setHeader("x-ms-request-id", randomUUID());
    // Injected faults come first, as a throttling front end's answers would.
    if (this.core.faults.rules.rest.length !== 0 && (await injectRestFault(this.core.faults, req, res))) return;
    try {
      await this.#route(req, res);
    } catch (error) {
      if (error instanceof HttpFailure) {
        this.core.log?.(`${req.method} ${pathOf(req)} → ${error.status} ${error.code}`);
        sendFailure(req, res, error);
        return;
      }
      this.core.log?.(`${req.method} ${pathOf(req)} → 500: ${(error as Error).message}`);
      sendFailure(
        req,
        res,
        new HttpFailure(500, "Error.InternalServerError", "The emulator failed to process the request."),
      );
    }
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The Host header plays no part in routing or authentication, but a malformed one is the client's mistake.
    if (!validHostHeader(req.headers.host))
      throw new HttpFailure(400, "Error.BadRequest", "The Host header is not a valid host[:port].");
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    if (url.pathname === healthPath) return health(req, res);
    const raw = url.pathname.split("/");
    // ["", "api", "hubs", "{hub}", ...]
    if (raw[1] !== "api" || raw[2] !== "hubs" || raw[3] === undefined || raw[3] === "") {
      throw new HttpFailure(404, "Error.NotFound", `No REST route at ${url.pathname}.`);
    }
    const segments = raw.slice(4).map((s) => safeDecode(s));
    const hubName = safeDecode(raw[3]);
    const version = checkVersion(url.searchParams.get("api-version"));
    await this.#authenticate(req, url);
    checkHub(hubName);
    const body = method === "POST" || method === "PUT" ? await this.#readBody(req) : undefined;
    const hub = this.core.hub(hubName);
    try {
      const found = findRoute(method, segments);
      if (found === undefined)
        throw new HttpFailure(404, "Error.NotFound", `No REST route for ${method} ${url.pathname}.`);
      const { core, clients } = this;
      await runRoute(found.route, { req, res, url, version, hub, params: found.params, body, core, clients });
    } finally {
      this.core.prune(hub);
    }
    this.core.log?.(`${method} ${url.pathname} → ${res.statusCode}`);
  }

  async #readBody(req: IncomingMessage): Promise<Buffer> {
    const bytes = await readNodeBody(req, this.maxBodyBytes);
    if (bytes === undefined)
      throw new HttpFailure(
        413,
        "Error.PayloadTooLarge",
        `The request body is larger than ${this.maxBodyBytes} bytes.`,
      );
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async #authenticate(req: IncomingMessage, url: URL): Promise<void> {
    const token = bearer(req.headers.authorization);
    if (token === undefined) throw new HttpFailure(401, "Error.Unauthorized", "Missing bearer token.");
    // The audience is the request URL at the emulator's own endpoint, with or without the query.
    const audiences = this.core
      .origins()
      .flatMap((origin) => [`${origin}${url.pathname}${url.search}`, `${origin}${url.pathname}`]);
    try {
      await verifyToken(token, this.core.keyBytes, audiences);
    } catch (error) {
      if (error instanceof TokenRejected)
        throw new HttpFailure(401, "Error.Unauthorized", `Unauthorized: ${error.message}.`);
      throw error;
    }
  }
}

function hubOf(req: IncomingMessage): string | undefined {
  const m = /^\/api\/hubs\/([^/?]+)/.exec(req.url ?? "");
  if (m === null) return undefined;
  try {
    return decodeURIComponent(m[1] as string);
  } catch {
    return undefined;
  }
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? "/").replace(/\?.*$/, "");
}
