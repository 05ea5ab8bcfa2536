// One keep-alive queue: the sockets of one ping interval, in the order they are due, linked through the sockets
// themselves (a chain: joining, leaving and moving to the back cost a few field writes, no hash-table entry).
import { Chain, type ChainNode } from "../../../internal/chain";

/** A socket keep-alive pings (the endpoint's client socket, which resets `missed` when the client is heard from). */
export interface KeepAliveEntry extends ChainNode<KeepAliveEntry> {
  readonly hub: string;
  readonly readyState: number;
  ping(): void;
  terminate(): void;
  /** When the socket was last pinged (or joined), on keep-alive's own clock. */
  lastPingAt: number;
  /** Pings not answered since the client was last heard from. */
  missed: number;
  /** The queue the socket waits in (keep-alive's own bookkeeping). */
  keepAliveQueue: KeepAliveQueue | undefined;
}

/** Sockets with the same interval, in due order, and the timer that wakes for the first of them. */
export class KeepAliveQueue extends Chain<KeepAliveEntry> {
  timer: NodeJS.Timeout | undefined = undefined;

  constructor(readonly intervalMs: number) {
    super();
  }

  /** Puts a socket (in no queue) at the back. */
  append(entry: KeepAliveEntry): void {
    entry.keepAliveQueue = this;
    this.push(entry);
  }

  /** Takes a socket of this queue out of it. */
  remove(entry: KeepAliveEntry): void {
    this.unlink(entry);
    entry.keepAliveQueue = undefined;
  }
}
