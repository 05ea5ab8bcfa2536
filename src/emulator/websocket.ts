import { randomBytes } from "node:crypto";
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { bearer, TokenRejected, verifyToken } from "./auth";
import { ClientConnection, type ClientProtocol } from "./connection";
import type { EmulatorCore } from "./core";
import { contentTypeToDataType, type DataType } from "./messages";
import { hasRole } from "./permissions";
import { keepState, type ConnectReply } from "./upstream";

const hubPattern = /^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$/;
const maxFrameBytes = 1024 * 1024;

interface Pending {
  /** The hub's name; its state is created only once the socket is open (refused clients leave none). */
  hub: string;
  protocol: ClientProtocol;
  userId: string | null;
  roles: string[];
  groups: string[];
  state: string | undefined;
  resume: ClientConnection | undefined;
  refuseRecovery: boolean;
}

/** Accepts WebSocket clients at `/client/hubs/{hub}` (and `/client/?hub=`), verifying their tokens. */
export class ClientEndpoint {
  readonly #wss: WebSocketServer;
  readonly #sockets = new Set<WebSocket>();

  constructor(private readonly core: EmulatorCore) {
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: maxFrameBytes,
      clientTracking: false,
      perMessageDeflate: false,
      handleProtocols: (protocols) => {
        if (protocols.has("json.reliable.webpubsub.azure.v1")) return "json.reliable.webpubsub.azure.v1";
        if (protocols.has("json.webpubsub.azure.v1")) return "json.webpubsub.azure.v1";
        return false;
      },
    });
  }

  get socketCount(): number {
    return this.#sockets.size;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    this.#authorize(req).then(
      (pending) => {
        if (typeof pending === "object" && "status" in pending) {
          refuse(socket, pending.status, pending.message);
          this.core.log(`ws refused (${pending.status}): ${pending.message}`);
          return;
        }
        this.#wss.handleUpgrade(req, socket, head, (ws) => this.#open(ws, pending));
      },
      (error: unknown) => {
        this.core.log(`ws upgrade failed: ${(error as Error).message}`);
        refuse(socket, 500, "internal error");
      },
    );
  }

  async #authorize(req: IncomingMessage): Promise<Pending | { status: number; message: string }> {
    const host = req.headers.host ?? "localhost";
    const url = new URL(req.url ?? "/", `http://${host}`);
    let hubName: string | null;
    const m = /^\/client\/hubs\/([^/]+)\/?$/.exec(url.pathname);
    if (m !== null) hubName = decodeURIComponent(m[1] as string);
    else if (url.pathname === "/client" || url.pathname === "/client/") hubName = url.searchParams.get("hub");
    else return { status: 404, message: `no client endpoint at ${url.pathname}; use /client/hubs/{hub}` };
    if (hubName === null || !hubPattern.test(hubName)) return { status: 400, message: "invalid or missing hub name" };
    const token = url.searchParams.get("access_token") ?? bearer(req.headers.authorization);
    if (token === undefined || token === null) return { status: 401, message: "missing access token (access_token query or Authorization: Bearer)" };
    const audiences = [`http://${host}/client/hubs/${hubName}`, `http://${host}${url.pathname}`, `http://${host}/client/?hub=${hubName}`];
    let claims;
    try {
      claims = await verifyToken(token, this.core.keyBytes, audiences);
    } catch (error) {
      if (error instanceof TokenRejected) return { status: 401, message: error.message };
      throw error;
    }
    const offered = String(req.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    const protocol: ClientProtocol = offered.includes("json.reliable.webpubsub.azure.v1") ? "reliable" : offered.includes("json.webpubsub.azure.v1") ? "json" : "simple";
    const pending: Pending = {
      hub: hubName,
      protocol,
      userId: typeof claims.sub === "string" && claims.sub !== "" ? claims.sub : null,
      roles: stringList(claims["role"]),
      groups: stringList(claims["webpubsub.group"]),
      state: undefined,
      resume: undefined,
      refuseRecovery: false,
    };

    // Reliable clients come back with their connection id and reconnection token.
    const resumeId = url.searchParams.get("awps_connection_id");
    if (resumeId !== null) {
      const existing = this.core.existingHub(hubName)?.connections.get(resumeId);
      const tokenOk = existing !== undefined && existing.reconnectionToken === url.searchParams.get("awps_reconnection_token");
      if (existing !== undefined && tokenOk && existing.protocol === "reliable" && existing.socket === undefined && !existing.closed) {
        pending.resume = existing;
      } else {
        pending.refuseRecovery = true;
      }
      return pending;
    }

    const upstream = this.core.upstream(hubName);
    if (upstream?.wants("system", "connect")) {
      const provisionalId = newConnectionId();
      const body = JSON.stringify({
        claims: claimsAsLists(claims),
        query: queryAsLists(url.searchParams),
        headers: headersAsLists(req),
        subprotocols: offered,
        clientCertificates: [],
      });
      const result = await upstream.send(hubName, { connectionId: provisionalId, userId: pending.userId, subprotocol: undefined }, "azure.webpubsub.sys.connect", "connect", body, "application/json");
      if (!result.ok) return { status: result.status >= 400 && result.status < 600 ? result.status : 502, message: result.message || "rejected by the event handler" };
      (pending as Pending & { id?: string }).id = provisionalId;
      if (result.status === 200 && result.body.length > 0) {
        let reply: ConnectReply;
        try {
          reply = JSON.parse(result.body.toString("utf8")) as ConnectReply;
        } catch {
          return { status: 500, message: "the event handler's connect reply is not JSON" };
        }
        if (typeof reply.userId === "string" && reply.userId !== "") pending.userId = reply.userId;
        if (Array.isArray(reply.groups)) pending.groups.push(...stringList(reply.groups));
        if (Array.isArray(reply.roles)) pending.roles.push(...stringList(reply.roles));
      }
      pending.state = result.state ?? undefined;
    }
    return pending;
  }

  #open(ws: WebSocket, pending: Pending): void {
    this.#sockets.add(ws);
    ws.on("error", () => ws.terminate());
    if (pending.refuseRecovery) {
      this.core.log("ws reconnection refused: unknown connection or reconnection token");
      ws.close(1008, "Connection recovery failed");
      ws.once("close", () => this.#sockets.delete(ws));
      return;
    }
    let connection: ClientConnection;
    if (pending.resume !== undefined) {
      connection = pending.resume;
      if (connection.graceTimer !== undefined) clearTimeout(connection.graceTimer);
      connection.graceTimer = undefined;
      connection.socket = ws;
      this.core.log(`ws ${connection.connectionId} recovered (hub ${connection.hub})`);
      connection.replay();
    } else {
      const id = (pending as Pending & { id?: string }).id ?? newConnectionId();
      const hub = this.core.hub(pending.hub);
      connection = new ClientConnection(
        hub.name,
        id,
        pending.userId,
        pending.protocol,
        pending.roles,
        pending.protocol === "reliable" ? randomBytes(18).toString("base64url") : undefined,
        this.core.recordMessages,
      );
      connection.state = pending.state;
      connection.socket = ws;
      hub.add(connection, pending.groups);
      this.core.log(`ws ${id} connected to hub ${hub.name}${pending.userId === null ? "" : ` as ${pending.userId}`} (${pending.protocol})`);
      const connected: Record<string, unknown> = { type: "system", event: "connected", userId: pending.userId, connectionId: id };
      if (connection.reconnectionToken !== undefined) connected["reconnectionToken"] = connection.reconnectionToken;
      connection.sendControl(connected);
      void this.#systemEvent(connection, "connected", "{}");
    }
    ws.on("message", (data, isBinary) => {
      this.#onFrame(connection, data, isBinary).catch((error: unknown) => this.core.log(`ws ${connection.connectionId} frame failed: ${(error as Error).message}`));
    });
    ws.once("close", (code) => {
      this.#sockets.delete(ws);
      if (connection.socket !== ws) return;
      connection.socket = undefined;
      // A reliable client that dropped without a normal close may come back: keep its state for a while.
      if (connection.protocol === "reliable" && !connection.closed && code !== 1000 && code !== 1001) {
        connection.graceTimer = setTimeout(() => this.#drop(connection, "reconnection grace period ended"), this.core.reconnectionGraceMs);
        connection.graceTimer.unref?.();
        return;
      }
      this.#drop(connection, code === 1000 || code === 1001 ? "closed by the client" : `socket closed (${code})`);
    });
  }

  #drop(connection: ClientConnection, reason: string): void {
    if (connection.closed) return;
    const hub = this.core.existingHub(connection.hub);
    hub?.remove(connection);
    connection.closed = true;
    this.core.log(`ws ${connection.connectionId} disconnected: ${reason}`);
    void this.#systemEvent(connection, "disconnected", JSON.stringify({ reason }));
    if (hub !== undefined) this.core.prune(hub);
  }

  /** Closes a connection from the server side (REST close calls): PubSub clients are told why first. */
  close(connection: ClientConnection, reason: string | undefined): void {
    if (connection.closeByServer(reason)) return;
    connection.sendControl({ type: "system", event: "disconnected", message: reason ?? "Connection closed by the server." });
    const ws = connection.socket;
    this.#drop(connection, reason ?? "closed by the server");
    ws?.close(1000, truncate(reason ?? "", 120));
  }

  async #systemEvent(connection: ClientConnection, event: "connected" | "disconnected", body: string): Promise<void> {
    const upstream = this.core.upstream(connection.hub);
    if (upstream?.wants("system", event)) {
      await upstream.send(connection.hub, connection, `azure.webpubsub.sys.${event}`, event, body, "application/json");
    }
  }

  async #onFrame(connection: ClientConnection, data: RawData, isBinary: boolean): Promise<void> {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (connection.protocol === "simple") {
      await this.#userEvent(connection, "message", bytes, isBinary ? "application/octet-stream" : "text/plain", undefined);
      return;
    }
    if (isBinary) {
      connection.socket?.close(1003, "Binary frames are not supported by this subprotocol");
      return;
    }
    let message: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(bytes.toString("utf8"));
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      message = parsed as Record<string, unknown>;
    } catch {
      connection.socket?.close(1007, "Invalid message: not a JSON object");
      return;
    }
    const ackId = typeof message["ackId"] === "number" && Number.isInteger(message["ackId"]) ? (message["ackId"] as number) : undefined;
    const ack = (error?: { name: "Forbidden" | "InternalServerError" | "Duplicate" | "BadRequest"; message: string }) => {
      if (ackId === undefined) return;
      connection.sendControl(error === undefined ? { type: "ack", ackId, success: true } : { type: "ack", ackId, success: false, error });
    };
    const type = message["type"];
    if (type === "ping") {
      connection.sendControl({ type: "pong" });
      return;
    }
    if (type === "sequenceAck") {
      if (typeof message["sequenceId"] === "number") connection.acknowledge(message["sequenceId"]);
      return;
    }
    if (ackId !== undefined && !connection.rememberAck(ackId)) {
      ack({ name: "Duplicate", message: `Message with ackId ${ackId} has been processed.` });
      return;
    }
    const hub = this.core.hub(connection.hub);
    switch (type) {
      case "joinGroup":
      case "leaveGroup": {
        const group = message["group"];
        if (!validGroup(group)) return ack({ name: "BadRequest", message: "Invalid group name. Valid group name should be in between 1 and 1024 characters long." });
        if (!hasRole(connection.roles, "joinLeaveGroup", group)) return ack({ name: "Forbidden", message: `The connection has no permission to ${type === "joinGroup" ? "join" : "leave"} group '${group}'.` });
        if (type === "joinGroup") hub.join(connection, group);
        else hub.leave(connection, group);
        return ack();
      }
      case "sendToGroup": {
        const group = message["group"];
        if (!validGroup(group)) return ack({ name: "BadRequest", message: "Invalid group name. Valid group name should be in between 1 and 1024 characters long." });
        const payload = encodePayload(message["dataType"], message["data"]);
        if (typeof payload === "string") return ack({ name: "BadRequest", message: payload });
        if (!hasRole(connection.roles, "sendToGroup", group)) return ack({ name: "Forbidden", message: `The connection has no permission to send to group '${group}'.` });
        const members = hub.groups.get(group);
        if (members !== undefined) {
          const excluded = message["noEcho"] === true ? new Set([connection.connectionId]) : undefined;
          const outgoing = { dataType: payload.dataType, payload: payload.bytes, from: "group" as const, group };
          hub.broadcast(members, connection.userId === null ? outgoing : { ...outgoing, fromUserId: connection.userId }, excluded);
        }
        return ack();
      }
      case "event": {
        const event = message["event"];
        if (typeof event !== "string" || event === "") return ack({ name: "BadRequest", message: "An event message needs a non-empty 'event' name." });
        const payload = encodePayload(message["dataType"], message["data"]);
        if (typeof payload === "string") return ack({ name: "BadRequest", message: payload });
        const contentType = payload.dataType === "json" ? "application/json" : payload.dataType === "text" ? "text/plain" : "application/octet-stream";
        await this.#userEvent(connection, event, payload.bytes, contentType, ack);
        return;
      }
      default:
        this.core.log(`ws ${connection.connectionId} sent an unknown message type ${JSON.stringify(type)}`);
        return ack({ name: "BadRequest", message: `Unknown message type ${JSON.stringify(type)}.` });
    }
  }

  /** A user event: to the event handler when one wants it; its reply goes back to the client. */
  async #userEvent(
    connection: ClientConnection,
    event: string,
    body: Buffer,
    contentType: string,
    ack: ((error?: { name: "InternalServerError"; message: string }) => void) | undefined,
  ): Promise<void> {
    const upstream = this.core.upstream(connection.hub);
    if (upstream === undefined || !upstream.wants("user", event)) {
      ack?.();
      return;
    }
    const result = await upstream.send(connection.hub, connection, `azure.webpubsub.user.${event}`, event, body, contentType);
    if (!result.ok) {
      ack?.({ name: "InternalServerError", message: `The event handler failed with status ${result.status}.` });
      return;
    }
    keepState(connection, result.state);
    ack?.();
    if (result.status !== 200 || result.body.length === 0) return;
    const dataType: DataType = contentTypeToDataType(result.contentType) ?? "binary";
    if (connection.protocol === "simple") {
      connection.sendRaw(dataType === "binary" ? result.body : result.body.toString("utf8"), dataType === "binary");
    } else {
      const data = dataType === "json" ? JSON.parse(result.body.toString("utf8")) : dataType === "text" ? result.body.toString("utf8") : result.body.toString("base64");
      connection.sendControl({ type: "message", from: "server", dataType, data });
    }
  }

  /** Closes every socket at once (emulator shutdown). */
  closeAll(): void {
    for (const ws of this.#sockets) ws.terminate();
    this.#sockets.clear();
    this.#wss.close();
  }
}

function encodePayload(dataType: unknown, data: unknown): { dataType: DataType; bytes: Buffer } | string {
  switch (dataType) {
    case "json":
      return { dataType, bytes: Buffer.from(JSON.stringify(data ?? null)) };
    case "text":
      if (typeof data !== "string") return "dataType 'text' needs a string 'data'.";
      return { dataType, bytes: Buffer.from(data) };
    case "binary":
      if (typeof data !== "string") return "dataType 'binary' needs base64 'data'.";
      return { dataType, bytes: Buffer.from(data, "base64") };
    default:
      return `Unsupported dataType ${JSON.stringify(dataType)}; use json, text or binary.`;
  }
}

function validGroup(group: unknown): group is string {
  return typeof group === "string" && group.length >= 1 && group.length <= 1024 && group.trim() !== "";
}

function stringList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function claimsAsLists(claims: Record<string, unknown>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(claims)) out[k] = Array.isArray(v) ? v.map(String) : [String(v)];
  return out;
}

function queryAsLists(params: URLSearchParams): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of params) if (k !== "access_token") (out[k] ??= []).push(v);
  return out;
}

function headersAsLists(req: IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (k === "authorization" || v === undefined) continue;
    out[k] = Array.isArray(v) ? v : [v];
  }
  return out;
}

export function newConnectionId(): string {
  return randomBytes(16).toString("base64url");
}

function refuse(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function truncate(text: string, bytes: number): string {
  return Buffer.byteLength(text) <= bytes ? text : Buffer.from(text).subarray(0, bytes).toString("utf8").replace(/\uFFFD$/, "");
}
