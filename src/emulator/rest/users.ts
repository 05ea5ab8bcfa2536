// Users: whether one has a connection, and adding or removing all of a user's connections to or from groups.
import { HttpFailure } from "./errors";
import { checkRoom } from "./groups";
import { param, type Call, type Route } from "./params";
import { send } from "./respond";

export const userRoutes: Route[] = [
  {
    method: "HEAD",
    path: "users/{userId}",
    handle: (call) => send(call.res, (connectionsOf(call)?.size ?? 0) > 0 ? 200 : 404),
  },
  {
    method: "DELETE",
    path: "users/{userId}/groups",
    since: { version: "2022-11-01", what: "Removing a user from all groups" },
    handle: (call) => {
      for (const connection of connectionsOf(call) ?? [])
        for (const g of [...connection.groups]) call.hub.leave(connection, g);
      send(call.res, 204);
    },
  },
  {
    method: "PUT",
    path: "users/{userId}/groups/{group}",
    handle: (call) => {
      const connections = connectionsOf(call);
      const group = param(call, "group");
      if (connections === undefined || connections.size === 0) {
        const userId = param(call, "userId");
        throw new HttpFailure(404, "Warning.User.NotExisted", `User '${userId}' has no connection.`);
      }
      checkRoom(call, connections, [group]);
      for (const connection of connections) call.hub.join(connection, group);
      send(call.res, 200);
    },
  },
  {
    method: "DELETE",
    path: "users/{userId}/groups/{group}",
    handle: (call) => {
      const group = param(call, "group");
      for (const connection of connectionsOf(call) ?? []) call.hub.leave(connection, group);
      send(call.res, 204);
    },
  },
];

function connectionsOf(call: Call) {
  return call.hub.users.get(param(call, "userId"));
}
