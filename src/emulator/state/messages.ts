// How a message becomes frames for each kind of client, encoded once per send and shared by every
// recipient of the same kind.
import type { MqttOrigin } from "../protocols/mqtt/origin";

/** `protobuf` data is a serialized google.protobuf.Any, carried as those bytes by every protocol. */
export type DataType = "json" | "text" | "binary" | "protobuf";

/** A message on its way to clients. */
export interface OutgoingMessage {
  dataType: DataType;
  /** Raw bytes for binary, the UTF-8 text for text and json, the serialized Any for protobuf. */
  payload: Buffer;
  from: "server" | "group";
  group?: string;
  fromUserId?: string;
  /** Set when an MQTT client published it: its QoS and the MQTT properties other MQTT clients receive. */
  mqtt?: MqttOrigin;
  /**
   * When a REST send's `messageTtlSeconds` runs out (epoch ms): a copy still waiting for a slow client or
   * for a reliable client's recovery is dropped then. Absent: never expires.
   */
  expiresAt?: number;
}

/** What a client connection received, as seen by `emulator.nextMessage()` (decoded, protocol-independent). */
export interface ReceivedMessage {
  from: "server" | "group";
  group?: string;
  fromUserId?: string;
  dataType: DataType;
  /** The parsed value for json, a string for text, a Buffer for binary and protobuf (the serialized Any). */
  data: unknown;
}

export function contentTypeToDataType(contentType: string | undefined): DataType | undefined {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (type === "application/json") return "json";
  if (type === "text/plain") return "text";
  if (type === "application/octet-stream") return "binary";
  // reference-mqtt-cross-protocol-communication; also the protobuf reference page's event content type.
  if (type === "application/x-protobuf") return "protobuf";
  return undefined;
}

/** Lazily encoded frames of one message: a simple-client frame and a JSON-subprotocol envelope. */
export class EncodedMessage {
  #json: string | undefined;
  constructor(readonly message: OutgoingMessage) {}

  /** The frame a client without subprotocol gets: the payload as is (binary frames for binary). */
  get simple(): { data: Buffer; binary: boolean } {
    const { dataType, payload } = this.message;
    return { data: payload, binary: dataType === "binary" || dataType === "protobuf" };
  }

  /** The `json.webpubsub.azure.v1` envelope (without sequenceId). */
  get json(): string {
    this.#json ??= envelope(this.message, undefined);
    return this.#json;
  }

  /** The envelope with a sequence id (reliable subprotocol). */
  withSequence(sequenceId: number): string {
    return envelope(this.message, sequenceId);
  }
}

function envelope(m: OutgoingMessage, sequenceId: number | undefined): string {
  let data: string;
  if (m.dataType === "json") data = m.payload.length === 0 ? "null" : m.payload.toString("utf8");
  else if (m.dataType === "text") data = JSON.stringify(m.payload.toString("utf8"));
  else data = JSON.stringify(m.payload.toString("base64"));
  let head = `{"sequenceId":${sequenceId ?? 0},"type":"message","from":"${m.from}"`;
  if (sequenceId === undefined) head = `{"type":"message","from":"${m.from}"`;
  if (m.group !== undefined) head += `,"group":${JSON.stringify(m.group)}`;
  if (m.fromUserId !== undefined) head += `,"fromUserId":${JSON.stringify(m.fromUserId)}`;
  return `${head},"dataType":"${m.dataType}","data":${data}}`;
}

export function decode(m: OutgoingMessage): ReceivedMessage {
  const data =
    m.dataType === "binary" || m.dataType === "protobuf"
      ? m.payload
      : m.dataType === "text"
        ? m.payload.toString("utf8")
        : safeJson(m.payload.toString("utf8"));
  const out: ReceivedMessage = { from: m.from, dataType: m.dataType, data };
  if (m.group !== undefined) out.group = m.group;
  if (m.fromUserId !== undefined) out.fromUserId = m.fromUserId;
  return out;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
