// MQTT over WebSocket at /clients/mqtt/hubs/{hub} (howto-connect-mqtt-websocket-client): the token is
// checked at the WebSocket handshake like any client's (access_token query or Authorization: Bearer);
// then the first packet must be CONNECT.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { IConnectPacket } from "mqtt-packet";
import { WebSocketServer, type WebSocket } from "ws";
import { clientClaims } from "../../auth/client";
import { bearer } from "../../auth/token";
import { destroySocket, watchErrors, writeRefusal } from "../../server";
import type { EmulatorCore } from "../../state/core";
import { V5 } from "./codes";
import { decideConnect, type MqttHandshake } from "./connect";
import { SessionLifecycle } from "./lifecycle";
import { mqttLimits } from "./limits";
import { MqttLink } from "./link";
import { loadPacketLibrary } from "./packets";
import type { MqttConnection } from "./session";
import { MqttSocket } from "./socket";
import { refuseUpgrade } from "../websocket/upgrade";
import { isValidHub } from "../../../internal/validate";

const pathPattern = /^\/clients\/mqtt\/hubs\/([^/]+)\/?$/;

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
    watchErrors(socket);
    Promise.all([this.#authorize(req), loadPacketLibrary()]).then(
      ([handshake]) => {
        if ("status" in handshake) return refuseUpgrade(this.core, "mqtt", req, socket, handshake);
        this.#wss.handleUpgrade(req, socket, head, (ws) => {
          socket.removeListener("error", destroySocket);
          void this.#open(ws, handshake);
        });
      },
      (error: unknown) => {
        this.core.log?.(`mqtt upgrade failed: ${(error as Error).message}`);
        writeRefusal(socket, 500, "internal error");
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
    if (!isValidHub(hub)) return { status: 400, message: "invalid hub name" };
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
    const socket = new MqttSocket(ws, await loadPacketLibrary(), {
      core: this.core,
      sessionExpiryMs: this.options.sessionExpiryMs,
      connect: (link, packet) => this.#connect(link, handshake, packet),
      detach: (session, link) => this.#lifecycle.detach(session, link),
    });
    ws.once("close", () => {
      this.#sockets.delete(ws);
      socket.closed();
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
