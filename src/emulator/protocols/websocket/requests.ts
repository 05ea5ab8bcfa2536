// What a PubSub client's requests do, whatever their wire format: join and leave groups, send to a group,
// raise events (to the event handler), each answered with an ack when the client asked for one. The json
// and protobuf subprotocols parse frames into these requests; permissions are checked here, once.
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
export type AckError = { name: AckErrorName; message: string };
export type Ack = (error?: AckError) => void;

/** Data as it travels between protocols; a string is why the client's data was refused. */
export type Payload = { dataType: DataType; bytes: Buffer } | string;

/** A PubSub client's request, parsed from its subprotocol's frame. */
export type ClientRequest =
  | { type: "joinGroup" | "leaveGroup"; group: unknown }
  | { type: "sendToGroup"; group: unknown; noEcho: boolean; payload: Payload }
  | { type: "event"; event: unknown; payload: Payload }
  /** A frame outside the subprotocol's request schema that still names an ack id. */
  | { type: "invalid"; message: string };

/**
 * How deep the JSON `data` of a frame may nest; deeper frames are refused with an ack (they could not be
 * re-encoded).
 */
export const maxDataDepth = 1000;

const invalidGroup = "Invalid group name. Valid group name should be in between 1 and 1024 characters long.";

/** The content type an event handler receives for each data type (reference-cloud-events, protobuf page). */
const contentTypes: Record<DataType, string> = {
  json: "application/json",
  text: "text/plain",
  binary: "application/octet-stream",
  protobuf: "application/x-protobuf",
};

/** Carries out PubSub clients' requests. */
export class Requests {
  constructor(
    private readonly core: EmulatorCore,
    /** Closes a connection from the service side (an event handler failed a user event). */
    private readonly drop: (connection: ClientConnection, reason: string) => void,
  ) {}

  /** Runs a request; with an ack id the client gets an ack (`Duplicate` for an id seen before). */
  async run(connection: ClientConnection, request: ClientRequest, ackId: number | bigint | undefined): Promise<void> {
    const ack: Ack = (error) => {
      if (ackId === undefined) return;
      connection.sendControl(
        error === undefined ? { type: "ack", ackId, success: true } : { type: "ack", ackId, success: false, error },
      );
    };
    if (ackId !== undefined && !connection.rememberAck(ackId)) {
      ack({ name: "Duplicate", message: `Message with ackId ${ackId} has been processed.` });
      return;
    }
    switch (request.type) {
      case "joinGroup":
      case "leaveGroup":
        return ack(this.#joinOrLeave(connection, request.type, request.group));
      case "sendToGroup":
        return ack(this.#sendToGroup(connection, request.group, request.payload, request.noEcho));
      case "event": {
        const { event, payload } = request;
        if (typeof event !== "string" || event === "")
          return ack({ name: "Forbidden", message: "An event message needs a non-empty 'event' name." });
        if (typeof payload === "string") return ack({ name: "Forbidden", message: payload });
        await this.userEvent(connection, event, payload.bytes, contentTypes[payload.dataType], ack);
        return;
      }
      case "invalid":
        this.core.log?.(`ws ${connection.connectionId}: ${request.message}`);
        return ack({ name: "Forbidden", message: request.message });
    }
  }

  #joinOrLeave(connection: ClientConnection, type: "joinGroup" | "leaveGroup", group: unknown): AckError | undefined {
    if (!validGroup(group)) return { name: "Forbidden", message: invalidGroup };
    if (!hasRole(connection.roles, "joinLeaveGroup", group))
      return {
        name: "Forbidden",
        message: `The connection has no permission to ${type === "joinGroup" ? "join" : "leave"} group '${group}'.`,
      };
    const hub = this.core.hub(connection.hub);
    if (type === "joinGroup" && !hub.fits(connection, [group], this.core.maxGroupsPerConnection)) {
      return {
        name: "Forbidden",
        message:
          `The connection is already in ${this.core.maxGroupsPerConnection} groups, ` + "the most the emulator allows.",
      };
    }
    if (type === "joinGroup") hub.join(connection, group);
    else hub.leave(connection, group);
    return undefined;
  }

  #sendToGroup(connection: ClientConnection, group: unknown, payload: Payload, noEcho: boolean): AckError | undefined {
    if (!validGroup(group)) return { name: "Forbidden", message: invalidGroup };
    if (typeof payload === "string") return { name: "Forbidden", message: payload };
    if (!hasRole(connection.roles, "sendToGroup", group))
      return { name: "Forbidden", message: `The connection has no permission to send to group '${group}'.` };
    const hub = this.core.hub(connection.hub);
    const members = hub.groups.get(group);
    if (members !== undefined) {
      const excluded = noEcho ? new Set([connection.connectionId]) : undefined;
      const outgoing = { dataType: payload.dataType, payload: payload.bytes, from: "group" as const, group };
      hub.broadcast(
        members,
        connection.userId === null ? outgoing : { ...outgoing, fromUserId: connection.userId },
        excluded,
      );
    }
    return undefined;
  }

  /**
   * A user event: to the event handler when one wants it; its reply goes back to the client (as a message
   * `from: "server"`, with a sequenceId for reliable clients). Per the CloudEvents reference the connection is
   * dropped when the handler does not answer with success.
   */
  async userEvent(
    connection: ClientConnection,
    event: string,
    body: Buffer,
    contentType: string,
    ack: Ack | undefined,
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

export function isJson(bytes: Buffer): boolean {
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

/** Whether a parsed JSON value nests deeper than `limit` (iterative: deep input must not exhaust the stack). */
export function tooDeep(value: unknown, limit: number): boolean {
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
