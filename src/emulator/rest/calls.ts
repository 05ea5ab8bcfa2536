// The REST calls that do more than a lookup: sends, closes, group changes by filter, paging, tokens.
import { SignJWT } from "jose";
import type { ClientConnection } from "../state/connection";
import type { EmulatorCore } from "../state/core";
import { compileFilter, FilterSyntaxError, type FilterPredicate } from "../filter/compile";
import { HttpFailure, send } from "./http";
import type { Hub } from "../state/hub";
import { contentTypeToDataType } from "../state/messages";
import { noteReach } from "../liveview/observe";
import { checkGroup, filterParam, intParam, requireVersion, type Call } from "./params";
import type { ClientEndpoint } from "../protocols/websocket/endpoint";

/**
 * A REST send. One to a group reaches PubSub clients as `from: "group"` with the group's name (and no
 * `fromUserId`), as the response schema says; every other REST send is `from: "server"`.
 */
export function sendMessage(
  call: Call,
  targets: Iterable<ClientConnection>,
  body: Buffer | undefined,
  allowed: { excluded: boolean; filter: boolean; group?: string },
): void {
  const dataType = contentTypeToDataType(call.req.headers["content-type"]);
  if (dataType === undefined) {
    throw new HttpFailure(
      415,
      "Error.UnsupportedMediaType",
      "Content-Type must be text/plain, application/json or application/octet-stream.",
    );
  }
  const payload = body ?? Buffer.alloc(0);
  if (dataType === "json") {
    try {
      JSON.parse(payload.toString("utf8"));
    } catch {
      throw new HttpFailure(400, "Error.BadRequest", "The request body is not valid JSON.", "message");
    }
  }
  const ttl = call.url.searchParams.get("messageTtlSeconds");
  if (ttl !== null) {
    requireVersion(call, "2023-07-01", "messageTtlSeconds");
    if (!/^\d+$/.test(ttl) || Number(ttl) > 300) {
      throw new HttpFailure(
        400,
        "Error.BadRequest",
        "messageTtlSeconds must be an integer between 0 and 300.",
        "messageTtlSeconds",
      );
    }
  }
  // 0 (the default) means the message never expires.
  const expiresAt = ttl === null || Number(ttl) === 0 ? undefined : Date.now() + Number(ttl) * 1000;
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

export function closeConnections(clients: ClientEndpoint, call: Call, targets: ClientConnection[]): void {
  const excluded = new Set(call.url.searchParams.getAll("excluded"));
  const reason = call.url.searchParams.get("reason") ?? undefined;
  for (const connection of targets) if (!excluded.has(connection.connectionId)) clients.close(connection, reason);
  send(call.res, 204);
}

export function groupsByFilter(core: EmulatorCore, call: Call, add: boolean, body: Buffer | undefined): void {
  requireVersion(call, "2023-07-01", add ? ":addToGroups" : ":removeFromGroups");
  let parsed: { groups?: unknown; filter?: unknown };
  try {
    parsed = JSON.parse((body ?? Buffer.alloc(0)).toString("utf8")) as typeof parsed;
    // `null` parses fine but is no object (reading .groups from it used to answer 500).
    if (typeof parsed !== "object" || parsed === null) throw new TypeError("not an object");
  } catch {
    throw new HttpFailure(
      400,
      "Error.BadRequest",
      'The request body must be JSON: {"groups": [...], "filter": "..."}.',
      "groupsToAdd",
    );
  }
  if (!Array.isArray(parsed.groups) || parsed.groups.length === 0)
    throw new HttpFailure(400, "Error.BadRequest", "groups must be a non-empty array.", "groups");
  const groups = parsed.groups.map((g) => checkGroup(g));
  let filter: FilterPredicate | undefined;
  if (parsed.filter !== undefined && parsed.filter !== null) {
    if (typeof parsed.filter !== "string")
      throw new HttpFailure(400, "Error.BadRequest", "filter must be a string.", "filter");
    try {
      filter = compileFilter(parsed.filter);
    } catch (error) {
      if (error instanceof FilterSyntaxError)
        throw new HttpFailure(400, "Error.BadRequest", `${error.message} (Parameter 'filter')`, "filter");
      throw error;
    }
  }
  if (add)
    checkRoom(
      core,
      call.hub,
      [...call.hub.connections.values()].filter((c) => filter === undefined || filter(c)),
      groups,
    );
  for (const connection of call.hub.connections.values()) {
    if (filter !== undefined && !filter(connection)) continue;
    for (const g of groups) {
      if (add) call.hub.join(connection, g);
      else call.hub.leave(connection, g);
    }
  }
  send(call.res, 200);
}

export function listConnections(core: EmulatorCore, call: Call, group: string, members: ClientConnection[]): void {
  const q = call.url.searchParams;
  const pageSize =
    q.get("maxpagesize") === null ? 100 : intParam(q.get("maxpagesize") as string, "maxpagesize", 1, 200);
  const top = q.get("top") === null ? undefined : intParam(q.get("top") as string, "top", 1, Number.MAX_SAFE_INTEGER);
  const token = q.get("continuationToken");
  let offset = 0;
  if (token !== null) {
    const decoded = Number(Buffer.from(token, "base64url").toString("utf8"));
    if (!Number.isInteger(decoded) || decoded < 0)
      throw new HttpFailure(400, "Error.BadRequest", "Invalid continuationToken.", "continuationToken");
    offset = decoded;
  }
  const take = Math.min(pageSize, top ?? Number.POSITIVE_INFINITY);
  const page = members.slice(offset, offset + take);
  const value = page.map((m) =>
    m.userId === null ? { connectionId: m.connectionId } : { connectionId: m.connectionId, userId: m.userId },
  );
  const nextOffset = offset + page.length;
  const remainingTop = top === undefined ? undefined : top - page.length;
  let nextLink: string | undefined;
  if (nextOffset < members.length && (remainingTop === undefined || remainingTop > 0)) {
    const next = new URL(
      `/api/hubs/${encodeURIComponent(call.hub.name)}/groups/${encodeURIComponent(group)}/connections`,
      core.publicOrigin(),
    );
    next.searchParams.set("api-version", call.version);
    next.searchParams.set("maxpagesize", String(pageSize));
    if (remainingTop !== undefined) next.searchParams.set("top", String(remainingTop));
    next.searchParams.set("continuationToken", Buffer.from(String(nextOffset)).toString("base64url"));
    nextLink = next.toString();
  }
  send(call.res, 200, nextLink === undefined ? { value } : { value, nextLink });
}

export async function generateToken(core: EmulatorCore, call: Call): Promise<void> {
  const q = call.url.searchParams;
  const minutes =
    q.get("minutesToExpire") === null
      ? 60
      : intParam(q.get("minutesToExpire") as string, "minutesToExpire", 1, 60 * 24 * 365);
  const clientType = (q.get("clientType") ?? "Default").toLowerCase();
  const path =
    clientType === "mqtt"
      ? "clients/mqtt/hubs"
      : clientType === "socketio"
        ? "clients/socketio/hubs"
        : clientType === "default"
          ? "client/hubs"
          : undefined;
  if (path === undefined)
    throw new HttpFailure(400, "Error.BadRequest", "clientType must be Default, MQTT or SocketIO.", "clientType");
  const claims: Record<string, unknown> = {};
  const roles = q.getAll("role");
  const groups = q.getAll("group");
  if (roles.length > 0) claims["role"] = roles;
  if (groups.length > 0) claims["webpubsub.group"] = groups;
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(`${minutes}m`)
    .setAudience(`${core.publicOrigin()}/${path}/${call.hub.name}`);
  const userId = q.get("userId");
  if (userId !== null && userId !== "") jwt.setSubject(userId);
  send(call.res, 200, { token: await jwt.sign(core.keyBytes) });
}

/** 400 before anything changes when a connection would end up in more groups than the emulator allows. */
export function checkRoom(
  core: EmulatorCore,
  hub: Hub,
  connections: Iterable<ClientConnection>,
  groups: string[],
): void {
  for (const connection of connections) {
    if (!hub.fits(connection, groups, core.maxGroupsPerConnection)) {
      throw new HttpFailure(
        400,
        "Error.BadRequest",
        `Connection '${connection.connectionId}' would be in more than ${core.maxGroupsPerConnection} groups, the most the emulator allows.`,
        "group",
      );
    }
  }
}
