// MQTT over WebSocket at /clients/mqtt/hubs/{hub} (howto-connect-mqtt-websocket-client): the token is
// checked at the WebSocket handshake like any client's (access_token query or Authorization: Bearer);
// then the first packet must be CONNECT.
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { IConnectPacket } from "mqtt-packet";
import { WebSocketServer, type WebSocket } from "ws";
import { bearer } from "../../auth/token";
import { clientClaims } from "../../auth/client";
import type { EmulatorCore } from "../../state/core";
import { V5 } from "./codes";
import { decideConnect, type MqttHandshake } from "./connect";
import { userPropertyList } from "./events";
import { handlePacket, type LinkContext } from "./inbound";
import { SessionLifecycle } from "./lifecycle";
import { mqttLimits } from "./limits";
import { MqttLink } from "./link";
import { loadPacketLibrary, type Packet } from "./packets";
import type { MqttConnection } from "./session";

const pathPattern = /^\/clients\/mqtt\/hubs\/([^/]+)\/?$/;
const hubPattern = /^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$/;
/** Packets a client may send after CONNECT before CONNACK (held until the connect event answers). */
const maxEarlyPackets = 100;

export interface MqttEndpointOptions {
  /** The longest an interrupted session is kept. */
  sessionExpiryMs: number;
}

export class MqttEndpoint {
  readonly #wss: WebSocketServer;
  readonly #sockets = new Set<WebSocket>();
  readonly #lifecycle: SessionLifecycle;

  constructor(
    private readonly core: EmulatorCore,
    private readonly options: MqttEndpointOptions,
  ) {
    this.#lifecycle = new SessionLifecycle(core, options.sessionExpiryMs);
    this.#wss = new WebSocketServer({
      noServer: true,
      // The fixed header adds at most 5 bytes to the largest packet; bigger frames end with 1009.
      maxPayload: mqttLimits.maxPacketBytes + 5,
      clientTracking: false,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has("mqtt") ? "mqtt" : protocols.has("mqttv3.1") ? "mqttv3.1" : false),
    });
  }

  /** True for upgrade requests this endpoint serves. */
  static serves(url: string | undefined): boolean {
    return (url ?? "").startsWith("/clients/mqtt/");
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    Promise.all([this.#authorize(req), loadPacketLibrary()]).then(
      ([handshake]) => {
        if ("status" in handshake) {
          refuse(socket, handshake.status, handshake.message);
          this.core.log(`mqtt refused (${handshake.status}): ${handshake.message}`);
          this.core.observation.emit?.({
            kind: "refused",
            path: (req.url ?? "/").replace(/\?.*$/s, ""),
            status: handshake.status,
            reason: handshake.message,
          });
          return;
        }
        this.#wss.handleUpgrade(req, socket, head, (ws) => void this.#open(ws, handshake));
      },
      (error: unknown) => {
        this.core.log(`mqtt upgrade failed: ${(error as Error).message}`);
        refuse(socket, 500, "internal error");
      },
    );
  }

  async #authorize(req: IncomingMessage): Promise<MqttHandshake | { status: number; message: string }> {
    const host = req.headers.host ?? "localhost";
    let url: URL;
    let hub: string;
    try {
      url = new URL(req.url ?? "/", `http://${host}`);
      const m = pathPattern.exec(url.pathname);
      if (m === null)
        return { status: 404, message: `no MQTT endpoint at ${url.pathname}; use /clients/mqtt/hubs/{hub}` };
      hub = decodeURIComponent(m[1] as string);
    } catch {
      return { status: 400, message: "invalid request URL" };
    }
    if (!hubPattern.test(hub)) return { status: 400, message: "invalid hub name" };
    const token = url.searchParams.get("access_token") ?? bearer(req.headers.authorization);
    // The audience is the emulator's own endpoint, never the Host header (fidelity hook, issue 13 item 11).
    const checked = await clientClaims(
      this.core,
      hub,
      token,
      this.core.origins().flatMap((origin) => [`${origin}/clients/mqtt/hubs/${hub}`, `${origin}${url.pathname}`]),
    );
    if (!("claims" in checked)) return checked;
    const { claims } = checked;
    const lists = (value: unknown): string[] =>
      typeof value === "string"
        ? [value]
        : Array.isArray(value)
          ? value.filter((v): v is string => typeof v === "string")
          : [];
    const claimLists: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(claims)) claimLists[k] = Array.isArray(v) ? v.map(String) : [String(v)];
    const query: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) if (k !== "access_token") (query[k] ??= []).push(v);
    const headers: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (k !== "authorization" && v !== undefined) headers[k] = Array.isArray(v) ? v : [v];
    return {
      hub,
      userId: typeof claims.sub === "string" && claims.sub !== "" ? claims.sub : null,
      roles: lists(claims["role"]),
      groups: lists(claims["webpubsub.group"]),
      claims: claimLists,
      query,
      headers,
    };
  }

  async #open(ws: WebSocket, handshake: MqttHandshake): Promise<void> {
    this.#sockets.add(ws);
    ws.on("error", () => ws.terminate());
    const lib = await loadPacketLibrary();
    let session: MqttConnection | undefined;
    let connecting = false;
    const early: Packet[] = [];
    const link: MqttLink = new MqttLink(
      ws,
      lib,
      (packet) => {
        if (session !== undefined) return handlePacket(context(session), packet);
        if (connecting) {
          if (early.length >= maxEarlyPackets)
            return violation(V5.receiveMaximumExceeded, "too many packets before CONNACK");
          early.push(packet);
          return;
        }
        if (packet.cmd !== "connect")
          return violation(V5.protocolError, `the first packet must be CONNECT, not ${packet.cmd.toUpperCase()}`);
        connecting = true;
        clearTimeout(connectTimer);
        this.#connect(link, handshake, packet).then(
          (s) => {
            session = s;
            if (s !== undefined) for (const p of early.splice(0)) if (!link.closed) handlePacket(context(s), p);
          },
          (error: unknown) => {
            this.core.log(`mqtt connect failed: ${(error as Error).message}`);
            link.close();
          },
        );
      },
      (code, message) => violation(code, message),
      (bytes) => {
        if (session !== undefined)
          this.core.observation.emit?.({
            kind: "frame",
            hub: session.hub,
            connectionId: session.connectionId,
            userId: session.userId,
            subprotocol: "mqtt",
            bytes,
            binary: true,
          });
      },
    );
    const connectTimer = setTimeout(() => {
      this.core.log("mqtt connection closed: no CONNECT in time");
      link.close();
    }, mqttLimits.connectTimeoutMs);
    connectTimer.unref?.();

    const violation = (code: number, reason: string): void => {
      this.core.log(`mqtt ${session?.connectionId ?? "(connecting)"} connection closed: ${reason}`);
      if (session !== undefined)
        session.lastDisconnect = {
          reason,
          initiatedByClient: false,
          packet: link.version === 5 ? { code, userProperties: null } : null,
        };
      // MQTT 5 servers may say why before closing; 3.1.1 servers just close (§4.8 / §4.13).
      if (link.version === 5 && session !== undefined)
        link.write({ cmd: "disconnect", reasonCode: code, properties: { reasonString: reason } });
      link.close();
    };
    const context = (s: MqttConnection): LinkContext => ({
      core: this.core,
      session: s,
      link,
      violation,
      disconnected: (code, reason, userProperties, expirySeconds) => {
        s.lastDisconnect = {
          reason: reason ?? null,
          initiatedByClient: true,
          packet: { code, userProperties: userPropertyList(userProperties) },
        };
        if (expirySeconds !== undefined && s.expiryMs > 0)
          s.expiryMs = Math.min(expirySeconds * 1000, this.options.sessionExpiryMs);
        // "Disconnect with Will Message" (0x04) keeps the will; any other DISCONNECT discards it.
        if (code !== V5.disconnectWithWill) link.will = undefined;
        link.close();
      },
    });
    ws.once("close", () => {
      this.#sockets.delete(ws);
      clearTimeout(connectTimer);
      link.ended();
      if (session === undefined) return;
      if (
        session.link === link &&
        session.lastDisconnect.reason === null &&
        !session.lastDisconnect.initiatedByClient
      ) {
        session.lastDisconnect = { reason: "connection lost", initiatedByClient: false, packet: null };
      }
      this.#lifecycle.detach(session, link);
    });
  }

  async #connect(
    link: MqttLink,
    handshake: MqttHandshake,
    packet: IConnectPacket,
  ): Promise<MqttConnection | undefined> {
    link.version = packet.protocolVersion === 5 ? 5 : 4;
    const decision = await decideConnect(this.core, handshake, packet, link.physicalId);
    if (link.closed) return undefined;
    if (!decision.ok) {
      this.#lifecycle.refuse(link, decision.code, decision.reason, decision.userProperties);
      return undefined;
    }
    link.will = packet.will;
    const session = this.#lifecycle.establish(link, packet, decision, handshake.hub);
    if (session === undefined) return undefined;
    session.lastDisconnect = { reason: null, initiatedByClient: false, packet: null };
    session.closeHook = (reason) => this.#lifecycle.closeByServer(session, reason);
    link.keepAlive(packet.keepalive ?? 0, () => {
      session.lastDisconnect = {
        reason: "keep-alive timeout",
        initiatedByClient: false,
        packet: link.version === 5 ? { code: V5.keepAliveTimeout, userProperties: null } : null,
      };
      if (link.version === 5) link.write({ cmd: "disconnect", reasonCode: V5.keepAliveTimeout });
      link.close();
    });
    return session;
  }

  /** Closes every socket at once (emulator shutdown). */
  closeAll(): void {
    for (const ws of this.#sockets) ws.terminate();
    this.#sockets.clear();
    this.#wss.close();
  }
}

function refuse(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
