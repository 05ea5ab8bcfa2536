// What a connected client's frames do: simple clients' frames become `message` events; PubSub clients
// (json / reliable subprotocols) speak the request schema of json.webpubsub.azure.v1.
import type { RawData } from "ws";
import type { ClientConnection } from "./connection";
import type { EmulatorCore } from "./core";
import { contentTypeToDataType, type DataType } from "./messages";
import { hasRole } from "./permissions";
import { keepState } from "./upstream";

type AckError = { name: "Forbidden" | "InternalServerError" | "Duplicate" | "BadRequest"; message: string };

/** Handles the frames of client connections. */
export class FrameHandler {
  constructor(private readonly core: EmulatorCore) {}

  async onFrame(connection: ClientConnection, data: RawData, isBinary: boolean): Promise<void> {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (connection.protocol === "simple") {
      await this.#userEvent(connection, "message", bytes, isBinary ? "application/octet-stream" : "text/plain", undefined);
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
    const ackId = typeof message["ackId"] === "number" && Number.isInteger(message["ackId"]) ? (message["ackId"] as number) : undefined;
    const ack = (error?: AckError) => {
      if (ackId === undefined) return;
      connection.sendControl(error === undefined ? { type: "ack", ackId, success: true } : { type: "ack", ackId, success: false, error });
    };
    const type = message["type"];
    if (type === "ping") {
      connection.sendControl({ type: "pong" });
      return;
    }
    if (type === "sequenceAck") {
      if (typeof message["sequenceId"] === "number") connection.acknowledge(message["sequenceId"]);
      return;
    }
    if (ackId !== undefined && !connection.rememberAck(ackId)) {
      ack({ name: "Duplicate", message: `Message with ackId ${ackId} has been processed.` });
      return;
    }
    const hub = this.core.hub(connection.hub);
    switch (type) {
      case "joinGroup":
      case "leaveGroup": {
        const group = message["group"];
        if (!validGroup(group)) return ack({ name: "BadRequest", message: "Invalid group name. Valid group name should be in between 1 and 1024 characters long." });
        if (!hasRole(connection.roles, "joinLeaveGroup", group)) return ack({ name: "Forbidden", message: `The connection has no permission to ${type === "joinGroup" ? "join" : "leave"} group '${group}'.` });
        if (type === "joinGroup") hub.join(connection, group);
        else hub.leave(connection, group);
        return ack();
      }
      case "sendToGroup": {
        const group = message["group"];
        if (!validGroup(group)) return ack({ name: "BadRequest", message: "Invalid group name. Valid group name should be in between 1 and 1024 characters long." });
        const payload = encodePayload(message["dataType"], message["data"]);
        if (typeof payload === "string") return ack({ name: "BadRequest", message: payload });
        if (!hasRole(connection.roles, "sendToGroup", group)) return ack({ name: "Forbidden", message: `The connection has no permission to send to group '${group}'.` });
        const members = hub.groups.get(group);
        if (members !== undefined) {
          const excluded = message["noEcho"] === true ? new Set([connection.connectionId]) : undefined;
          const outgoing = { dataType: payload.dataType, payload: payload.bytes, from: "group" as const, group };
          hub.broadcast(members, connection.userId === null ? outgoing : { ...outgoing, fromUserId: connection.userId }, excluded);
        }
        return ack();
      }
      case "event": {
        const event = message["event"];
        if (typeof event !== "string" || event === "") return ack({ name: "BadRequest", message: "An event message needs a non-empty 'event' name." });
        const payload = encodePayload(message["dataType"], message["data"]);
        if (typeof payload === "string") return ack({ name: "BadRequest", message: payload });
        const contentType = payload.dataType === "json" ? "application/json" : payload.dataType === "text" ? "text/plain" : "application/octet-stream";
        await this.#userEvent(connection, event, payload.bytes, contentType, ack);
        return;
      }
      default:
        this.core.log(`ws ${connection.connectionId} sent an unknown message type ${JSON.stringify(type)}`);
        return ack({ name: "BadRequest", message: `Unknown message type ${JSON.stringify(type)}.` });
    }
  }

  /** A user event: to the event handler when one wants it; its reply goes back to the client. */
  async #userEvent(
    connection: ClientConnection,
    event: string,
    body: Buffer,
    contentType: string,
    ack: ((error?: { name: "InternalServerError"; message: string }) => void) | undefined,
  ): Promise<void> {
    const upstream = this.core.upstream(connection.hub);
    if (upstream === undefined || !upstream.wants("user", event)) {
      ack?.();
      return;
    }
    const result = await upstream.send(connection.hub, connection, `azure.webpubsub.user.${event}`, event, body, contentType);
    if (!result.ok) {
      ack?.({ name: "InternalServerError", message: `The event handler failed with status ${result.status}.` });
      return;
    }
    keepState(connection, result.state);
    ack?.();
    if (result.status !== 200 || result.body.length === 0) return;
    const dataType: DataType = contentTypeToDataType(result.contentType) ?? "binary";
    if (connection.protocol === "simple") {
      connection.sendRaw(dataType === "binary" ? result.body : result.body.toString("utf8"), dataType === "binary");
    } else {
      const data = dataType === "json" ? JSON.parse(result.body.toString("utf8")) : dataType === "text" ? result.body.toString("utf8") : result.body.toString("base64");
      connection.sendControl({ type: "message", from: "server", dataType, data });
    }
  }
}

function encodePayload(dataType: unknown, data: unknown): { dataType: DataType; bytes: Buffer } | string {
  switch (dataType) {
    case "json":
      return { dataType, bytes: Buffer.from(JSON.stringify(data ?? null)) };
    case "text":
      if (typeof data !== "string") return "dataType 'text' needs a string 'data'.";
      return { dataType, bytes: Buffer.from(data) };
    case "binary":
      if (typeof data !== "string") return "dataType 'binary' needs base64 'data'.";
      return { dataType, bytes: Buffer.from(data, "base64") };
    default:
      return `Unsupported dataType ${JSON.stringify(dataType)}; use json, text or binary.`;
  }
}

function validGroup(group: unknown): group is string {
  return typeof group === "string" && group.length >= 1 && group.length <= 1024 && group.trim() !== "";
}
