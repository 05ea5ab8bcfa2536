import type { IncomingMessage, ServerResponse } from "node:http";
import { ValidationError } from "../errors";
import { verifyEventSignature } from "../token/verifySignature";
import { compileAllowedOrigins } from "./abuseProtection";
import { decodeConnectionState, InvalidConnectionStateError } from "./connectionState";
import { BodyTooLargeError, readStreamLimited, textResponse, type EventHttpRequest, type EventHttpResponse } from "./message";
import { fromNodeRequest, writeNodeResponse } from "./node";
import { connectResponder, userEventResponder, type Responder } from "./responders";
import type {
  ConnectionContext,
  ConnectRequest,
  UserEventDataType,
  UserEventRequest,
  WebPubSubEventHandlerOptions,
} from "./types";

const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

type EventKind = "connect" | "connected" | "disconnected" | "user" | "groupJoined" | "groupLeft";

function classify(type: string): EventKind | undefined {
  if (type.startsWith("azure.webpubsub.user.")) return "user";
  switch (type) {
    case "azure.webpubsub.sys.connect":
      return "connect";
    case "azure.webpubsub.sys.connected":
      return "connected";
    case "azure.webpubsub.sys.disconnected":
      return "disconnected";
    case "azure.webpubsub.gp.joined":
      return "groupJoined";
    case "azure.webpubsub.gp.left":
      return "groupLeft";
    default:
      return undefined;
  }
}

class BadRequest extends Error {}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === "function";
}

function parseJsonBody(bytes: Uint8Array, what: string): Record<string, any> {
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequest(`${what} body is not valid JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BadRequest(`${what} body must be a JSON object`);
  }
  return value as Record<string, any>;
}

/** Bytes as a Node `Buffer` when available (what @azure/web-pubsub-express hands out), else a Uint8Array. */
function toBinaryData(bytes: Uint8Array): Uint8Array {
  const NodeBuffer = (globalThis as { Buffer?: { from(b: ArrayBufferLike, o: number, l: number): Uint8Array } }).Buffer;
  return NodeBuffer ? NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
}

/**
 * Handles Azure Web PubSub CloudEvents (abuse protection, `connect`, `connected`, `disconnected`, user
 * events, group joined/left) for any server: web-standard `Request` → `Response` (edge, Deno, Bun, Hono,
 * Next.js route handlers) or Node's `IncomingMessage`/`ServerResponse`. Unlike `@azure/web-pubsub-express`
 * it verifies `ce-signature` against your access keys; unsigned or forged events get 401 and no handler runs.
 *
 * @example
 * ```ts
 * const handler = new WebPubSubEventHandler("chat", {
 *   accessKeys: [process.env.WEBPUBSUB_KEY!],
 *   handleConnect: (req, res) => res.success({ userId: req.query?.["user"]?.[0] }),
 *   handleUserEvent: (req, res) => res.success(`echo: ${String(req.data)}`, "text"),
 * });
 * export default { fetch: (request: Request) => handler.handleRequest(request) };
 * ```
 */
export class WebPubSubEventHandler {
  /** The path served by `handleNodeRequest` and the framework adapters. */
  readonly path: string;
  readonly #hub: string;
  readonly #options: WebPubSubEventHandlerOptions;
  readonly #allowedOrigin: (origin: string) => string | undefined;
  readonly #maxBodyBytes: number;

  constructor(hub: string, options: WebPubSubEventHandlerOptions = {}) {
    if (typeof hub !== "string" || hub.length === 0) {
      throw new ValidationError("hub must be a non-empty string", { argument: "hub" });
    }
    if (typeof options !== "object" || options === null || Array.isArray(options)) {
      // The first versions of the anchor took allowedEndpoints as the second argument.
      throw new ValidationError("options must be an object (pass allowedEndpoints inside it)", { argument: "options" });
    }
    const verify = options.verifySignature ?? true;
    if (verify) {
      const keys = options.accessKeys;
      if (keys === undefined) {
        throw new ValidationError(
          "accessKeys is required to verify ce-signature; pass your service access keys, or verifySignature: false",
          { argument: "accessKeys" },
        );
      }
      if (typeof keys !== "function" && (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== "string" || k === ""))) {
        throw new ValidationError("accessKeys must be a non-empty array of non-empty strings, or a function", {
          argument: "accessKeys",
        });
      }
    }
    const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
      throw new ValidationError("maxBodyBytes must be a positive integer", { argument: "maxBodyBytes" });
    }
    const path = options.path ?? `/api/webpubsub/hubs/${hub}/`;
    if (typeof path !== "string" || !path.startsWith("/")) {
      throw new ValidationError('path must be a string starting with "/"', { argument: "path" });
    }
    this.#hub = hub;
    this.#options = options;
    this.#allowedOrigin = compileAllowedOrigins(options.allowedEndpoints);
    this.#maxBodyBytes = maxBodyBytes;
    this.path = path;
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
      if (!this.matchesPath(req.url ?? "/")) {
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

  /** Whether a request URL (path and optional query) is this handler's path; ignores case and a trailing slash. */
  matchesPath(url: string): boolean {
    const pathname = url.split("?")[0] ?? "/";
    const normalize = (p: string) => (p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p).toLowerCase();
    return normalize(pathname) === normalize(this.path);
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
      if (error instanceof InvalidConnectionStateError) return textResponse(400, error.message);
      if (error instanceof BodyTooLargeError) return textResponse(413, `Request body exceeds ${this.#maxBodyBytes} bytes`);
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
    const hub = headers.get("ce-hub");
    if (!hub) throw new BadRequest("Missing ce-hub header");
    // Hub names are case-insensitive in the service.
    if (hub.toLowerCase() !== this.#hub.toLowerCase()) return undefined;
    const connectionId = headers.get("ce-connectionId");
    if (!connectionId) throw new BadRequest("Missing ce-connectionId header");

    const unauthorized = await this.#checkSignature(connectionId, headers.get("ce-signature"));
    if (unauthorized) return unauthorized;

    const kind = classify(type);
    if (kind === undefined) throw new BadRequest(`Unsupported ce-type "${type}"`);

    const context = this.#context(headers, hub, connectionId, kind);
    const body = await request.readBody(this.#maxBodyBytes);
    const options = this.#options;

    switch (kind) {
      case "connect": {
        const payload = parseJsonBody(body, "connect event");
        if (!options.handleConnect) return { status: 200, headers: {} };
        const connectRequest = { ...payload, context } as ConnectRequest;
        // The service sends `query`; the anchor also exposes it as `queries`.
        if (connectRequest.query !== undefined) connectRequest.queries = connectRequest.query;
        const responder = connectResponder(context.states);
        const { handleConnect } = options;
        return this.#runBlocking(responder, context, () => handleConnect(connectRequest, responder.handler));
      }
      case "user": {
        const userRequest = this.#userEvent(headers, body, context);
        if (!options.handleUserEvent) return { status: 204, headers: {} };
        const responder = userEventResponder(context.states);
        const { handleUserEvent } = options;
        return this.#runBlocking(responder, context, () => handleUserEvent(userRequest, responder.handler));
      }
      case "connected": {
        parseJsonBody(body, "connected event");
        const { onConnected } = options;
        return this.#runNonBlocking(context, onConnected && (() => onConnected({ context })));
      }
      case "disconnected": {
        const payload = parseJsonBody(body, "disconnected event");
        const { onDisconnected } = options;
        const reason = typeof payload["reason"] === "string" ? payload["reason"] : undefined;
        return this.#runNonBlocking(
          context,
          onDisconnected && (() => onDisconnected(reason === undefined ? { context } : { context, reason })),
        );
      }
      case "groupJoined":
      case "groupLeft": {
        const payload = parseJsonBody(body, "group event");
        const group = typeof payload["group"] === "string" ? payload["group"] : headers.get("ce-group");
        if (!group) throw new BadRequest("group event has no group");
        const callback = kind === "groupJoined" ? options.onGroupJoined : options.onGroupLeft;
        return this.#runNonBlocking(context, callback && (() => callback({ context, group })));
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

  #context(headers: Headers, hub: string, connectionId: string, kind: EventKind): ConnectionContext {
    const context: ConnectionContext = {
      hub,
      connectionId,
      eventName: headers.get("ce-eventName") ?? (kind === "user" ? "message" : kind),
      origin: headers.get("webhook-request-origin") ?? headers.get("host") ?? "",
      states: decodeConnectionState(headers.get("ce-connectionState")),
    };
    const userId = headers.get("ce-userId");
    if (userId) context.userId = userId;
    const subprotocol = headers.get("ce-subprotocol");
    if (subprotocol) context.subprotocol = subprotocol;
    return context;
  }

  #userEvent(headers: Headers, body: Uint8Array, context: ConnectionContext): UserEventRequest {
    const contentType = (headers.get("content-type") ?? "application/octet-stream").split(";")[0]!.trim().toLowerCase();
    let dataType: UserEventDataType;
    let data: UserEventRequest["data"];
    if (contentType === "application/json") {
      dataType = "json";
      try {
        data = JSON.parse(new TextDecoder().decode(body)) as object;
      } catch {
        throw new BadRequest("user event body is not valid JSON");
      }
    } else if (contentType === "text/plain") {
      dataType = "text";
      data = new TextDecoder().decode(body);
    } else {
      dataType = "binary";
      data = toBinaryData(body);
    }
    return { context, data, dataType };
  }

  #report(error: unknown, context: ConnectionContext): void {
    try {
      this.#options.onError?.(error, context);
    } catch {
      // A failing error reporter must not turn into an unhandled rejection.
    }
  }

  /**
   * Runs a blocking handler. It replies through `res` (now or later, as in the anchor); an async handler
   * that resolves without replying gets the default reply, and a throwing one a 500.
   */
  async #runBlocking<T>(responder: Responder<T>, context: ConnectionContext, invoke: () => unknown): Promise<EventHttpResponse> {
    const failed = (error: unknown): void => {
      this.#report(error, context);
      if (!responder.done) {
        // Settle through the responder so a later success/fail call is ignored.
        (responder.handler as { fail(code: 500, detail: string): void }).fail(500, "The event handler failed");
      }
    };
    try {
      const result = invoke();
      if (isPromiseLike(result)) {
        result.then(
          () => {
            if (!responder.done) responder.settleDefault();
          },
          failed,
        );
      }
    } catch (error) {
      failed(error);
    }
    return responder.reply;
  }

  async #runNonBlocking(context: ConnectionContext, invoke: (() => unknown) | undefined): Promise<EventHttpResponse> {
    // Awaited before replying (the anchor replies first) so serverless hosts do not freeze the work midway;
    // the service does not hold the client for these events.
    if (invoke) {
      try {
        await invoke();
      } catch (error) {
        this.#report(error, context);
        return textResponse(500, "The event handler failed");
      }
    }
    return { status: 200, headers: {} };
  }
}
