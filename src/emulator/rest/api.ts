// The REST data plane: routing, authentication and the simple lookups; bigger calls live in calls.ts.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { bearer, TokenRejected, verifyToken } from "../auth/token";
import type { EmulatorCore } from "../state/core";
import { reachOf } from "../liveview/observe";
import { validHostHeader } from "../auth/endpoint";
import { HttpFailure, readBody, send, sendFailure, supportedApiVersions } from "./http";
import { grantRole, hasRole, isRoleOf, type PermissionKind } from "../state/permissions";
import { checkRoom, closeConnections, generateToken, groupsByFilter, listConnections, sendMessage } from "./calls";
import { checkGroup, checkId, requireVersion, safeDecode, versionRank, type Call } from "./params";
import type { ClientEndpoint } from "../protocols/websocket/endpoint";

const hubPattern = /^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$/;

/** The REST data plane at `/api/...`, with the service's status codes and error bodies. */
export class RestApi {
  constructor(
    private readonly core: EmulatorCore,
    private readonly clients: ClientEndpoint,
    private readonly maxBodyBytes: number,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const emit = this.core.observation.emit;
    if (emit === undefined) return this.#handle(req, res);
    const t0 = performance.now();
    await this.#handle(req, res);
    emit({
      kind: "rest",
      hub: hubOf(req),
      method: req.method ?? "GET",
      path: req.url ?? "/",
      status: res.statusCode,
      ms: performance.now() - t0,
      ...reachOf(res),
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Every response names its request, as the service's do (RestError.requestId, logger events).
    res.setHeader("x-ms-request-id", randomUUID());
    try {
      await this.#route(req, res);
    } catch (error) {
      if (error instanceof HttpFailure) {
        this.core.log(`${req.method} ${pathOf(req)} → ${error.status} ${error.code}`);
        sendFailure(req, res, error);
        return;
      }
      this.core.log(`${req.method} ${pathOf(req)} → 500: ${(error as Error).message}`);
      sendFailure(
        req,
        res,
        new HttpFailure(500, "Error.InternalServerError", "The emulator failed to process the request."),
      );
    }
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The Host header plays no part in routing or authentication, but a malformed one is the client's mistake.
    if (!validHostHeader(req.headers.host))
      throw new HttpFailure(400, "Error.BadRequest", "The Host header is not a valid host[:port].");
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    if (url.pathname === "/api/health") {
      if (method !== "HEAD" && method !== "GET")
        throw new HttpFailure(405, "Error.MethodNotAllowed", "Use HEAD or GET.");
      send(res, 200);
      return;
    }
    const raw = url.pathname.split("/");
    // ["", "api", "hubs", "{hub}", ...]
    if (raw[1] !== "api" || raw[2] !== "hubs" || raw[3] === undefined || raw[3] === "") {
      throw new HttpFailure(404, "Error.NotFound", `No REST route at ${url.pathname}.`);
    }
    const segments = raw.slice(4).map((s) => safeDecode(s));
    const hubName = safeDecode(raw[3]);
    const version = url.searchParams.get("api-version");
    if (version === null)
      throw new HttpFailure(400, "Error.BadRequest", "The api-version query parameter is required.", "api-version");
    if (!versionRank.has(version)) {
      throw new HttpFailure(
        400,
        "Error.UnsupportedApiVersion",
        `The api-version '${version}' is not supported; use one of ${supportedApiVersions.join(", ")}.`,
        "api-version",
      );
    }
    await this.#authenticate(req, url);
    if (!hubPattern.test(hubName)) {
      throw new HttpFailure(
        400,
        "Error.BadRequest",
        "Invalid hub name. The hub must start with a letter and contain only letters, digits and _`,.[] (at most 128 characters).",
        "hub",
      );
    }
    const body = method === "POST" || method === "PUT" ? await readBody(req, this.maxBodyBytes) : undefined;
    const call: Call = { req, res, url, version, hub: this.core.hub(hubName), segments };
    try {
      await this.#dispatch(call, method, body);
    } finally {
      this.core.prune(call.hub);
    }
    this.core.log(`${method} ${url.pathname} → ${res.statusCode}`);
  }

  async #authenticate(req: IncomingMessage, url: URL): Promise<void> {
    const token = bearer(req.headers.authorization);
    if (token === undefined) throw new HttpFailure(401, "Error.Unauthorized", "Missing bearer token.");
    // The audience is the request URL at the emulator's own endpoint, with or without the query.
    const audiences = this.core
      .origins()
      .flatMap((origin) => [`${origin}${url.pathname}${url.search}`, `${origin}${url.pathname}`]);
    try {
      await verifyToken(token, this.core.keyBytes, audiences);
    } catch (error) {
      if (error instanceof TokenRejected)
        throw new HttpFailure(401, "Error.Unauthorized", `Unauthorized: ${error.message}.`);
      throw error;
    }
  }

  async #dispatch(call: Call, method: string, body: Buffer | undefined): Promise<void> {
    const [a, b, c, d, e] = call.segments;
    const n = call.segments.length;
    const { hub, res } = call;
    const route = `${method} ${n}`;
    // Hub-level actions.
    if (n === 1 && method === "POST") {
      switch (a) {
        case ":send":
          return sendMessage(call, hub.connections.values(), body, { excluded: true, filter: true });
        case ":closeConnections":
          return closeConnections(this.clients, call, [...hub.connections.values()]);
        case ":addToGroups":
        case ":removeFromGroups":
          return groupsByFilter(this.core, call, a === ":addToGroups", body);
        case ":generateToken":
          return generateToken(this.core, call);
      }
    }
    if (a === "groups" && b !== undefined) {
      const group = checkGroup(b);
      const members = hub.groups.get(group);
      if (n === 3 && c === ":send" && method === "POST")
        return sendMessage(call, members ?? [], body, { excluded: true, filter: true, group });
      if (n === 3 && c === ":closeConnections" && method === "POST")
        return closeConnections(this.clients, call, [...(members ?? [])]);
      if (n === 2 && method === "HEAD") return send(res, members !== undefined && members.size > 0 ? 200 : 404);
      if (n === 3 && c === "connections" && method === "GET")
        return listConnections(this.core, call, group, [...(members ?? [])]);
      if (n === 4 && c === "connections" && d !== undefined) {
        const connection = hub.connections.get(checkId(d, "connectionId"));
        if (method === "PUT") {
          if (connection === undefined)
            throw new HttpFailure(404, "Error.Connection.NotExisted", `Connection '${d}' does not exist.`);
          checkRoom(this.core, hub, [connection], [group]);
          hub.join(connection, group);
          return send(res, 200);
        }
        if (method === "DELETE") {
          if (connection !== undefined) hub.leave(connection, group);
          return send(res, 204);
        }
      }
    }
    if (a === "users" && b !== undefined) {
      const userId = checkId(b, "userId");
      const connections = hub.users.get(userId);
      if (n === 3 && c === ":send" && method === "POST")
        return sendMessage(call, connections ?? [], body, { excluded: false, filter: true });
      if (n === 3 && c === ":closeConnections" && method === "POST")
        return closeConnections(this.clients, call, [...(connections ?? [])]);
      if (n === 2 && method === "HEAD") return send(res, connections !== undefined && connections.size > 0 ? 200 : 404);
      if (n === 3 && c === "groups" && method === "DELETE") {
        requireVersion(call, "2022-11-01", "Removing a user from all groups");
        for (const connection of connections ?? []) for (const g of [...connection.groups]) hub.leave(connection, g);
        return send(res, 204);
      }
      if (n === 4 && c === "groups" && d !== undefined) {
        const group = checkGroup(d);
        if (method === "PUT") {
          if (connections === undefined || connections.size === 0)
            throw new HttpFailure(404, "Warning.User.NotExisted", `User '${userId}' has no connection.`);
          checkRoom(this.core, hub, connections, [group]);
          for (const connection of connections) hub.join(connection, group);
          return send(res, 200);
        }
        if (method === "DELETE") {
          for (const connection of connections ?? []) hub.leave(connection, group);
          return send(res, 204);
        }
      }
    }
    if (a === "connections" && b !== undefined) {
      const connectionId = checkId(b, "connectionId");
      const connection = hub.connections.get(connectionId);
      if (n === 3 && c === ":send" && method === "POST")
        return sendMessage(call, connection === undefined ? [] : [connection], body, {
          excluded: false,
          filter: false,
        });
      if (n === 2 && method === "HEAD") return send(res, connection !== undefined ? 200 : 404);
      if (n === 2 && method === "DELETE") {
        if (connection !== undefined) this.clients.close(connection, call.url.searchParams.get("reason") ?? undefined);
        return send(res, 204);
      }
      if (n === 3 && c === "groups" && method === "DELETE") {
        requireVersion(call, "2022-11-01", "Removing a connection from all groups");
        if (connection !== undefined) for (const g of [...connection.groups]) hub.leave(connection, g);
        return send(res, 204);
      }
    }
    if (
      a === "permissions" &&
      b !== undefined &&
      c === "connections" &&
      d !== undefined &&
      e === undefined &&
      n === 4
    ) {
      if (b !== "sendToGroup" && b !== "joinLeaveGroup") {
        throw new HttpFailure(
          400,
          "Error.BadRequest",
          `Invalid permission '${b}'. Valid values are sendToGroup and joinLeaveGroup.`,
          "permission",
        );
      }
      const kind: PermissionKind = b;
      const connection = hub.connections.get(checkId(d, "connectionId"));
      const targetName = call.url.searchParams.get("targetName") ?? undefined;
      if (targetName !== undefined) checkGroup(targetName, "targetName");
      // Wildcard roles exist only in tokens: the permission REST calls do not take patterns (concept-wildcard-group-roles).
      if (targetName !== undefined && /[*?]/.test(targetName)) {
        throw new HttpFailure(
          400,
          "Error.BadRequest",
          `Wildcard patterns are not supported by the permission REST API: targetName '${targetName}' contains '*' or '?'. Grant wildcard roles in the client's token instead.`,
          "targetName",
        );
      }
      if (method === "PUT") {
        if (connection === undefined)
          throw new HttpFailure(404, "Info.Connection.NotExisted", `Connection '${d}' does not exist.`);
        connection.roles.add(grantRole(kind, targetName));
        return send(res, 200);
      }
      if (method === "DELETE") {
        if (connection !== undefined) {
          connection.roles.delete(grantRole(kind, targetName));
          // Without a target the permission is gone for every group, including what a wildcard role granted.
          if (targetName === undefined)
            for (const role of [...connection.roles]) if (isRoleOf(role, kind)) connection.roles.delete(role);
        }
        return send(res, 204);
      }
      if (method === "HEAD") {
        const granted =
          connection !== undefined &&
          (targetName === undefined
            ? connection.roles.has(`webpubsub.${kind}`)
            : hasRole(connection.roles, kind, targetName));
        return send(res, granted ? 200 : 404);
      }
    }
    throw new HttpFailure(404, "Error.NotFound", `No REST route for ${route.split(" ")[0]} ${call.url.pathname}.`);
  }
}

function hubOf(req: IncomingMessage): string | undefined {
  const m = /^\/api\/hubs\/([^/?]+)/.exec(req.url ?? "");
  if (m === null) return undefined;
  try {
    return decodeURIComponent(m[1] as string);
  } catch {
    return undefined;
  }
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? "/").replace(/\?.*$/, "");
}
