// Reading a CloudEvents request: which event it is, its connection context and its payload.
import { decodeConnectionState } from "./connectionState";
import { isMqttRequest } from "./mqtt/status";
import type { ConnectionContext, UserEventRequest } from "./types";

/**
 * The events the handler knows; other `azure.webpubsub.*` types are left to the next route, as
 * @azure/web-pubsub-express does.
 */
export type EventKind = "connect" | "connected" | "disconnected" | "user" | "groupJoined" | "groupLeft";

const SYSTEM_EVENTS: Record<string, EventKind> = {
  "azure.webpubsub.sys.connect": "connect",
  "azure.webpubsub.sys.connected": "connected",
  "azure.webpubsub.sys.disconnected": "disconnected",
  "azure.webpubsub.gp.joined": "groupJoined",
  "azure.webpubsub.gp.left": "groupLeft",
};

/** The event kind of a `ce-type`, or undefined for a type this handler does not serve. */
export function classify(type: string): EventKind | undefined {
  if (type.startsWith("azure.webpubsub.user.")) return "user";
  return Object.hasOwn(SYSTEM_EVENTS, type) ? SYSTEM_EVENTS[type] : undefined;
}

/** A malformed request: answered 400 with this message; no handler runs. */
export class BadRequest extends Error {}

/** Parses a system event body: a JSON object, or nothing (an empty body is an empty object). */
export function parseJsonBody(bytes: Uint8Array, what: string): Record<string, unknown> {
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
  return value as Record<string, unknown>;
}

/** Bytes as a Node `Buffer` when available (what @azure/web-pubsub-express hands out), else a Uint8Array. */
function toBinaryData(bytes: Uint8Array): Uint8Array {
  const NodeBuffer = (globalThis as { Buffer?: { from(b: ArrayBufferLike, o: number, l: number): Uint8Array } }).Buffer;
  return NodeBuffer ? NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
}

/** The connection context from the CloudEvents headers. */
export function readContext(headers: Headers, hub: string, connectionId: string, kind: EventKind): ConnectionContext {
  const context: ConnectionContext = {
    hub,
    connectionId,
    eventName: headers.get("ce-eventName") ?? (kind === "user" ? "message" : kind),
    origin: headers.get("webhook-request-origin") ?? headers.get("host") ?? "",
    states: decodeConnectionState(headers.get("ce-connectionState")),
    clientProtocol: "default",
  } as ConnectionContext;
  const userId = headers.get("ce-userId");
  if (userId) context.userId = userId;
  const subprotocol = headers.get("ce-subprotocol");
  if (subprotocol) context.subprotocol = subprotocol;
  if (isMqttRequest(headers)) {
    context.clientProtocol = "mqtt";
    const sessionId = headers.get("ce-sessionId");
    context.mqtt = {
      physicalConnectionId: headers.get("ce-physicalConnectionId") ?? "",
      ...(sessionId === null ? {} : { sessionId }),
    };
  }
  // Kept off JSON.stringify and console.log output: a signature is a secret-derived value.
  Object.defineProperty(context, "signature", { value: headers.get("ce-signature") ?? "", enumerable: false });
  return context;
}

/** A user event's payload, decoded by its content type (anything not JSON or text is binary). */
export function readUserEvent(headers: Headers, body: Uint8Array, context: ConnectionContext): UserEventRequest {
  const contentType = (headers.get("content-type") ?? "application/octet-stream").split(";")[0]!.trim().toLowerCase();
  if (contentType === "application/json") {
    let data: unknown;
    try {
      data = JSON.parse(new TextDecoder().decode(body));
    } catch {
      throw new BadRequest("user event body is not valid JSON");
    }
    return { context, data, dataType: "json" };
  }
  if (contentType === "text/plain") return { context, data: new TextDecoder().decode(body), dataType: "text" };
  return { context, data: toBinaryData(body), dataType: "binary" };
}
