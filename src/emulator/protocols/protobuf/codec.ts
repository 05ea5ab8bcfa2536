// The emulator's side of the protobuf subprotocols: protocol-neutral values in, DownstreamMessage bytes out,
// and UpstreamMessage bytes in. Built on the code generated from webpubsub.v1.proto (@bufbuild/protobuf);
// loaded only when a protobuf client connects or protobuf data must be checked (see load.ts).
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { AnySchema } from "@bufbuild/protobuf/wkt";
import type { DataType, OutgoingMessage } from "../../state/messages";
import {
  DownstreamMessage_DataMessageSchema,
  DownstreamMessage_SystemMessage_ConnectedMessageSchema,
  DownstreamMessageSchema,
  MessageDataSchema,
  UpstreamMessageSchema,
  type MessageData,
  type UpstreamMessage,
} from "./webpubsub.v1_pb";

/** Nested messages deeper than this are refused while decoding (a frame cannot exhaust the stack). */
const readOptions = { readUnknownFields: false, maxRecursionDepth: 32 } as const;

/** Decodes a client's frame; throws when the bytes are not an UpstreamMessage. */
export function decodeUpstream(bytes: Uint8Array): UpstreamMessage {
  return fromBinary(UpstreamMessageSchema, bytes, readOptions);
}

/** Whether bytes are a serialized google.protobuf.Any (what `protobuf` data is, in every protocol). */
export function isAny(bytes: Uint8Array): boolean {
  try {
    fromBinary(AnySchema, bytes, readOptions);
    return true;
  } catch {
    return false;
  }
}

/** A client's MessageData as a data type and the bytes every other protocol carries (protobuf: the Any). */
export function payloadOf(data: MessageData | undefined): { dataType: DataType; bytes: Buffer } | undefined {
  switch (data?.data.case) {
    case "textData":
      return { dataType: "text", bytes: Buffer.from(data.data.value) };
    case "jsonData":
      return { dataType: "json", bytes: Buffer.from(data.data.value) };
    case "binaryData":
      return { dataType: "binary", bytes: Buffer.from(data.data.value) };
    case "protobufData":
      return { dataType: "protobuf", bytes: Buffer.from(toBinary(AnySchema, data.data.value)) };
    default:
      return undefined;
  }
}

/** How each data type travels to a protobuf client (webpubsub.v1.proto, note 1: JSON as json_data). */
function messageData(m: OutgoingMessage): MessageData {
  switch (m.dataType) {
    case "text":
      return create(MessageDataSchema, { data: { case: "textData", value: m.payload.toString("utf8") } });
    case "json":
      return create(MessageDataSchema, {
        data: { case: "jsonData", value: m.payload.length === 0 ? "null" : m.payload.toString("utf8") },
      });
    case "protobuf":
      // Protobuf data from a JSON or MQTT client is checked to be an Any where it enters; a payload that is
      // not one still reaches the client, as the bytes it is.
      if (isAny(m.payload))
        return create(MessageDataSchema, {
          data: { case: "protobufData", value: fromBinary(AnySchema, m.payload) },
        });
      return create(MessageDataSchema, { data: { case: "binaryData", value: m.payload } });
    case "binary":
      return create(MessageDataSchema, { data: { case: "binaryData", value: m.payload } });
  }
}

type DownstreamInit = NonNullable<MessageInitShape<typeof DownstreamMessageSchema>["message"]>;

function downstream(message: DownstreamInit): Uint8Array {
  return toBinary(DownstreamMessageSchema, create(DownstreamMessageSchema, { message }));
}

/** A DataMessage: from a group or the server, with a sequence id on reliable connections. */
export function encodeData(m: OutgoingMessage, sequenceId?: number): Uint8Array {
  const value: MessageInitShape<typeof DownstreamMessage_DataMessageSchema> = { from: m.from, data: messageData(m) };
  if (m.group !== undefined) value.group = m.group;
  if (sequenceId !== undefined) value.sequenceId = BigInt(sequenceId);
  return downstream({ case: "dataMessage", value });
}

/** An AckMessage; the ack id is echoed as the 64 bits the client sent. */
export function encodeAck(ackId: bigint, error?: { name: string; message: string }): Uint8Array {
  return downstream({
    case: "ackMessage",
    value: error === undefined ? { ackId, success: true } : { ackId, success: false, error },
  });
}

/** The `connected` system message (a user id only when the connection has one; a token only when reliable). */
export function encodeConnected(connectionId: string, userId: string | null, reconnectionToken?: string): Uint8Array {
  const value: MessageInitShape<typeof DownstreamMessage_SystemMessage_ConnectedMessageSchema> = { connectionId };
  if (userId !== null) value.userId = userId;
  if (reconnectionToken !== undefined) value.reconnectionToken = reconnectionToken;
  return downstream({ case: "systemMessage", value: { message: { case: "connectedMessage", value } } });
}

/** The `disconnected` system message. */
export function encodeDisconnected(reason: string): Uint8Array {
  return downstream({
    case: "systemMessage",
    value: { message: { case: "disconnectedMessage", value: { reason } } },
  });
}
