// Groups: whether one has members, listing them (paged), adding or removing one connection, and adding or
// removing every connection a filter selects (:addToGroups / :removeFromGroups).
import type { ClientConnection } from "../state/connection";
import { compileFilter, FilterSyntaxError, type FilterPredicate } from "../filter/compile";
import { HttpFailure } from "./errors";
import { checkGroup, intParam, param, type Call, type Route } from "./params";
import { send } from "./respond";

export const groupRoutes: Route[] = [
  {
    method: "POST",
    path: ":addToGroups",
    since: { version: "2023-07-01", what: ":addToGroups" },
    handle: (call) => groupsByFilter(call, true),
  },
  {
    method: "POST",
    path: ":removeFromGroups",
    since: { version: "2023-07-01", what: ":removeFromGroups" },
    handle: (call) => groupsByFilter(call, false),
  },
  {
    method: "HEAD",
    path: "groups/{group}",
    handle: (call) => send(call.res, (membersOf(call)?.size ?? 0) > 0 ? 200 : 404),
  },
  {
    method: "GET",
    path: "groups/{group}/connections",
    handle: (call) => listConnections(call, param(call, "group"), [...(membersOf(call) ?? [])]),
  },
  {
    method: "PUT",
    path: "groups/{group}/connections/{connectionId}",
    handle: (call) => {
      const id = param(call, "connectionId");
      const connection = call.hub.connections.get(id);
      if (connection === undefined)
        throw new HttpFailure(404, "Error.Connection.NotExisted", `Connection '${id}' does not exist.`);
      const group = param(call, "group");
      checkRoom(call, [connection], [group]);
      call.hub.join(connection, group);
      send(call.res, 200);
    },
  },
  {
    method: "DELETE",
    path: "groups/{group}/connections/{connectionId}",
    handle: (call) => {
      const connection = call.hub.connections.get(param(call, "connectionId"));
      if (connection !== undefined) call.hub.leave(connection, param(call, "group"));
      send(call.res, 204);
    },
  },
];

function membersOf(call: Call): Set<ClientConnection> | undefined {
  return call.hub.groups.get(param(call, "group"));
}

function groupsByFilter(call: Call, add: boolean): void {
  let parsed: { groups?: unknown; filter?: unknown };
  try {
    parsed = JSON.parse((call.body ?? Buffer.alloc(0)).toString("utf8")) as typeof parsed;
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
      call,
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

function listConnections(call: Call, group: string, members: ClientConnection[]): void {
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
      call.core.publicOrigin(),
    );
    next.searchParams.set("api-version", call.version);
    next.searchParams.set("maxpagesize", String(pageSize));
    if (remainingTop !== undefined) next.searchParams.set("top", String(remainingTop));
    next.searchParams.set("continuationToken", Buffer.from(String(nextOffset)).toString("base64url"));
    nextLink = next.toString();
  }
  send(call.res, 200, nextLink === undefined ? { value } : { value, nextLink });
}

/** 400 before anything changes when a connection would end up in more groups than the emulator allows. */
export function checkRoom(call: Call, connections: Iterable<ClientConnection>, groups: string[]): void {
  const max = call.core.maxGroupsPerConnection;
  for (const connection of connections) {
    if (!call.hub.fits(connection, groups, max)) {
      throw new HttpFailure(
        400,
        "Error.BadRequest",
        `Connection '${connection.connectionId}' would be in more than ${max} groups, the most the emulator allows.`,
        "group",
      );
    }
  }
}
