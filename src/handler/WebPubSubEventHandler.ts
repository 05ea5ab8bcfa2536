import type { IncomingMessage, ServerResponse } from "node:http";
import { ValidationError } from "../errors";
import { verifyEventSignature } from "../token/verifySignature";
import { compileAllowedOrigins } from "./abuseProtection";
import { BadRequest, classify, parseJsonBody, readContext, readUserEvent } from "./events";
import { runBlocking, runNonBlocking } from "./invoke";
import {
  BodyTooLargeError,
  readStreamLimited,
  textResponse,
  type EventHttpRequest,
  type EventHttpResponse,
} from "./message";
import { fromNodeRequest, writeNodeResponse } from "./node";
import { givenPaths, normalizePath, pathMatcher } from "./path";
import { connectResponder, userEventResponder } from "./responders";
import type { ConnectionContext, ConnectRequest, WebPubSubEventHandlerOptions } from "./types";

const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The reply to an event nobody handles, as @azure/web-pubsub-express gives it: 200, no body. */
const UNHANDLED: EventHttpResponse = { status: 200, headers: {} };

function checkOptions(hub: string, options: WebPubSubEventHandlerOptions): void {
  if (typeof hub !== "string" || hub.length === 0) {
    throw new ValidationError("hub must be a non-empty string", { argument: "hub" });
  }
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    // The first versions of @azure/web-pubsub-express took allowedEndpoints as the second argument.
    throw new ValidationError("options must be an object (pass allowedEndpoints inside it)", { argument: "options" });
  }
  if (options.verifySignature ?? true) {
    const keys = options.accessKeys;
    if (keys === undefined) {
      throw new ValidationError(
        "accessKeys is required to verify ce-signature; pass your service access keys, or verifySignature: false",
        { argument: "accessKeys" },
      );
    }
    if (
      typeof keys !== "function" &&
      (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== "string" || k === ""))
    ) {
      throw new ValidationError("accessKeys must be a non-empty array of non-empty strings, or a function", {
        argument: "accessKeys",
      });
    }
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new ValidationError("maxBodyBytes must be a positive integer", { argument: "maxBodyBytes" });
  }
  if (options.path !== undefined && (typeof options.path !== "string" || !options.path.startsWith("/"))) {
    throw new ValidationError('path must be a string starting with "/"', { argument: "path" });
  }
}

/**
 * Handles Azure Web PubSub CloudEvents (abuse protection, `connect`, `connected`, `disconnected`, user
 * events, group joined/left; MQTT clients included) for any server: web-standard `Request` → `Response`
 * (edge, Deno, Bun, Hono, Next.js route handlers) or Node's `IncomingMessage`/`ServerResponse`. Unlike
 * `@azure/web-pubsub-express` it verifies `ce-signature` against your access keys; unsigned or forged
 * events get 401 and no handler runs.
 *
 * @example
 * ```ts
 * const handler = new WebPubSubEventHandler("chat", {
 *   accessKeys: [process.env.WEBPUBSUB_KEY!],
 *   handleConnect: (req, res) => res.success({ userId: req.queries?.["user"]?.[0] }),
 *   handleUserEvent: (req, res) => res.success(`echo: ${String(req.data)}`, "text"),
 * });
 * export default { fetch: (request: Request) => handler.handleRequest(request) };
 * ```
 */
export class WebPubSubEventHandler {
  /**
   * The path served by `handleNodeRequest` and the framework adapters, with everything under it (so the
   * service's `/eventhandler/{event}` URL template works with `path: "/eventhandler"`). Reads back lower case
   * with a trailing slash, as in @azure/web-pubsub-express (`"/Custom"` → `"/custom/"`).
   */
  readonly path: string;
  readonly #hub: string;
  readonly #options: WebPubSubEventHandlerOptions;
  readonly #allowedOrigin: (origin: string) => string | undefined;
  readonly #maxBodyBytes: number;
  readonly #matches: (url: string) => boolean;

  constructor(hub: string, options: WebPubSubEventHandlerOptions = {}) {
    checkOptions(hub, options);
    this.#hub = hub;
    this.#options = options;
    this.#allowedOrigin = compileAllowedOrigins(options.allowedEndpoints);
    this.#maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const given = options.path ?? `/api/webpubsub/hubs/${hub}/`;
    givenPaths.set(this, given.endsWith("/") ? given : `${given}/`);
    this.path = normalizePath(given);
    this.#matches = pathMatcher(this.path);
  }

  /**
   * Handles one request routed to this handler and returns the reply (web standard). Requests that are not
   * Web PubSub CloudEvents for this hub get a 4xx with a plain-text reason.
   */
  async handleRequest(request: Request): Promise<Response> {
    const response =
      (await this.dispatch({
        method: request.method,
        headers: request.headers,
        readBody: (limit) => readStreamLimited(request.body, limit),
      })) ?? this.#notForUs(request.method);
    // A 204/1xx Response may not carry a body, even an empty one.
    const body = response.status === 204 || response.body === undefined ? null : response.body;
    return new Response(body as BodyInit | null, { status: response.status, headers: response.headers });
  }

  /**
   * Handles a Node request. With `next` (Connect/Express style), requests for another path or hub are passed
   * on; without it they get 404/400. Works after body parsers too (it uses `req.body` when the stream was read).
   */
  async handleNodeRequest(req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): Promise<void> {
    try {
      // Express mounts strip their prefix from `url` but not from `originalUrl`: @azure/web-pubsub-express matches the
      // full
      // path, and users of mounts expect the mount-relative one, so either serves.
      const originalUrl = (req as { originalUrl?: unknown }).originalUrl;
      const url = req.url ?? "/";
      if (!this.matchesPath(url) && !(typeof originalUrl === "string" && this.matchesPath(originalUrl))) {
        if (next) next();
        else writeNodeResponse(res, textResponse(404, `Not found: this handler serves ${this.path}`));
        return;
      }
      const response = await this.dispatch(fromNodeRequest(req));
      if (response === undefined) {
        if (next) next();
        else writeNodeResponse(res, this.#notForUs(req.method ?? "GET"));
        return;
      }
      writeNodeResponse(res, response);
    } catch (error) {
      if (next) next(error);
      else writeNodeResponse(res, textResponse(500, "Internal error while handling the event"));
    }
  }

  /**
   * Whether a request URL (path and optional query) is served: `path` or anything under it, ignoring case and
   * a trailing slash (`"/custom"` and `"/custom/"` are the same path).
   */
  matchesPath(url: string): boolean {
    return this.#matches(url);
  }

  #notForUs(method: string): EventHttpResponse {
    if (method !== "POST" && method !== "OPTIONS") return textResponse(405, "Only OPTIONS and POST are supported");
    return textResponse(400, `Not a Web PubSub CloudEvents request for hub "${this.#hub}"`);
  }

  /**
   * The framework-independent core: undefined means "not a Web PubSub event for this hub" (adapters pass it
   * on to the next route). Never throws for bad input; bad requests get 4xx replies.
   */
  protected async dispatch(request: EventHttpRequest): Promise<EventHttpResponse | undefined> {
    try {
      return await this.#dispatch(request);
    } catch (error) {
      if (error instanceof BadRequest) return textResponse(400, error.message);
      if (error instanceof BodyTooLargeError)
        return textResponse(413, `Request body exceeds ${this.#maxBodyBytes} bytes`);
      throw error;
    }
  }

  async #dispatch(request: EventHttpRequest): Promise<EventHttpResponse | undefined> {
    const { headers } = request;
    const method = request.method.toUpperCase();
    if (method === "OPTIONS") return this.#abuseProtection(headers);
    if (method !== "POST") return undefined;

    const type = headers.get("ce-type");
    if (type === null) {
      // Not a CloudEvent at all: let other routes have it. A Web PubSub request without a type is malformed.
      if (headers.has("ce-awpsversion")) throw new BadRequest("Missing ce-type header");
      return undefined;
    }
    // An event type this version does not know goes to the next route, as in @azure/web-pubsub-express.
    const kind = classify(type);
    if (kind === undefined) return undefined;
    const hub = headers.get("ce-hub");
    if (!hub) throw new BadRequest("Missing ce-hub header");
    // Hub names are case-insensitive in the service.
    if (hub.toLowerCase() !== this.#hub.toLowerCase()) return undefined;
    const connectionId = headers.get("ce-connectionId");
    if (!connectionId) throw new BadRequest("Missing ce-connectionId header");

    const unauthorized = await this.#checkSignature(connectionId, headers.get("ce-signature"));
    if (unauthorized) return unauthorized;

    const context = readContext(headers, hub, connectionId, kind);
    const options = this.#options;
    const report = (error: unknown, where: ConnectionContext) => this.#report(error, where);
    // Nobody handles it: answer without reading the body, as @azure/web-pubsub-express does (a connect from an MQTT
    // client gets 204, which the contract requires of a bodiless accept).
    const read = (what: string) => request.readBody(this.#maxBodyBytes).then((body) => parseJsonBody(body, what));

    switch (kind) {
      case "connect": {
        const { handleConnect } = options;
        if (!handleConnect) return context.clientProtocol === "mqtt" ? { status: 204, headers: {} } : UNHANDLED;
        const payload = await read("connect event");
        const connectRequest = { ...payload, context } as ConnectRequest;
        // The service sends `query`; @azure/web-pubsub-express exposes it as `queries` too.
        if (connectRequest.query !== undefined) connectRequest.queries = connectRequest.query;
        const mqtt =
          context.clientProtocol === "mqtt"
            ? { protocolVersion: (payload["mqtt"] as { protocolVersion?: unknown } | undefined)?.protocolVersion }
            : undefined;
        const responder = connectResponder(context.states, mqtt);
        return runBlocking(responder, context, report, () => handleConnect(connectRequest, responder.handler));
      }
      case "user": {
        const { handleUserEvent } = options;
        if (!handleUserEvent) return UNHANDLED;
        const userRequest = readUserEvent(headers, await request.readBody(this.#maxBodyBytes), context);
        const responder = userEventResponder(context.states);
        return runBlocking(responder, context, report, () => handleUserEvent(userRequest, responder.handler));
      }
      case "connected": {
        const { onConnected } = options;
        if (!onConnected) return UNHANDLED;
        const payload = await read("connected event");
        return runNonBlocking(context, report, () => onConnected({ ...payload, context }));
      }
      case "disconnected": {
        const { onDisconnected } = options;
        if (!onDisconnected) return UNHANDLED;
        // The whole body goes through: `reason`, and `mqtt` (disconnect packet) for MQTT clients.
        const payload = await read("disconnected event");
        return runNonBlocking(context, report, () => onDisconnected({ ...payload, context }));
      }
      case "groupJoined":
      case "groupLeft": {
        const callback = kind === "groupJoined" ? options.onGroupJoined : options.onGroupLeft;
        if (!callback) return UNHANDLED;
        const payload = await read("group event");
        const group = typeof payload["group"] === "string" ? payload["group"] : headers.get("ce-group");
        if (!group) throw new BadRequest("group event has no group");
        return runNonBlocking(context, report, () => callback({ ...payload, context, group }));
      }
    }
  }

  #abuseProtection(headers: Headers): EventHttpResponse {
    const origin = headers.get("webhook-request-origin");
    if (!origin) return textResponse(400, "Missing WebHook-Request-Origin header");
    const allowed = this.#allowedOrigin(origin);
    if (allowed === undefined) return textResponse(403, `Origin ${JSON.stringify(origin)} is not allowed`);
    return { status: 200, headers: { "WebHook-Allowed-Origin": allowed } };
  }

  async #checkSignature(connectionId: string, signature: string | null): Promise<EventHttpResponse | undefined> {
    if (this.#options.verifySignature === false) return undefined;
    if (!signature) return textResponse(401, "Missing ce-signature header: the request is not signed by the service");
    const source = this.#options.accessKeys;
    const keys = typeof source === "function" ? await source() : source;
    if (!keys || !(await verifyEventSignature(connectionId, signature, keys))) {
      return textResponse(401, "Invalid ce-signature: it matches none of the configured access keys");
    }
    return undefined;
  }

  #report(error: unknown, context: ConnectionContext): void {
    try {
      this.#options.onError?.(error, context);
    } catch {
      // A failing error reporter must not turn into an unhandled rejection.
    }
  }
}
