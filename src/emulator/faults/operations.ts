// REST calls by the name `@azure/web-pubsub` gives them, so a fault rule says `operation: "sendToAll"` rather
// than a path. Every row of the emulator's route table (rest/routes.ts) has a name here (a test checks it).

const table = [
  ["POST", ":send", "sendToAll"],
  ["POST", "groups/{group}/:send", "group.sendToAll"],
  ["POST", "users/{userId}/:send", "sendToUser"],
  ["POST", "connections/{connectionId}/:send", "sendToConnection"],
  ["HEAD", "connections/{connectionId}", "connectionExists"],
  ["DELETE", "connections/{connectionId}", "closeConnection"],
  ["POST", ":closeConnections", "closeAllConnections"],
  ["POST", "users/{userId}/:closeConnections", "closeUserConnections"],
  ["POST", "groups/{group}/:closeConnections", "group.closeAllConnections"],
  ["DELETE", "connections/{connectionId}/groups", "removeConnectionFromAllGroups"],
  ["DELETE", "users/{userId}/groups", "removeUserFromAllGroups"],
  ["POST", ":addToGroups", "addConnectionsToGroups"],
  ["POST", ":removeFromGroups", "removeConnectionsFromGroups"],
  ["HEAD", "groups/{group}", "groupExists"],
  ["HEAD", "users/{userId}", "userExists"],
  ["PUT", "groups/{group}/connections/{connectionId}", "group.addConnection"],
  ["DELETE", "groups/{group}/connections/{connectionId}", "group.removeConnection"],
  ["GET", "groups/{group}/connections", "group.listConnections"],
  ["PUT", "users/{userId}/groups/{group}", "group.addUser"],
  ["DELETE", "users/{userId}/groups/{group}", "group.removeUser"],
  ["PUT", "permissions/{permission}/connections/{connectionId}", "grantPermission"],
  ["DELETE", "permissions/{permission}/connections/{connectionId}", "revokePermission"],
  ["HEAD", "permissions/{permission}/connections/{connectionId}", "hasPermission"],
  ["POST", ":generateToken", "getClientAccessToken"],
] as const;

/** A REST call by its `@azure/web-pubsub` method name. */
export type RestOperation = (typeof table)[number][2];

export const restOperations: readonly RestOperation[] = table.map((row) => row[2]);

/** `METHOD path` of each row (the route table's spelling), for the test that checks the table is complete. */
export const operationKeys: ReadonlyMap<string, RestOperation> = new Map(table.map(([m, p, op]) => [`${m} ${p}`, op]));

const patterns = table.map(([method, path, operation]) => ({
  method: method,
  operation,
  segments: path.split("/").map((s) => (s.startsWith("{") ? undefined : s)),
}));

/**
 * The operation a REST request is, from its method and the raw path segments after `/api/hubs/{hub}/`;
 * undefined when no call has that shape.
 */
export function operationOf(method: string, segments: readonly string[]): RestOperation | undefined {
  for (const p of patterns) {
    if (p.method !== method || p.segments.length !== segments.length) continue;
    if (p.segments.every((literal, i) => literal === undefined || literal === segments[i])) return p.operation;
  }
  return undefined;
}
