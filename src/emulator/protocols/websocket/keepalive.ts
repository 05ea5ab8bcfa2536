// WebSocket keep-alive: the service "periodically sends a ping frame to the client, the client should respond
// with a pong frame", which lets it "detect client liveness quickly" (Azure/azure-sdk-for-js#36751); the hub's
// `webSocketKeepAliveIntervalInSeconds` sets the period ("Valid range: 1 to 120. Default to 20 seconds").
// How many silent pings the service tolerates is not published: here a client that answers none of three
// pings in a row (no pong, no frame) is cut as a network failure would cut it (reliable clients may recover).
import type { WebSocket } from "ws";

const toleratedMisses = 3;

interface Entry {
  readonly ws: WebSocket;
  readonly hub: string;
  timer: NodeJS.Timeout | undefined;
  lastPingAt: number;
  missed: number;
}

export class KeepAlive {
  readonly #entries = new Set<Entry>();

  /** `intervalSeconds(hub)` is read at every ping, so edited settings apply to open connections. */
  constructor(private readonly intervalSeconds: (hub: string) => number) {}

  /** Starts pinging a socket until it closes. */
  add(ws: WebSocket, hub: string): void {
    const entry: Entry = { ws, hub, timer: undefined, lastPingAt: Date.now(), missed: 0 };
    const heard = () => {
      entry.missed = 0;
    };
    ws.on("pong", heard);
    ws.on("message", heard);
    ws.once("close", () => {
      clearTimeout(entry.timer);
      this.#entries.delete(entry);
    });
    this.#entries.add(entry);
    this.#schedule(entry);
  }

  /** The settings changed: each socket's next ping moves to its last ping plus the new interval. */
  reschedule(): void {
    for (const entry of this.#entries) this.#schedule(entry);
  }

  /** Stops every timer (emulator shutdown). */
  clear(): void {
    for (const entry of this.#entries) clearTimeout(entry.timer);
    this.#entries.clear();
  }

  #schedule(entry: Entry): void {
    clearTimeout(entry.timer);
    const due = entry.lastPingAt + this.intervalSeconds(entry.hub) * 1000;
    entry.timer = setTimeout(() => this.#ping(entry), Math.max(0, due - Date.now()));
    entry.timer.unref();
  }

  #ping(entry: Entry): void {
    const { ws } = entry;
    if (ws.readyState !== ws.OPEN) return;
    if (entry.missed >= toleratedMisses) {
      ws.terminate();
      return;
    }
    entry.missed++;
    entry.lastPingAt = Date.now();
    ws.ping();
    this.#schedule(entry);
  }
}
