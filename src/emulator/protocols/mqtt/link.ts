// One physical connection: a WebSocket carrying MQTT packets. It parses what arrives (bounded), writes
// packets in the client's protocol version, and watches the keep-alive.
import { randomBytes } from "node:crypto";
import type { IConnectPacket } from "mqtt-packet";
import type { RawData, WebSocket } from "ws";
import { backpressureLimits, ReadGate } from "../websocket/backpressure";
import { V5 } from "./codes";
import { FramingError, PacketFramer } from "./framer";
import { mqttLimits } from "./limits";
import type { Packet, PacketLibrary } from "./packets";
import { repeatedProperty } from "./properties";

export class MqttLink {
  /** `ce-physicalConnectionId` of the events about this connection. */
  readonly physicalId = randomBytes(12).toString("hex");
  version: 4 | 5 = 4;
  /** The client's Receive Maximum (5.0): how many QoS 1/2 messages it takes in flight. */
  clientReceiveMaximum = 65535;
  /** The client's Maximum Packet Size (5.0): larger messages are not sent to it. */
  clientMaximumPacketSize = Number.POSITIVE_INFINITY;
  closed = false;
  /** The CONNECT's last will, until a DISCONNECT (other than "with will") discards it. */
  will: IConnectPacket["will"];
  #keepAliveTimer: NodeJS.Timeout | undefined;
  #keepAliveMs = 0;
  readonly #parser;
  readonly #framer = new PacketFramer(mqttLimits.maxPacketBytes);
  /** Packets written and not yet handed to the network (each one a buffer and a callback until then). */
  #unsentPackets = 0;
  readonly #gate: ReadGate;

  constructor(
    readonly ws: WebSocket,
    private readonly lib: PacketLibrary,
    private readonly onPacket: (packet: Packet) => void,
    /** Ends the connection: a protocol violation (with its 5.0 reason code), a slow client or an internal error. */
    private readonly onProtocolError: (reasonCode: number, message: string) => void,
    /** Sees every WebSocket message as it arrives (the emulator's watchers). */
    onBytes?: (bytes: Buffer) => void,
  ) {
    this.#parser = lib.parser();
    this.#parser.on("packet", (packet: Packet) => {
      if (!this.closed) this.#dispatch(packet);
    });
    // Both listeners stay for the parser's life: a parse in progress may still emit after close (ignored),
    // and an "error" without a listener would throw out of the socket's message handler.
    this.#parser.on("error", (error: Error) => {
      if (!this.closed) onProtocolError(V5.malformedPacket, `malformed packet: ${error.message}`);
    });
    this.#gate = new ReadGate(
      ws,
      () => this.#unsentPackets * backpressureLimits.frameOverheadBytes + this.#framer.buffered,
      (reason) => onProtocolError(V5.quotaExceeded, reason),
      () => this.#pump(),
    );
    ws.on("message", (data: RawData) => {
      if (this.closed) return;
      this.#touch();
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      onBytes?.(bytes);
      this.#framer.append(bytes);
      this.#pump();
    });
  }

  /**
   * Hands whole packets to the parser one at a time, and stops while the client leaves the replies unread
   * (the rest waits in the framer; reading resumes when they drain).
   */
  #pump(): void {
    while (!this.closed && this.#gate.check()) {
      let packet: Buffer | undefined;
      try {
        packet = this.#framer.next();
      } catch (error) {
        const framing = error as FramingError;
        this.onProtocolError(framing.tooLarge ? V5.packetTooLarge : V5.malformedPacket, framing.message);
        return;
      }
      if (packet === undefined) return;
      this.#parser.parse(packet);
    }
  }

  /** One packet, checked where every packet arrives; an exception handling it ends this connection only. */
  #dispatch(packet: Packet): void {
    const repeated = repeatedProperty(packet);
    if (repeated !== undefined) {
      this.onProtocolError(V5.protocolError, `the property ${repeated} appears more than once`);
      return;
    }
    try {
      this.onPacket(packet);
    } catch (error) {
      this.onProtocolError(
        V5.implementationSpecificError,
        `internal error handling a ${packet.cmd.toUpperCase()} packet: ${(error as Error).message}`,
      );
    }
  }

  /** Starts the keep-alive watch: no packet for 1.5 × the interval closes the connection (MQTT §3.1.2.10). */
  keepAlive(seconds: number, onTimeout: () => void): void {
    if (seconds <= 0) return;
    this.#keepAliveMs = seconds * 1500;
    this.#onKeepAliveTimeout = onTimeout;
    this.#touch();
  }

  #onKeepAliveTimeout: (() => void) | undefined;

  #touch(): void {
    if (this.#keepAliveMs === 0 || this.closed) return;
    if (this.#keepAliveTimer !== undefined) clearTimeout(this.#keepAliveTimer);
    this.#keepAliveTimer = setTimeout(() => this.#onKeepAliveTimeout?.(), this.#keepAliveMs);
    this.#keepAliveTimer.unref?.();
  }

  write(packet: Packet): void {
    if (this.closed || this.ws.readyState !== 1) return;
    let bytes: Buffer;
    try {
      bytes = this.lib.generate(packet, { protocolVersion: this.version });
    } catch {
      // A packet the library will not write (a property the version lacks) is a bug here, not the client's.
      return;
    }
    if (packet.cmd === "publish" && bytes.length > this.clientMaximumPacketSize) return;
    this.#unsentPackets++;
    this.ws.send(bytes, { binary: true }, () => this.#unsentPackets--);
    // Messages to a client that does not read are bounded too (and its input waits meanwhile).
    this.#gate.check();
  }

  /** Ends the network connection (after any packet written just before). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#gate.end();
    if (this.#keepAliveTimer !== undefined) clearTimeout(this.#keepAliveTimer);
    this.ws.close(1000);
    const ws = this.ws;
    // A client that does not answer the close handshake is cut off.
    setTimeout(() => ws.terminate(), 1000).unref?.();
  }

  /** The socket closed (either side): stop timers. */
  ended(): void {
    this.closed = true;
    this.#gate.end();
    if (this.#keepAliveTimer !== undefined) clearTimeout(this.#keepAliveTimer);
  }
}
