// :generateToken: a client access token for the hub, signed with the emulator's key, for the client type asked.
import { SignJWT } from "jose";
import { HttpFailure } from "./errors";
import { intParam, type Call, type Route } from "./params";
import { send } from "./respond";

export const tokenRoutes: Route[] = [{ method: "POST", path: ":generateToken", handle: generateToken }];

/** Where each client type connects (the token's audience is that URL). */
const clientPaths = new Map([
  ["default", "client/hubs"],
  ["mqtt", "clients/mqtt/hubs"],
  ["socketio", "clients/socketio/hubs"],
]);

async function generateToken(call: Call): Promise<void> {
  const q = call.url.searchParams;
  const minutes =
    q.get("minutesToExpire") === null
      ? 60
      : intParam(q.get("minutesToExpire") as string, "minutesToExpire", 1, 60 * 24 * 365);
  const path = clientPaths.get((q.get("clientType") ?? "Default").toLowerCase());
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
    .setAudience(`${call.core.publicOrigin()}/${path}/${call.hub.name}`);
  const userId = q.get("userId");
  if (userId !== null && userId !== "") jwt.setSubject(userId);
  send(call.res, 200, { token: await jwt.sign(call.core.keyBytes) });
}
