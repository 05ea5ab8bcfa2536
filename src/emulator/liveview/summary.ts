// Turns an emulator event into the small object the page shows. Message bodies never leave the emulator
// through the feed: a frame is summarised by its type, group, event name, data type and size.
import type { EmulatorEvent } from "./observe";

/** One line of the live view's traffic stream. */
export interface FeedEvent {
  /** Increasing per emulator, so the page can tell what it has already shown. */
  id: number;
  /** Epoch milliseconds. */
  t: number;
  kind: string;
  hub?: string | undefined;
  connectionId?: string;
  userId?: string | null;
  [field: string]: unknown;
}

const maxText = 300;
const maxParsedFrame = 64 * 1024;

export function summarise(event: EmulatorEvent, id: number, t: number): FeedEvent {
  switch (event.kind) {
    case "rest":
      return {
        id,
        t,
        kind: "rest",
        hub: event.hub,
        method: event.method,
        path: clip(event.path),
        status: event.status,
        ms: round(event.ms),
        ...(event.reach === undefined ? {} : { reach: event.reach }),
        ...targetOf(event.path),
      };
    case "frame":
      return {
        id,
        t,
        kind: "frame",
        hub: event.hub,
        connectionId: event.connectionId,
        userId: event.userId,
        size: event.bytes.length,
        ...(event.decoded ?? frameFields(event.subprotocol, event.bytes, event.binary)),
      };
    case "upstream":
      return {
        id,
        t,
        kind: "upstream",
        hub: event.hub,
        connectionId: event.connectionId,
        userId: event.userId,
        event: event.event,
        status: event.status,
        ms: round(event.ms),
        ...(event.error === undefined ? {} : { error: clip(event.error) }),
      };
    case "refused":
      return { id, t, kind: "refused", path: clip(event.path), status: event.status, reason: clip(event.reason) };
    case "fault":
      return {
        id,
        t,
        kind: "fault",
        injected: true,
        hub: event.hub,
        ...(event.connectionId === undefined ? {} : { connectionId: event.connectionId }),
        faultId: event.faultId,
        fault: event.fault,
        ...(event.name === undefined ? {} : { name: clip(event.name) }),
        detail: clip(event.detail),
      };
    case "join":
    case "leave":
      return {
        id,
        t,
        kind: event.kind,
        hub: event.hub,
        connectionId: event.connectionId,
        userId: event.userId,
        group: clip(event.group),
      };
    default:
      return {
        id,
        t,
        kind: event.kind,
        hub: event.hub,
        connectionId: event.connectionId,
        userId: event.userId,
        protocol: event.subprotocol ?? "simple",
        ...(event.reason === undefined ? {} : { reason: clip(event.reason) }),
      };
  }
}

/** What a PubSub frame asks for; simple clients' frames are opaque `message` events. */
function frameFields(subprotocol: string | undefined, bytes: Buffer, binary: boolean): Record<string, unknown> {
  if (subprotocol === undefined) return { type: "message", dataType: binary ? "binary" : "text" };
  if (subprotocol === "mqtt") return { type: mqttPackets[(bytes[0] ?? 0) >> 4] ?? "MQTT packet" };
  if (binary || bytes.length > maxParsedFrame) return { type: binary ? "binary frame" : "large frame" };
  let frame: unknown;
  try {
    frame = JSON.parse(bytes.toString("utf8"));
  } catch {
    return { type: "invalid JSON" };
  }
  if (typeof frame !== "object" || frame === null || Array.isArray(frame)) return { type: "invalid frame" };
  const f = frame as Record<string, unknown>;
  const out: Record<string, unknown> = { type: typeof f["type"] === "string" ? clip(f["type"]) : "untyped" };
  for (const key of ["group", "event", "dataType"] as const) if (typeof f[key] === "string") out[key] = clip(f[key]);
  for (const key of ["ackId", "sequenceId"] as const) if (typeof f[key] === "number") out[key] = f[key];
  if (f["noEcho"] === true) out["noEcho"] = true;
  return out;
}

// MQTT control packet types by the high nibble of the first byte (MQTT 3.1.1 and 5.0, section 2.1.2).
const mqttPackets = [
  "MQTT reserved",
  "CONNECT",
  "CONNACK",
  "PUBLISH",
  "PUBACK",
  "PUBREC",
  "PUBREL",
  "PUBCOMP",
  "SUBSCRIBE",
  "SUBACK",
  "UNSUBSCRIBE",
  "UNSUBACK",
  "PINGREQ",
  "PINGRESP",
  "DISCONNECT",
  "AUTH",
];

/** A REST path's target (group, user or connection), so the page can filter sends by them. */
function targetOf(path: string): Record<string, string> {
  const m = /^\/api\/hubs\/[^/?]+\/(groups|users|connections)\/([^/?]+)(?:\/(groups|connections)\/([^/?]+))?/.exec(
    path,
  );
  if (m === null) return {};
  const out: Record<string, string> = {};
  const put = (kind: string | undefined, value: string | undefined) => {
    if (kind === undefined || value === undefined) return;
    const key = kind === "groups" ? "group" : kind === "users" ? "userId" : "connectionId";
    try {
      out[key] = clip(decodeURIComponent(value));
    } catch {
      out[key] = clip(value);
    }
  };
  put(m[1], m[2]);
  put(m[3], m[4]);
  return out;
}

function clip(text: string): string {
  return text.length <= maxText ? text : `${text.slice(0, maxText)}…`;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
