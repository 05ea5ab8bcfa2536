// Sending: to the hub, a group, a user or one connection. Every send is 202 once the message is handed to the
// targets; the request's content type decides the message's data type.
import type { ClientConnection } from "../state/connection";
import { contentTypeToDataType } from "../state/messages";
import { noteReach } from "../liveview/observe";
import { HttpFailure } from "./errors";
import { filterParam, param, requireVersion, type Call, type Route } from "./params";
import { send } from "./respond";

export const sendingRoutes: Route[] = [
  {
    method: "POST",
    path: ":send",
    handle: (call) => sendMessage(call, call.hub.connections.values(), { excluded: true, filter: true }),
  },
  {
    method: "POST",
    path: "groups/{group}/:send",
    handle: (call) => {
      const group = param(call, "group");
      sendMessage(call, call.hub.groups.get(group) ?? [], { excluded: true, filter: true, group });
    },
  },
  {
    method: "POST",
    path: "users/{userId}/:send",
    handle: (call) =>
      sendMessage(call, call.hub.users.get(param(call, "userId")) ?? [], { excluded: false, filter: true }),
  },
  {
    method: "POST",
    path: "connections/{connectionId}/:send",
    handle: (call) => {
      const connection = call.hub.connections.get(param(call, "connectionId"));
      sendMessage(call, connection === undefined ? [] : [connection], { excluded: false, filter: false });
    },
  },
];

/**
 * A REST send. One to a group reaches PubSub clients as `from: "group"` with the group's name (and no
 * `fromUserId`), as the response schema says; every other REST send is `from: "server"`.
 */
function sendMessage(
  call: Call,
  targets: Iterable<ClientConnection>,
  allowed: { excluded: boolean; filter: boolean; group?: string },
): void {
  const dataType = contentTypeToDataType(call.req.headers["content-type"]);
  // The REST API takes the three content types of its swagger; protobuf data comes from clients only.
  if (dataType === undefined || dataType === "protobuf") {
    throw new HttpFailure(
      415,
      "Error.UnsupportedMediaType",
      "Content-Type must be text/plain, application/json or application/octet-stream.",
    );
  }
  const payload = call.body ?? Buffer.alloc(0);
  if (dataType === "json") {
    try {
      JSON.parse(payload.toString("utf8"));
    } catch {
      throw new HttpFailure(400, "Error.BadRequest", "The request body is not valid JSON.", "message");
    }
  }
  const expiresAt = checkTtl(call);
  const excludedList = call.url.searchParams.getAll("excluded");
  const excluded = allowed.excluded && excludedList.length > 0 ? new Set(excludedList) : undefined;
  const filter = filterParam(call, allowed.filter);
  const ttlField = expiresAt === undefined ? {} : { expiresAt };
  const message =
    allowed.group === undefined
      ? { dataType, payload, from: "server" as const, ...ttlField }
      : { dataType, payload, from: "group" as const, group: allowed.group, ...ttlField };
  const reached = call.hub.broadcast(targets, message, excluded, filter);
  if (call.hub.observation?.emit !== undefined) noteReach(call.res, reached);
  send(call.res, 202);
}

/** When the message expires (epoch ms), from `messageTtlSeconds`; undefined for none or 0 ("never expires"). */
function checkTtl(call: Call): number | undefined {
  const ttl = call.url.searchParams.get("messageTtlSeconds");
  if (ttl === null) return undefined;
  requireVersion(call, "2023-07-01", "messageTtlSeconds");
  if (!/^\d+$/.test(ttl) || Number(ttl) > 300) {
    throw new HttpFailure(
      400,
      "Error.BadRequest",
      "messageTtlSeconds must be an integer between 0 and 300.",
      "messageTtlSeconds",
    );
  }
  return Number(ttl) === 0 ? undefined : Date.now() + Number(ttl) * 1000;
}
