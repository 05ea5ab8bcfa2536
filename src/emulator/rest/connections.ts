// Connections: whether one exists, closing one or many (hub, group, user), and taking one out of all groups.
import type { ClientConnection } from "../state/connection";
import { param, type Call, type Route } from "./params";
import { send } from "./respond";

export const connectionRoutes: Route[] = [
  {
    method: "POST",
    path: ":closeConnections",
    handle: (call) => closeConnections(call, [...call.hub.connections.values()]),
  },
  {
    method: "POST",
    path: "groups/{group}/:closeConnections",
    handle: (call) => closeConnections(call, [...(call.hub.groups.get(param(call, "group")) ?? [])]),
  },
  {
    method: "POST",
    path: "users/{userId}/:closeConnections",
    handle: (call) => closeConnections(call, [...(call.hub.users.get(param(call, "userId")) ?? [])]),
  },
  {
    method: "HEAD",
    path: "connections/{connectionId}",
    handle: (call) => send(call.res, connectionOf(call) !== undefined ? 200 : 404),
  },
  {
    method: "DELETE",
    path: "connections/{connectionId}",
    handle: (call) => {
      const connection = connectionOf(call);
      if (connection !== undefined) call.clients.close(connection, call.url.searchParams.get("reason") ?? undefined);
      send(call.res, 204);
    },
  },
  {
    method: "DELETE",
    path: "connections/{connectionId}/groups",
    since: { version: "2022-11-01", what: "Removing a connection from all groups" },
    handle: (call) => {
      const connection = connectionOf(call);
      if (connection !== undefined) for (const g of [...connection.groups]) call.hub.leave(connection, g);
      send(call.res, 204);
    },
  },
];

function connectionOf(call: Call): ClientConnection | undefined {
  return call.hub.connections.get(param(call, "connectionId"));
}

function closeConnections(call: Call, targets: ClientConnection[]): void {
  const excluded = new Set(call.url.searchParams.getAll("excluded"));
  const reason = call.url.searchParams.get("reason") ?? undefined;
  for (const connection of targets) if (!excluded.has(connection.connectionId)) call.clients.close(connection, reason);
  send(call.res, 204);
}
