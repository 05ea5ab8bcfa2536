// A WebSocket client on a bare TCP socket, for tests that need a client that stops reading (a slow consumer):
// the handshake by hand, then server frames parsed as they are read. Only what the tests need: unmasked
// server frames, no fragmentation.
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

export interface RawFrame {
  opcode: number;
  payload: Buffer;
}

export class RawWebSocket {
  readonly frames: RawFrame[] = [];
  #buffer = Buffer.alloc(0);

  private constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#parse();
    });
  }

  /** Opens `ws://host:port/path` (no subprotocol) and resolves once the server answered 101. */
  static open(url: string): Promise<RawWebSocket> {
    const target = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(target.port), target.hostname);
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.write(
          `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\n` +
            `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\n` +
            `Sec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end === -1) return;
        socket.off("data", onData);
        const status = head.subarray(0, end).toString("latin1").split(" ")[1];
        if (status !== "101") return reject(new Error(`HTTP ${status}`));
        const client = new RawWebSocket(socket);
        const rest = head.subarray(end + 4);
        if (rest.length > 0) socket.emit("data", rest);
        resolve(client);
      };
      socket.on("data", onData);
    });
  }

  #parse(): void {
    for (;;) {
      const b = this.#buffer;
      if (b.length < 2) return;
      let length = (b[1] as number) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if (b.length < offset + length) return;
      this.frames.push({ opcode: (b[0] as number) & 0x0f, payload: b.subarray(offset, offset + length) });
      this.#buffer = b.subarray(offset + length);
    }
  }

  /** Stops reading: the kernel buffers fill and the server's writes back up, as with a slow client. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(): void {
    this.socket.destroy();
  }
}
