// What a connected client's frames do: simple clients' frames become `message` events; PubSub clients
// of the json subprotocols (json / reliable) speak the request schema of json.webpubsub.azure.v1.
import type { RawData } from "ws";
import type { ClientConnection } from "../../state/connection";
import { loadProtobuf } from "../protobuf/load";
import { maxDataDepth, tooDeep, type ClientRequest, type Payload, type Requests } from "../websocket/requests";

/** Handles the frames of simple and json-subprotocol client connections. */
export class FrameHandler {
  constructor(private readonly requests: Requests) {}

  async onFrame(connection: ClientConnection, data: RawData, isBinary: boolean): Promise<void> {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (connection.protocol === "simple") {
      const contentType = isBinary ? "application/octet-stream" : "text/plain";
      await this.requests.userEvent(connection, "message", bytes, contentType, undefined);
      return;
    }
    if (isBinary) {
      connection.socket?.close(1003, "Binary frames are not supported by this subprotocol");
      return;
    }
    let message: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(bytes.toString("utf8"));
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      message = parsed as Record<string, unknown>;
    } catch {
      connection.socket?.close(1007, "Invalid message: not a JSON object");
      return;
    }
    const ackId =
      typeof message["ackId"] === "number" && Number.isInteger(message["ackId"]) ? message["ackId"] : undefined;
    const type = message["type"];
    if (type === "ping") {
      connection.sendControl({ type: "pong" });
      return;
    }
    if (type === "sequenceAck") {
      if (typeof message["sequenceId"] === "number") connection.acknowledge(message["sequenceId"]);
      return;
    }
    const request = await this.#request(type, message);
    await this.requests.run(connection, request, ackId);
  }

  async #request(type: unknown, message: Record<string, unknown>): Promise<ClientRequest> {
    switch (type) {
      case "joinGroup":
      case "leaveGroup":
        return { type, group: message["group"] };
      case "sendToGroup":
        return {
          type,
          group: message["group"],
          noEcho: message["noEcho"] === true,
          payload: await encodePayload(message["dataType"], message["data"]),
        };
      case "event":
        return { type, event: message["event"], payload: await encodePayload(message["dataType"], message["data"]) };
      default:
        return { type: "invalid", message: `Unknown message type ${JSON.stringify(type)}.` };
    }
  }
}

async function encodePayload(dataType: unknown, data: unknown): Promise<Payload> {
  // The request schema makes dataType optional: without it the data is JSON.
  switch (dataType ?? "json") {
    case "json":
      if (tooDeep(data, maxDataDepth)) return `The JSON data nests deeper than ${maxDataDepth} levels.`;
      return { dataType: "json", bytes: Buffer.from(JSON.stringify(data ?? null)) };
    case "text":
      if (typeof data !== "string") return "dataType 'text' needs a string 'data'.";
      return { dataType: "text", bytes: Buffer.from(data) };
    case "binary":
      if (typeof data !== "string") return "dataType 'binary' needs base64 'data'.";
      return { dataType: "binary", bytes: Buffer.from(data, "base64") };
    case "protobuf": {
      // reference-protobuf-webpubsub-subprotocol: JSON clients carry protobuf data as a base64 google.protobuf.Any.
      if (typeof data !== "string")
        return "dataType 'protobuf' needs base64 'data' (a serialized google.protobuf.Any).";
      const bytes = Buffer.from(data, "base64");
      const { isAny } = await loadProtobuf();
      if (!isAny(bytes)) return "dataType 'protobuf' needs base64 'data' that is a serialized google.protobuf.Any.";
      return { dataType: "protobuf", bytes };
    }
    default:
      return `Unsupported dataType ${JSON.stringify(dataType)}; use json, text, binary or protobuf.`;
  }
}
