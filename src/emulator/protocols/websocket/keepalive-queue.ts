// One keep-alive queue: the sockets of one ping interval, in the order they are due, linked through the sockets
// themselves. Joining, leaving and moving to the back cost a few field writes: no hash table entry per socket.

/** A socket keep-alive pings (the endpoint's client socket, which resets `missed` when the client is heard from). */
export interface KeepAliveEntry {
  readonly hub: string;
  readonly readyState: number;
  ping(): void;
  terminate(): void;
  /** When the socket was last pinged (or joined), on keep-alive's own clock. */
  lastPingAt: number;
  /** Pings not answered since the client was last heard from. */
  missed: number;
  /** The queue the socket waits in, and its neighbours there (keep-alive's own bookkeeping). */
  keepAliveQueue: KeepAliveQueue | undefined;
  keepAlivePrev: KeepAliveEntry | undefined;
  keepAliveNext: KeepAliveEntry | undefined;
}

/** Sockets with the same interval, in due order, and the timer that wakes for the first of them. */
export class KeepAliveQueue {
  first: KeepAliveEntry | undefined = undefined;
  last: KeepAliveEntry | undefined = undefined;
  size = 0;
  timer: NodeJS.Timeout | undefined = undefined;

  constructor(readonly intervalMs: number) {}

  /** Puts a socket (in no queue) at the back. */
  append(entry: KeepAliveEntry): void {
    entry.keepAliveQueue = this;
    entry.keepAlivePrev = this.last;
    entry.keepAliveNext = undefined;
    if (this.last === undefined) this.first = entry;
    else this.last.keepAliveNext = entry;
    this.last = entry;
    this.size++;
  }

  /** Takes a socket of this queue out of it. */
  unlink(entry: KeepAliveEntry): void {
    const { keepAlivePrev: prev, keepAliveNext: next } = entry;
    if (prev === undefined) this.first = next;
    else prev.keepAliveNext = next;
    if (next === undefined) this.last = prev;
    else next.keepAlivePrev = prev;
    entry.keepAliveQueue = entry.keepAlivePrev = entry.keepAliveNext = undefined;
    this.size--;
  }

  /** The sockets, first due first (safe to unlink the one just handed out). */
  *entries(): IterableIterator<KeepAliveEntry> {
    let entry = this.first;
    while (entry !== undefined) {
      const next = entry.keepAliveNext;
      yield entry;
      entry = next;
    }
  }
}
