// The WebSocket of one client, carrying the connection it serves. `ws` makes every socket of the endpoint as this
// class (its `WebSocket` option), so what the endpoint keeps per socket sits in the socket itself, and the socket's
// events go straight to the endpoint's handlers (one set shared by every socket) without a listener per socket.
// The read gate is made only once a client leaves replies unread: an idle socket carries a few fields, nothing else.
import { WebSocket, type RawData } from "ws";
import type { ClientConnection } from "../../state/connection";
import { backpressureLimits, ReadGate } from "./backpressure";
import type { KeepAliveEntry, KeepAliveQueue } from "./keepalive-queue";

/** What the endpoint does on a socket's events: one set for all its sockets. */
export interface SocketEvents {
  message(socket: ClientSocket, data: RawData, isBinary: boolean): void;
  close(socket: ClientSocket, code: number): void;
}

export class ClientSocket extends WebSocket implements KeepAliveEntry {
  /** The connection this socket carries; undefined for a socket opened only to be closed (refused recovery). */
  connection: ClientConnection | undefined = undefined;
  /** Set when the endpoint takes the socket; until then its events go to listeners only. */
  events: SocketEvents | undefined = undefined;
  /** When keep-alive last pinged the socket (or it joined), on keep-alive's clock. */
  lastPingAt = 0;
  /** Pings not answered since the client was last heard from. */
  missed = 0;
  /** The keep-alive queue the socket waits in, and its neighbours there. */
  keepAliveQueue: KeepAliveQueue | undefined = undefined;
  chainPrev: KeepAliveEntry | undefined = undefined;
  chainNext: KeepAliveEntry | undefined = undefined;
  /** Made when the client first has more than `pauseBytes` of replies unread (then it may pause reading). */
  #gate: ReadGate | undefined = undefined;

  /** The hub whose keep-alive interval applies. */
  get hub(): string {
    return this.connection?.hub ?? "";
  }

  /**
   * `ws` reports a socket's events here: the endpoint's handlers take them first, then any listeners. An error
   * nobody listens to ends the socket (ws closes it too) instead of throwing.
   */
  override emit(event: string | symbol, a?: unknown, b?: unknown): boolean {
    const events = this.events;
    if (events !== undefined) {
      switch (event) {
        case "message":
          this.missed = 0;
          events.message(this, a as RawData, b as boolean);
          break;
        case "ping":
          this.checkBackpressure();
          break;
        case "pong":
          this.missed = 0;
          break;
        case "close":
          this.#gate?.end();
          events.close(this, a as number);
          break;
        case "error":
          this.terminate();
          if (this.listenerCount("error") === 0) return true;
          break;
      }
    }
    return super.emit(event, a, b);
  }

  /**
   * After handling the client's input: replies (acks, pongs) the client leaves unread stop its input being
   * read, then close it through the connection's `onSlowClient`.
   */
  checkBackpressure(): void {
    const connection = this.connection;
    if (connection === undefined) return;
    if (this.#gate === undefined) {
      if (this.bufferedAmount + connection.unsentBytes <= backpressureLimits.pauseBytes) return;
      this.#gate = new ReadGate(
        this,
        () => connection.unsentBytes,
        (reason) => connection.onSlowClient?.(connection, reason),
      );
    }
    this.#gate.check();
  }
}
