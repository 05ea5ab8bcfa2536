// One physical connection: a WebSocket carrying MQTT packets. It parses what arrives (bounded), writes
// packets in the client's protocol version, and watches the keep-alive.
import { randomBytes } from "node:crypto";
import type { IConnectPacket } from "mqtt-packet";
import type { RawData, WebSocket } from "ws";
import { mqttLimits } from "./limits";
import type { Packet, PacketLibrary } from "./packets";

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

  constructor(
    readonly ws: WebSocket,
    private readonly lib: PacketLibrary,
    onPacket: (packet: Packet) => void,
    onProtocolError: (message: string, tooLarge: boolean) => void,
    /** Sees every WebSocket message as it arrives (the emulator's watchers). */
    onBytes?: (bytes: Buffer) => void,
  ) {
    this.#parser = lib.parser();
    this.#parser.on("packet", (packet: Packet) => {
      if (!this.closed) onPacket(packet);
    });
    // Both listeners stay for the parser's life: a parse in progress may still emit after close (ignored),
    // and an "error" without a listener would throw out of the socket's message handler.
    this.#parser.on("error", (error: Error) => {
      if (!this.closed) onProtocolError(`malformed packet: ${error.message}`, false);
    });
    ws.on("message", (data: RawData) => {
      if (this.closed) return;
      this.#touch();
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      onBytes?.(bytes);
      // A packet may span frames; the parser keeps the unfinished part. Bound what it may keep.
      const buffered = this.#parser.parse(bytes);
      const announced = (this.#parser as unknown as { packet?: { length?: number } }).packet?.length ?? -1;
      if (buffered > mqttLimits.maxPacketBytes || announced > mqttLimits.maxPacketBytes) {
        onProtocolError(`packet larger than ${mqttLimits.maxPacketBytes} bytes`, true);
      }
    });
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
    this.ws.send(bytes, { binary: true });
  }

  /** Ends the network connection (after any packet written just before). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.#keepAliveTimer !== undefined) clearTimeout(this.#keepAliveTimer);
    this.ws.close(1000);
    const ws = this.ws;
    // A client that does not answer the close handshake is cut off.
    setTimeout(() => ws.terminate(), 1000).unref?.();
  }

  /** The socket closed (either side): stop timers. */
  ended(): void {
    this.closed = true;
    if (this.#keepAliveTimer !== undefined) clearTimeout(this.#keepAliveTimer);
  }
}
