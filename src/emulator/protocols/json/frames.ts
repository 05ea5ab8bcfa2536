// PubSub clients (json.webpubsub.azure.v1 and json.reliable.webpubsub.azure.v1): a frame is a request of the
// published request schema (joinGroup, leaveGroup, sendToGroup, event, ping, sequenceAck), answered with an
// ack when it carries an ackId.
import type { ClientConnection } from "../../state/connection";
import type { EmulatorCore } from "../../state/core";
import { hasRole } from "../../state/permissions";
import { sendUserEvent, type Ack, type AckError } from "../websocket/userEvent";
import { contentTypeOf, encodePayload } from "./payload";

const invalidGroup = "Invalid group name. Valid group name should be in between 1 and 1024 characters long.";

type Drop = (connection: ClientConnection, reason: string) => void;
type Request = Record<string, unknown>;

export async function handleJsonFrame(
  core: EmulatorCore,
  drop: Drop,
  connection: ClientConnection,
  bytes: Buffer,
  isBinary: boolean,
): Promise<void> {
  if (isBinary) {
    connection.socket?.close(1003, "Binary frames are not supported by this subprotocol");
    return;
  }
  const message = parseRequest(bytes);
  if (message === undefined) {
    connection.socket?.close(1007, "Invalid message: not a JSON object");
    return;
  }
  const ackId =
    typeof message["ackId"] === "number" && Number.isInteger(message["ackId"]) ? message["ackId"] : undefined;
  const ack = (error?: AckError): void => {
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
  if (ackId !== undefined && !connection.rememberAck(ackId))
    return ack({ name: "Duplicate", message: `Message with ackId ${ackId} has been processed.` });
  switch (type) {
    case "joinGroup":
    case "leaveGroup":
      return joinOrLeave(core, connection, type, message, ack);
    case "sendToGroup":
      return sendToGroup(core, connection, message, ack);
    case "event":
      return userEvent(core, drop, connection, message, ack);
    default:
      core.log(`ws ${connection.connectionId} sent an unknown message type ${JSON.stringify(type)}`);
      return ack({ name: "Forbidden", message: `Unknown message type ${JSON.stringify(type)}.` });
  }
}

function parseRequest(bytes: Buffer): Request | undefined {
  try {
    const parsed: unknown = JSON.parse(bytes.toString("utf8"));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Request) : undefined;
  } catch {
    return undefined;
  }
}

function joinOrLeave(
  core: EmulatorCore,
  connection: ClientConnection,
  type: "joinGroup" | "leaveGroup",
  message: Request,
  ack: NonNullable<Ack>,
): void {
  const group = message["group"];
  if (!validGroup(group)) return ack({ name: "Forbidden", message: invalidGroup });
  if (!hasRole(connection.roles, "joinLeaveGroup", group)) {
    const verb = type === "joinGroup" ? "join" : "leave";
    return ack({ name: "Forbidden", message: `The connection has no permission to ${verb} group '${group}'.` });
  }
  const hub = core.hub(connection.hub);
  if (type === "joinGroup" && !hub.fits(connection, [group], core.maxGroupsPerConnection)) {
    return ack({
      name: "Forbidden",
      message: `The connection is already in ${core.maxGroupsPerConnection} groups, the most the emulator allows.`,
    });
  }
  if (type === "joinGroup") hub.join(connection, group);
  else hub.leave(connection, group);
  ack();
}

function sendToGroup(core: EmulatorCore, connection: ClientConnection, message: Request, ack: NonNullable<Ack>): void {
  const group = message["group"];
  if (!validGroup(group)) return ack({ name: "Forbidden", message: invalidGroup });
  const payload = encodePayload(message["dataType"], message["data"]);
  if (typeof payload === "string") return ack({ name: "Forbidden", message: payload });
  if (!hasRole(connection.roles, "sendToGroup", group))
    return ack({ name: "Forbidden", message: `The connection has no permission to send to group '${group}'.` });
  const hub = core.hub(connection.hub);
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
  ack();
}

async function userEvent(
  core: EmulatorCore,
  drop: Drop,
  connection: ClientConnection,
  message: Request,
  ack: NonNullable<Ack>,
): Promise<void> {
  const event = message["event"];
  if (typeof event !== "string" || event === "")
    return ack({ name: "Forbidden", message: "An event message needs a non-empty 'event' name." });
  const payload = encodePayload(message["dataType"], message["data"]);
  if (typeof payload === "string") return ack({ name: "Forbidden", message: payload });
  const contentType = contentTypeOf(payload.dataType);
  await sendUserEvent(core, drop, connection, { event, body: payload.bytes, contentType }, ack);
}

function validGroup(group: unknown): group is string {
  return typeof group === "string" && group.length >= 1 && group.length <= 1024 && group.trim() !== "";
}
