// One open client socket and the connection it carries. The endpoint's listeners are functions shared by every
// socket (they find the link on the socket they are called on), and the read gate is made only once a client
// leaves replies unread: an idle connection costs one small object here, not a set of closures and timers.
import type { RawData, WebSocket } from "ws";
import type { ClientConnection } from "../../state/connection";
import { backpressureLimits, ReadGate } from "./backpressure";
import type { KeepAliveEntry, KeepAliveQueue } from "./keepalive";

const linkKey = Symbol("webpubsub.emulator.link");

type LinkedSocket = WebSocket & { [linkKey]?: SocketLink };

export class SocketLink implements KeepAliveEntry {
  lastPingAt = 0;
  missed = 0;
  keepAliveQueue: KeepAliveQueue | undefined;
  /** Made when the client first has more than `pauseBytes` of replies unread (then it may pause reading). */
  #gate: ReadGate | undefined;

  constructor(
    readonly ws: WebSocket,
    readonly connection: ClientConnection,
  ) {
    (ws as LinkedSocket)[linkKey] = this;
  }

  get hub(): string {
    return this.connection.hub;
  }

  /** The link of a socket the endpoint opened (undefined for one it refused). */
  static of(ws: WebSocket): SocketLink | undefined {
    return (ws as LinkedSocket)[linkKey];
  }

  /**
   * After handling the client's input: replies (acks, pongs) the client leaves unread stop its input being
   * read, then close it through `onSlowClient`.
   */
  checkBackpressure(): void {
    if (this.#gate === undefined) {
      if (this.ws.bufferedAmount + this.connection.unsentBytes <= backpressureLimits.pauseBytes) return;
      const connection = this.connection;
      this.#gate = new ReadGate(
        this.ws,
        () => connection.unsentBytes,
        (reason) => connection.onSlowClient?.(connection, reason),
      );
    }
    this.#gate.check();
  }

  /** The socket closed: stops watching it. */
  end(): void {
    this.#gate?.end();
  }
}

/** The listeners the endpoint gives every socket: one set shared by all (each finds its link on its socket). */
export interface SocketListeners {
  ping: (this: WebSocket) => void;
  pong: (this: WebSocket) => void;
  message: (this: WebSocket, data: RawData, isBinary: boolean) => void;
  close: (this: WebSocket, code: number) => void;
}

export function terminateSocket(this: WebSocket): void {
  this.terminate();
}
