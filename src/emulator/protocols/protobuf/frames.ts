// What a protobuf client's frames do: each is an UpstreamMessage, turned into the same requests the json
// subprotocols make (websocket/requests.ts checks and carries them out).
import type { RawData } from "ws";
import type { ClientConnection } from "../../state/connection";
import { maxDataDepth, tooDeep, type ClientRequest, type Payload, type Requests } from "../websocket/requests";
import { decodeUpstream, payloadOf } from "./codec";
import type { MessageData, UpstreamMessage } from "./webpubsub.v1_pb";

/** Handles the frames of protobuf-subprotocol connections. */
export class ProtobufFrames {
  constructor(private readonly requests: Requests) {}

  async onFrame(connection: ClientConnection, data: RawData): Promise<void> {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    let upstream: UpstreamMessage;
    try {
      upstream = decodeUpstream(bytes);
    } catch {
      // reference-protobuf-webpubsub-subprotocol: "The service declines the client if the message doesn't
      // match the prescribed format."
      connection.socket?.close(1007, "Invalid message: not a protobuf UpstreamMessage");
      return;
    }
    const { case: kind, value } = upstream.message;
    if (kind === undefined) {
      connection.socket?.close(1007, "Invalid message: an UpstreamMessage with no known message in it");
      return;
    }
    if (kind === "sequenceAckMessage") {
      const id = value.sequenceId;
      connection.acknowledge(id > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(id));
      return;
    }
    await this.requests.run(connection, request(upstream.message), value.ackId);
  }
}

function request(
  message: Exclude<UpstreamMessage["message"], { case: undefined | "sequenceAckMessage" }>,
): ClientRequest {
  switch (message.case) {
    case "joinGroupMessage":
      return { type: "joinGroup", group: message.value.group };
    case "leaveGroupMessage":
      return { type: "leaveGroup", group: message.value.group };
    case "sendToGroupMessage": {
      const { group, noEcho, data } = message.value;
      return { type: "sendToGroup", group, noEcho: noEcho === true, payload: payload(data) };
    }
    case "eventMessage":
      return { type: "event", event: message.value.event, payload: payload(message.value.data) };
  }
}

function payload(data: MessageData | undefined): Payload {
  const p = payloadOf(data);
  if (p === undefined) return "The message needs data: text_data, binary_data, protobuf_data or json_data.";
  if (p.dataType === "json") {
    let value: unknown;
    try {
      value = JSON.parse(p.bytes.toString("utf8"));
    } catch {
      return "json_data is not valid JSON.";
    }
    if (tooDeep(value, maxDataDepth)) return `The JSON data nests deeper than ${maxDataDepth} levels.`;
  }
  return p;
}

const requestTypes = {
  joinGroupMessage: "joinGroup",
  leaveGroupMessage: "leaveGroup",
  sendToGroupMessage: "sendToGroup",
  eventMessage: "event",
  sequenceAckMessage: "sequenceAck",
} as const;

/** What a frame asks for, for the live view, in the json frames' terms (type, group, event, data type, ids). */
export function describeFrame(bytes: Buffer): Record<string, unknown> {
  let message: UpstreamMessage["message"];
  try {
    message = decodeUpstream(bytes).message;
  } catch {
    return { type: "invalid protobuf" };
  }
  if (message.case === undefined) return { type: "unknown protobuf message" };
  const out: Record<string, unknown> = { type: requestTypes[message.case] };
  const v = message.value;
  if ("group" in v) out["group"] = v.group.slice(0, 300);
  if ("event" in v) out["event"] = v.event.slice(0, 300);
  if ("data" in v) out["dataType"] = payloadOf(v.data)?.dataType ?? "none";
  if ("ackId" in v && v.ackId !== undefined) out["ackId"] = Number(v.ackId);
  if ("sequenceId" in v) out["sequenceId"] = Number(v.sequenceId);
  if ("noEcho" in v && v.noEcho === true) out["noEcho"] = true;
  return out;
}
