// One MQTT WebSocket from the upgrade to its close: the first packet must be CONNECT (within the connect
// timeout); packets sent after it but before CONNACK are held (while the connect event runs), then every
// packet goes to the session. Protocol violations end the socket, with a DISCONNECT reason for MQTT 5.
import type { IConnectPacket } from "mqtt-packet";
import type { WebSocket } from "ws";
import type { EmulatorCore } from "../../state/core";
import { V5 } from "./codes";
import { userPropertyList } from "./events";
import { handlePacket, type LinkContext } from "./inbound";
import { mqttLimits } from "./limits";
import { MqttLink } from "./link";
import type { Packet, PacketLibrary } from "./packets";
import type { MqttConnection } from "./session";

/** Packets a client may send after CONNECT before CONNACK (held until the connect event answers). */
const maxEarlyPackets = 100;

export interface SocketParts {
  core: EmulatorCore;
  /** The longest an interrupted session is kept. */
  sessionExpiryMs: number;
  /** Answers CONNECT: the session, or undefined when the client was refused. */
  connect(link: MqttLink, packet: IConnectPacket): Promise<MqttConnection | undefined>;
  /** The socket closed while it carried `session`. */
  detach(session: MqttConnection, link: MqttLink): void;
}

export class MqttSocket {
  readonly link: MqttLink;
  #session: MqttConnection | undefined;
  #connecting = false;
  readonly #early: Packet[] = [];
  readonly #connectTimer: ReturnType<typeof setTimeout>;

  constructor(
    ws: WebSocket,
    lib: PacketLibrary,
    private readonly parts: SocketParts,
  ) {
    this.link = new MqttLink(
      ws,
      lib,
      (packet) => this.#onPacket(packet),
      (code, message) => this.#violation(code, message),
      (bytes) => this.#observe(bytes),
    );
    this.#connectTimer = setTimeout(() => {
      parts.core.log?.("mqtt connection closed: no CONNECT in time");
      this.link.close();
    }, mqttLimits.connectTimeoutMs);
    this.#connectTimer.unref?.();
  }

  /** The WebSocket closed: the session (if any) waits for its client or ends. */
  closed(): void {
    clearTimeout(this.#connectTimer);
    this.link.ended();
    const session = this.#session;
    if (session === undefined) return;
    if (
      session.link === this.link &&
      session.lastDisconnect.reason === null &&
      !session.lastDisconnect.initiatedByClient
    ) {
      session.lastDisconnect = { reason: "connection lost", initiatedByClient: false, packet: null };
    }
    this.parts.detach(session, this.link);
  }

  #onPacket(packet: Packet): void {
    if (this.#session !== undefined) return handlePacket(this.#context(this.#session), packet);
    if (this.#connecting) {
      if (this.#early.length >= maxEarlyPackets)
        return this.#violation(V5.receiveMaximumExceeded, "too many packets before CONNACK");
      this.#early.push(packet);
      return;
    }
    if (packet.cmd !== "connect")
      return this.#violation(V5.protocolError, `the first packet must be CONNECT, not ${packet.cmd.toUpperCase()}`);
    this.#connecting = true;
    clearTimeout(this.#connectTimer);
    this.parts.connect(this.link, packet).then(
      (s) => {
        this.#session = s;
        if (s !== undefined)
          for (const p of this.#early.splice(0)) if (!this.link.closed) handlePacket(this.#context(s), p);
      },
      (error: unknown) => {
        this.parts.core.log?.(`mqtt connect failed: ${(error as Error).message}`);
        this.link.close();
      },
    );
  }

  #observe(bytes: Buffer): void {
    const session = this.#session;
    if (session === undefined) return;
    this.parts.core.observation.emit?.({
      kind: "frame",
      hub: session.hub,
      connectionId: session.connectionId,
      userId: session.userId,
      subprotocol: "mqtt",
      bytes,
      binary: true,
    });
  }

  #violation(code: number, reason: string): void {
    const { link } = this;
    const session = this.#session;
    this.parts.core.log?.(`mqtt ${session?.connectionId ?? "(connecting)"} connection closed: ${reason}`);
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
  }

  #context(s: MqttConnection): LinkContext {
    const { link } = this;
    return {
      core: this.parts.core,
      session: s,
      link,
      violation: (code, reason) => this.#violation(code, reason),
      disconnected: (code, reason, userProperties, expirySeconds) => {
        s.lastDisconnect = {
          reason: reason ?? null,
          initiatedByClient: true,
          packet: { code, userProperties: userPropertyList(userProperties) },
        };
        if (expirySeconds !== undefined && s.expiryMs > 0)
          s.expiryMs = Math.min(expirySeconds * 1000, this.parts.sessionExpiryMs);
        // "Disconnect with Will Message" (0x04) keeps the will; any other DISCONNECT discards it.
        if (code !== V5.disconnectWithWill) link.will = undefined;
        link.close();
      },
    };
  }
}
