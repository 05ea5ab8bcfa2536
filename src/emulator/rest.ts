import type { IncomingMessage, ServerResponse } from "node:http";
import { SignJWT } from "jose";
import { bearer, TokenRejected, verifyToken } from "./auth";
import type { ClientConnection } from "./connection";
import type { EmulatorCore } from "./core";
import { compileFilter, FilterSyntaxError, type FilterPredicate } from "./filter";
import { HttpFailure, readBody, send, sendFailure, supportedApiVersions } from "./http";
import type { Hub } from "./hub";
import { contentTypeToDataType } from "./messages";
import { grantRole, hasRole, type PermissionKind } from "./permissions";
import type { ClientEndpoint } from "./websocket";

const hubPattern = /^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$/;
const versionRank = new Map<string, number>(supportedApiVersions.map((v, i) => [v, i]));

interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  version: string;
  hub: Hub;
  segments: string[];
}

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
    emit({ kind: "rest", hub: hubOf(req), method: req.method ?? "GET", path: req.url ?? "/", status: res.statusCode, ms: performance.now() - t0, ...reachOf(res) });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.#route(req, res);
    } catch (error) {
      if (error instanceof HttpFailure) {
        this.core.log(`${req.method} ${pathOf(req)} → ${error.status} ${error.code}`);
        sendFailure(req, res, error);
        return;
      }
      this.core.log(`${req.method} ${pathOf(req)} → 500: ${(error as Error).message}`);
      sendFailure(req, res, new HttpFailure(500, "Error.InternalServerError", "The emulator failed to process the request."));
    }
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? "localhost";
    const url = new URL(req.url ?? "/", `http://${host}`);
    const method = req.method ?? "GET";
    if (url.pathname === "/api/health") {
      if (method !== "HEAD" && method !== "GET") throw new HttpFailure(405, "Error.MethodNotAllowed", "Use HEAD or GET.");
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
    if (version === null) throw new HttpFailure(400, "Error.BadRequest", "The api-version query parameter is required.", "api-version");
    if (!versionRank.has(version)) {
      throw new HttpFailure(400, "Error.UnsupportedApiVersion", `The api-version '${version}' is not supported; use one of ${supportedApiVersions.join(", ")}.`, "api-version");
    }
    await this.#authenticate(req, url);
    if (!hubPattern.test(hubName)) {
      throw new HttpFailure(400, "Error.BadRequest", "Invalid hub name. The hub must start with a letter and contain only letters, digits and _`,.[] (at most 128 characters).", "hub");
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
    const host = req.headers.host ?? "localhost";
    try {
      await verifyToken(token, this.core.keyBytes, [`http://${host}${url.pathname}${url.search}`, `http://${host}${url.pathname}`, `https://${host}${url.pathname}${url.search}`, `https://${host}${url.pathname}`]);
    } catch (error) {
      if (error instanceof TokenRejected) throw new HttpFailure(401, "Error.Unauthorized", `Unauthorized: ${error.message}.`);
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
          return this.#send(call, hub.connections.values(), body, { excluded: true, filter: true });
        case ":closeConnections":
          return this.#close(call, [...hub.connections.values()]);
        case ":addToGroups":
        case ":removeFromGroups":
          return this.#groupsByFilter(call, a === ":addToGroups", body);
        case ":generateToken":
          return this.#generateToken(call);
      }
    }
    if (a === "groups" && b !== undefined) {
      const group = checkGroup(b);
      const members = hub.groups.get(group);
      if (n === 3 && c === ":send" && method === "POST") return this.#send(call, members ?? [], body, { excluded: true, filter: true });
      if (n === 3 && c === ":closeConnections" && method === "POST") return this.#close(call, [...(members ?? [])]);
      if (n === 2 && method === "HEAD") return send(res, members !== undefined && members.size > 0 ? 200 : 404);
      if (n === 3 && c === "connections" && method === "GET") return this.#list(call, group, [...(members ?? [])]);
      if (n === 4 && c === "connections" && d !== undefined) {
        const connection = hub.connections.get(checkId(d, "connectionId"));
        if (method === "PUT") {
          if (connection === undefined) throw new HttpFailure(404, "Error.Connection.NotExisted", `Connection '${d}' does not exist.`);
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
      if (n === 3 && c === ":send" && method === "POST") return this.#send(call, connections ?? [], body, { excluded: false, filter: true });
      if (n === 3 && c === ":closeConnections" && method === "POST") return this.#close(call, [...(connections ?? [])]);
      if (n === 2 && method === "HEAD") return send(res, connections !== undefined && connections.size > 0 ? 200 : 404);
      if (n === 3 && c === "groups" && method === "DELETE") {
        this.#requireVersion(call, "2022-11-01", "Removing a user from all groups");
        for (const connection of connections ?? []) for (const g of [...connection.groups]) hub.leave(connection, g);
        return send(res, 204);
      }
      if (n === 4 && c === "groups" && d !== undefined) {
        const group = checkGroup(d);
        if (method === "PUT") {
          if (connections === undefined || connections.size === 0) throw new HttpFailure(404, "Warning.User.NotExisted", `User '${userId}' has no connection.`);
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
      if (n === 3 && c === ":send" && method === "POST") return this.#send(call, connection === undefined ? [] : [connection], body, { excluded: false, filter: false });
      if (n === 2 && method === "HEAD") return send(res, connection !== undefined ? 200 : 404);
      if (n === 2 && method === "DELETE") {
        if (connection !== undefined) this.clients.close(connection, call.url.searchParams.get("reason") ?? undefined);
        return send(res, 204);
      }
      if (n === 3 && c === "groups" && method === "DELETE") {
        this.#requireVersion(call, "2022-11-01", "Removing a connection from all groups");
        if (connection !== undefined) for (const g of [...connection.groups]) hub.leave(connection, g);
        return send(res, 204);
      }
    }
    if (a === "permissions" && b !== undefined && c === "connections" && d !== undefined && e === undefined && n === 4) {
      if (b !== "sendToGroup" && b !== "joinLeaveGroup") {
        throw new HttpFailure(400, "Error.BadRequest", `Invalid permission '${b}'. Valid values are sendToGroup and joinLeaveGroup.`, "permission");
      }
      const kind: PermissionKind = b;
      const connection = hub.connections.get(checkId(d, "connectionId"));
      const targetName = call.url.searchParams.get("targetName") ?? undefined;
      if (targetName !== undefined) checkGroup(targetName, "targetName");
      if (method === "PUT") {
        if (connection === undefined) throw new HttpFailure(404, "Info.Connection.NotExisted", `Connection '${d}' does not exist.`);
        connection.roles.add(grantRole(kind, targetName));
        return send(res, 200);
      }
      if (method === "DELETE") {
        if (connection !== undefined) {
          connection.roles.delete(grantRole(kind, targetName));
          if (targetName === undefined) for (const role of [...connection.roles]) if (role.startsWith(`webpubsub.${kind}.`)) connection.roles.delete(role);
        }
        return send(res, 204);
      }
      if (method === "HEAD") {
        const granted = connection !== undefined && (targetName === undefined ? connection.roles.has(`webpubsub.${kind}`) : hasRole(connection.roles, kind, targetName));
        return send(res, granted ? 200 : 404);
      }
    }
    throw new HttpFailure(404, "Error.NotFound", `No REST route for ${route.split(" ")[0]} ${call.url.pathname}.`);
  }

  #requireVersion(call: Call, minimum: string, what: string): void {
    if ((versionRank.get(call.version) ?? 0) < (versionRank.get(minimum) ?? 0)) {
      throw new HttpFailure(400, "Error.BadRequest", `${what} needs api-version ${minimum} or later (got ${call.version}).`, "api-version");
    }
  }

  #filter(call: Call, allowed: boolean): FilterPredicate | undefined {
    const text = call.url.searchParams.get("filter");
    if (text === null) return undefined;
    if (!allowed) throw new HttpFailure(400, "Error.BadRequest", "This call does not accept a filter.", "filter");
    this.#requireVersion(call, "2022-11-01", "filter");
    try {
      return compileFilter(text);
    } catch (error) {
      if (error instanceof FilterSyntaxError) throw new HttpFailure(400, "Error.BadRequest", error.message, "filter");
      throw error;
    }
  }

  #send(call: Call, targets: Iterable<ClientConnection>, body: Buffer | undefined, allowed: { excluded: boolean; filter: boolean }): void {
    const dataType = contentTypeToDataType(call.req.headers["content-type"]);
    if (dataType === undefined) {
      throw new HttpFailure(415, "Error.UnsupportedMediaType", "Content-Type must be text/plain, application/json or application/octet-stream.");
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
      this.#requireVersion(call, "2023-07-01", "messageTtlSeconds");
      if (!/^\d+$/.test(ttl) || Number(ttl) > 300) {
        throw new HttpFailure(400, "Error.BadRequest", "messageTtlSeconds must be an integer between 0 and 300.", "messageTtlSeconds");
      }
    }
    const excludedList = call.url.searchParams.getAll("excluded");
    const excluded = allowed.excluded && excludedList.length > 0 ? new Set(excludedList) : undefined;
    const filter = this.#filter(call, allowed.filter);
    const reached = call.hub.broadcast(targets, { dataType, payload, from: "server" }, excluded, filter);
    if (this.core.observation.emit !== undefined) reach.set(call.res, reached);
    send(call.res, 202);
  }

  #close(call: Call, targets: ClientConnection[]): void {
    const excluded = new Set(call.url.searchParams.getAll("excluded"));
    const reason = call.url.searchParams.get("reason") ?? undefined;
    for (const connection of targets) if (!excluded.has(connection.connectionId)) this.clients.close(connection, reason);
    send(call.res, 204);
  }

  #groupsByFilter(call: Call, add: boolean, body: Buffer | undefined): void {
    this.#requireVersion(call, "2023-07-01", add ? ":addToGroups" : ":removeFromGroups");
    let parsed: { groups?: unknown; filter?: unknown };
    try {
      parsed = JSON.parse((body ?? Buffer.alloc(0)).toString("utf8")) as typeof parsed;
      // `null` parses fine but is no object (reading .groups from it used to answer 500).
      if (typeof parsed !== "object" || parsed === null) throw new TypeError("not an object");
    } catch {
      throw new HttpFailure(400, "Error.BadRequest", "The request body must be JSON: {\"groups\": [...], \"filter\": \"...\"}.", "groupsToAdd");
    }
    if (!Array.isArray(parsed.groups) || parsed.groups.length === 0) throw new HttpFailure(400, "Error.BadRequest", "groups must be a non-empty array.", "groups");
    const groups = parsed.groups.map((g) => checkGroup(g));
    let filter: FilterPredicate | undefined;
    if (parsed.filter !== undefined && parsed.filter !== null) {
      if (typeof parsed.filter !== "string") throw new HttpFailure(400, "Error.BadRequest", "filter must be a string.", "filter");
      try {
        filter = compileFilter(parsed.filter);
      } catch (error) {
        if (error instanceof FilterSyntaxError) throw new HttpFailure(400, "Error.BadRequest", error.message, "filter");
        throw error;
      }
    }
    for (const connection of call.hub.connections.values()) {
      if (filter !== undefined && !filter(connection)) continue;
      for (const g of groups) {
        if (add) call.hub.join(connection, g);
        else call.hub.leave(connection, g);
      }
    }
    send(call.res, 200);
  }

  #list(call: Call, group: string, members: ClientConnection[]): void {
    const q = call.url.searchParams;
    const pageSize = q.get("maxpagesize") === null ? 100 : intParam(q.get("maxpagesize") as string, "maxpagesize", 1, 200);
    const top = q.get("top") === null ? undefined : intParam(q.get("top") as string, "top", 1, Number.MAX_SAFE_INTEGER);
    const token = q.get("continuationToken");
    let offset = 0;
    if (token !== null) {
      const decoded = Number(Buffer.from(token, "base64url").toString("utf8"));
      if (!Number.isInteger(decoded) || decoded < 0) throw new HttpFailure(400, "Error.BadRequest", "Invalid continuationToken.", "continuationToken");
      offset = decoded;
    }
    const take = Math.min(pageSize, top ?? Number.POSITIVE_INFINITY);
    const page = members.slice(offset, offset + take);
    const value = page.map((m) => (m.userId === null ? { connectionId: m.connectionId } : { connectionId: m.connectionId, userId: m.userId }));
    const nextOffset = offset + page.length;
    const remainingTop = top === undefined ? undefined : top - page.length;
    let nextLink: string | undefined;
    if (nextOffset < members.length && (remainingTop === undefined || remainingTop > 0)) {
      const next = new URL(`/api/hubs/${encodeURIComponent(call.hub.name)}/groups/${encodeURIComponent(group)}/connections`, `http://${call.req.headers.host ?? "localhost"}`);
      next.searchParams.set("api-version", call.version);
      next.searchParams.set("maxpagesize", String(pageSize));
      if (remainingTop !== undefined) next.searchParams.set("top", String(remainingTop));
      next.searchParams.set("continuationToken", Buffer.from(String(nextOffset)).toString("base64url"));
      nextLink = next.toString();
    }
    send(call.res, 200, nextLink === undefined ? { value } : { value, nextLink });
  }

  async #generateToken(call: Call): Promise<void> {
    const q = call.url.searchParams;
    const minutes = q.get("minutesToExpire") === null ? 60 : intParam(q.get("minutesToExpire") as string, "minutesToExpire", 1, 60 * 24 * 365);
    const clientType = (q.get("clientType") ?? "Default").toLowerCase();
    const path = clientType === "mqtt" ? "clients/mqtt/hubs" : clientType === "socketio" ? "clients/socketio/hubs" : clientType === "default" ? "client/hubs" : undefined;
    if (path === undefined) throw new HttpFailure(400, "Error.BadRequest", "clientType must be Default, MQTT or SocketIO.", "clientType");
    const claims: Record<string, unknown> = {};
    const roles = q.getAll("role");
    const groups = q.getAll("group");
    if (roles.length > 0) claims["role"] = roles;
    if (groups.length > 0) claims["webpubsub.group"] = groups;
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt()
      .setExpirationTime(`${minutes}m`)
      .setAudience(`http://${call.req.headers.host ?? "localhost"}/${path}/${call.hub.name}`);
    const userId = q.get("userId");
    if (userId !== null && userId !== "") jwt.setSubject(userId);
    send(call.res, 200, { token: await jwt.sign(this.core.keyBytes) });
  }
}

function checkGroup(group: unknown, parameter = "group"): string {
  if (typeof group !== "string" || group.length < 1 || group.length > 1024 || group.trim() === "") {
    throw new HttpFailure(400, "Error.BadRequest", "Invalid group name. Valid group name should be in between 1 and 1024 characters long.", parameter);
  }
  return group;
}

function checkId(id: string, parameter: string): string {
  if (id.length === 0) throw new HttpFailure(400, "Error.BadRequest", `${parameter} must not be empty.`, parameter);
  return id;
}

function intParam(value: string, name: string, min: number, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) throw new HttpFailure(400, "Error.BadRequest", `${name} must be an integer between ${min} and ${max}.`, name);
  return n;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpFailure(400, "Error.BadRequest", "The path is not validly percent-encoded.");
  }
}

// How many connections a send reached, kept for the watchers' REST event (only while someone watches).
const reach = new WeakMap<ServerResponse, number>();
function reachOf(res: ServerResponse): { reach?: number } {
  const n = reach.get(res);
  return n === undefined ? {} : { reach: n };
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
