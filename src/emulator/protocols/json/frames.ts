// What a connected client's frames do: simple clients' frames become `message` events; PubSub clients
// (json / reliable subprotocols) speak the request schema of json.webpubsub.azure.v1.
import type { RawData } from "ws";
import type { ClientConnection } from "../../state/connection";
import type { EmulatorCore } from "../../state/core";
import { contentTypeToDataType, EncodedMessage, type DataType } from "../../state/messages";
import { hasRole } from "../../state/permissions";
import { keepState } from "../../upstream/client";

/**
 * The error names an ack may carry: those of the service's docs (`Forbidden`, `InternalServerError`,
 * `Duplicate`) and of the response schema's enum (`NotFound`, `Timeout`). A request the service would not
 * carry out (no permission, or a frame outside the request schema) is `Forbidden`.
 */
export type AckErrorName = "Forbidden" | "InternalServerError" | "Duplicate" | "NotFound" | "Timeout";
type AckError = { name: AckErrorName; message: string };

/** How deep the JSON `data` of a frame may nest; deeper frames are refused with an ack (they could not be re-encoded). */
export const maxDataDepth = 1000;

const invalidGroup = "Invalid group name. Valid group name should be in between 1 and 1024 characters long.";

/** Handles the frames of client connections. */
export class FrameHandler {
  constructor(
    private readonly core: EmulatorCore,
    /** Closes a connection from the service side (an event handler failed a user event). */
    private readonly drop: (connection: ClientConnection, reason: string) => void,
  ) {}

  async onFrame(connection: ClientConnection, data: RawData, isBinary: boolean): Promise<void> {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (connection.protocol === "simple") {
      await this.#userEvent(
        connection,
        "message",
        bytes,
        isBinary ? "application/octet-stream" : "text/plain",
        undefined,
      );
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
      typeof message["ackId"] === "number" && Number.isInteger(message["ackId"])
        ? (message["ackId"] as number)
        : undefined;
    const ack = (error?: AckError) => {
      if (ackId === undefined) return;
      connection.sendControl(
        error === undefined ? { type: "ack", ackId, success: true } : { type: "ack", ackId, success: false, error },
      );
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
        if (!validGroup(group)) return ack({ name: "Forbidden", message: invalidGroup });
        if (!hasRole(connection.roles, "joinLeaveGroup", group))
          return ack({
            name: "Forbidden",
            message: `The connection has no permission to ${type === "joinGroup" ? "join" : "leave"} group '${group}'.`,
          });
        if (type === "joinGroup" && !hub.fits(connection, [group], this.core.maxGroupsPerConnection)) {
          return ack({
            name: "Forbidden",
            message: `The connection is already in ${this.core.maxGroupsPerConnection} groups, the most the emulator allows.`,
          });
        }
        if (type === "joinGroup") hub.join(connection, group);
        else hub.leave(connection, group);
        return ack();
      }
      case "sendToGroup": {
        const group = message["group"];
        if (!validGroup(group)) return ack({ name: "Forbidden", message: invalidGroup });
        const payload = encodePayload(message["dataType"], message["data"]);
        if (typeof payload === "string") return ack({ name: "Forbidden", message: payload });
        if (!hasRole(connection.roles, "sendToGroup", group))
          return ack({ name: "Forbidden", message: `The connection has no permission to send to group '${group}'.` });
        const members = hub.groups.get(group);
        if (members !== undefined) {
          const excluded = message["noEcho"] === true ? new Set([connection.connectionId]) : undefined;
          const outgoing = { dataType: payload.dataType, payload: payload.bytes, from: "group" as const, group };
          hub.broadcast(
            members,
            connection.userId === null ? outgoing : { ...outgoing, fromUserId: connection.userId },
            excluded,
          );
        }
        return ack();
      }
      case "event": {
        const event = message["event"];
        if (typeof event !== "string" || event === "")
          return ack({ name: "Forbidden", message: "An event message needs a non-empty 'event' name." });
        const payload = encodePayload(message["dataType"], message["data"]);
        if (typeof payload === "string") return ack({ name: "Forbidden", message: payload });
        const contentType =
          payload.dataType === "json"
            ? "application/json"
            : payload.dataType === "text"
              ? "text/plain"
              : "application/octet-stream";
        await this.#userEvent(connection, event, payload.bytes, contentType, ack);
        return;
      }
      default:
        this.core.log(`ws ${connection.connectionId} sent an unknown message type ${JSON.stringify(type)}`);
        return ack({ name: "Forbidden", message: `Unknown message type ${JSON.stringify(type)}.` });
    }
  }

  /**
   * A user event: to the event handler when one wants it; its reply goes back to the client (as a message
   * `from: "server"`, with a sequenceId for reliable clients). Per the CloudEvents reference the connection is
   * dropped when the handler does not answer with success.
   */
  async #userEvent(
    connection: ClientConnection,
    event: string,
    body: Buffer,
    contentType: string,
    ack: ((error?: AckError) => void) | undefined,
  ): Promise<void> {
    const upstream = this.core.upstream(connection.hub);
    if (upstream === undefined || !upstream.wants("user", event)) {
      ack?.();
      return;
    }
    const result = await upstream.send(
      connection.hub,
      connection,
      `azure.webpubsub.user.${event}`,
      event,
      body,
      contentType,
    );
    if (!result.ok && result.tooLarge === true) {
      ack?.({ name: "InternalServerError", message: `The event handler's reply to event '${event}' is too large.` });
      return;
    }
    if (!result.ok) {
      const why =
        result.timedOut === true
          ? "did not answer in time"
          : result.reached === false
            ? "could not be reached"
            : `answered ${result.status}`;
      ack?.({
        name: result.timedOut === true ? "Timeout" : "InternalServerError",
        message: `The event handler ${why} for event '${event}'.`,
      });
      this.drop(connection, `The event handler ${why} for event '${event}'.`);
      return;
    }
    keepState(connection, result.state);
    if (result.status !== 200 || result.body.length === 0) {
      ack?.();
      return;
    }
    const dataType: DataType = contentTypeToDataType(result.contentType) ?? "binary";
    if (dataType === "json" && !isJson(result.body)) {
      ack?.({
        name: "InternalServerError",
        message: `The event handler's reply to event '${event}' is not valid JSON.`,
      });
      return;
    }
    ack?.();
    connection.deliver(new EncodedMessage({ dataType, payload: result.body, from: "server" }));
  }
}

function encodePayload(dataType: unknown, data: unknown): { dataType: DataType; bytes: Buffer } | string {
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
    default:
      return `Unsupported dataType ${JSON.stringify(dataType)}; use json, text or binary.`;
  }
}

/** Whether a parsed JSON value nests deeper than `limit` (iterative: deep input must not exhaust the stack). */
function tooDeep(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== "object" || v === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v))
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

function isJson(bytes: Buffer): boolean {
  try {
    JSON.parse(bytes.toString("utf8"));
    return true;
  } catch {
    return false;
  }
}

function validGroup(group: unknown): group is string {
  return typeof group === "string" && group.length >= 1 && group.length <= 1024 && group.trim() !== "";
}
