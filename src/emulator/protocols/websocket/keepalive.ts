// WebSocket keep-alive: the service "periodically sends a ping frame to the client, the client should respond
// with a pong frame", which lets it "detect client liveness quickly" (Azure/azure-sdk-for-js#36751); the hub's
// `webSocketKeepAliveIntervalInSeconds` sets the period ("Valid range: 1 to 120. Default to 20 seconds").
// How many silent pings the service tolerates is not published: here a client that answers none of three
// pings in a row (no pong, no frame) is cut as a network failure would cut it (reliable clients may recover).
//
// Cost: no timer per socket. Sockets wait in one queue per interval, in the order they are due (a socket
// moves to the back when pinged, so each queue stays sorted), and one timer per queue wakes for its front.
import { KeepAliveQueue, type KeepAliveEntry } from "./keepalive-queue";

export type { KeepAliveEntry } from "./keepalive-queue";

const toleratedMisses = 3;
/** WebSocket.OPEN */
const open = 1;

/** Whole ms on a monotonic clock: a small integer, stored in the entry itself (no heap number per socket). */
const clock = (): number => Math.floor(performance.now());

export class KeepAlive {
  readonly #queues = new Map<number, KeepAliveQueue>();

  /** `intervalSeconds(hub)` is read when a socket joins and at every ping, so edited settings apply to open ones. */
  constructor(private readonly intervalSeconds: (hub: string) => number) {}

  /** Starts pinging a socket until `remove`. */
  add(entry: KeepAliveEntry): void {
    entry.lastPingAt = clock();
    entry.missed = 0;
    this.#enqueue(entry);
  }

  /** Stops pinging a socket (it closed). */
  remove(entry: KeepAliveEntry): void {
    const queue = entry.keepAliveQueue;
    if (queue === undefined) return;
    queue.remove(entry);
    if (queue.size === 0) this.#drop(queue);
  }

  /** The settings changed: each socket's next ping moves to its last ping plus the new interval. */
  reschedule(): void {
    const all = [...this.#queues.values()].flatMap((q) => [...q.nodes()]);
    this.clear();
    all.sort((a, b) => a.lastPingAt - b.lastPingAt);
    for (const entry of all) this.#enqueue(entry);
  }

  /** Every socket being pinged (every open client socket). */
  *sockets(): Iterable<KeepAliveEntry> {
    for (const queue of this.#queues.values()) yield* queue.nodes();
  }

  /** Stops every timer (emulator shutdown). */
  clear(): void {
    for (const queue of this.#queues.values()) {
      clearTimeout(queue.timer);
      for (const entry of queue.nodes()) queue.remove(entry);
    }
    this.#queues.clear();
  }

  #enqueue(entry: KeepAliveEntry): void {
    const intervalMs = this.intervalSeconds(entry.hub) * 1000;
    let queue = this.#queues.get(intervalMs);
    if (queue === undefined) {
      queue = new KeepAliveQueue(intervalMs);
      this.#queues.set(intervalMs, queue);
    }
    queue.append(entry);
    // A socket joining a queue is due after everyone in it: only an idle queue needs its timer set.
    if (queue.timer === undefined) this.#arm(queue);
  }

  /** Sets an idle queue's timer for its first socket. */
  #arm(queue: KeepAliveQueue): void {
    const first = queue.first;
    if (first === undefined) return;
    const due = first.lastPingAt + queue.intervalMs;
    queue.timer = setTimeout(() => this.#wake(queue), Math.max(0, due - clock()));
    queue.timer.unref();
  }

  #wake(queue: KeepAliveQueue): void {
    queue.timer = undefined;
    const now = clock();
    // Sockets due within a twentieth of the interval go now too: one wake-up for a burst of connections.
    const horizon = now + Math.min(250, queue.intervalMs / 20);
    const moved: KeepAliveEntry[] = [];
    for (const entry of queue.nodes()) {
      if (entry.lastPingAt + queue.intervalMs > horizon) break;
      queue.remove(entry);
      if (this.#ping(entry, now)) moved.push(entry);
    }
    // Pinged sockets wait for their next ping at their hub's interval now (it may have changed).
    for (const entry of moved) this.#enqueue(entry);
    if (queue.size === 0) this.#drop(queue);
    else if (queue.timer === undefined) this.#arm(queue);
  }

  /** Pings one socket; false when it is gone or was cut for missing too many pings. */
  #ping(entry: KeepAliveEntry, now: number): boolean {
    if (entry.readyState !== open) return false;
    if (entry.missed >= toleratedMisses) {
      entry.terminate();
      return false;
    }
    entry.missed++;
    entry.lastPingAt = now;
    entry.ping();
    return true;
  }

  #drop(queue: KeepAliveQueue): void {
    clearTimeout(queue.timer);
    queue.timer = undefined;
    if (this.#queues.get(queue.intervalMs) === queue) this.#queues.delete(queue.intervalMs);
  }
}
