// Permissions: granting, revoking and checking a connection's sendToGroup / joinLeaveGroup roles, for one
// group (`targetName`) or all.
import type { ClientConnection } from "../state/connection";
import { grantRole, hasRole, isRoleOf, type PermissionKind } from "../state/permissions";
import { HttpFailure } from "./errors";
import { checkGroup, param, type Call, type Route } from "./params";
import { send } from "./respond";

const path = "permissions/{permission}/connections/{connectionId}";

export const permissionRoutes: Route[] = [
  {
    method: "PUT",
    path,
    handle: (call) => {
      const { kind, connection, targetName } = permissionCall(call);
      if (connection === undefined) {
        const id = param(call, "connectionId");
        throw new HttpFailure(404, "Info.Connection.NotExisted", `Connection '${id}' does not exist.`);
      }
      connection.grantRole(grantRole(kind, targetName));
      send(call.res, 200);
    },
  },
  {
    method: "DELETE",
    path,
    handle: (call) => {
      const { kind, connection, targetName } = permissionCall(call);
      if (connection !== undefined) {
        connection.revokeRole(grantRole(kind, targetName));
        // Without a target the permission is gone for every group, including what a wildcard role granted.
        if (targetName === undefined)
          for (const role of [...connection.roles]) if (isRoleOf(role, kind)) connection.revokeRole(role);
      }
      send(call.res, 204);
    },
  },
  {
    method: "HEAD",
    path,
    handle: (call) => {
      const { kind, connection, targetName } = permissionCall(call);
      const granted =
        connection !== undefined &&
        (targetName === undefined
          ? connection.roles.has(`webpubsub.${kind}`)
          : hasRole(connection.roles, kind, targetName));
      send(call.res, granted ? 200 : 404);
    },
  },
];

/** The permission, connection and target group of a permission call (the route checked the permission's name). */
function permissionCall(call: Call): {
  kind: PermissionKind;
  connection: ClientConnection | undefined;
  targetName: string | undefined;
} {
  const kind = param(call, "permission") as PermissionKind;
  const connection = call.hub.connections.get(param(call, "connectionId"));
  const targetName = call.url.searchParams.get("targetName") ?? undefined;
  if (targetName !== undefined) checkGroup(targetName, "targetName");
  // Wildcard roles exist only in tokens: the permission REST calls do not take patterns (concept-wildcard-group-roles).
  if (targetName !== undefined && /[*?]/.test(targetName)) {
    throw new HttpFailure(
      400,
      "Error.BadRequest",
      `Wildcard patterns are not supported by the permission REST API: targetName '${targetName}' contains ` +
        "'*' or '?'. Grant wildcard roles in the client's token instead.",
      "targetName",
    );
  }
  return { kind, connection, targetName };
}
