import WebSocket from "ws";

/** A test WebSocket client that queues what it receives, so tests can await the next frame. */
export class TestSocket {
  readonly socket: WebSocket;
  readonly frames: { data: string | Buffer; binary: boolean }[] = [];
  #waiters: (() => void)[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(url: string, protocol?: string, headers?: Record<string, string>) {
    this.socket = protocol === undefined ? new WebSocket(url, { headers }) : new WebSocket(url, protocol, { headers });
    this.socket.on("message", (data: Buffer, binary) => {
      this.frames.push({ data: binary ? data : data.toString(), binary });
      for (const w of this.#waiters.splice(0)) w();
    });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once("open", () => resolve());
      this.socket.once("error", reject);
      this.socket.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    this.closed = new Promise((resolve) =>
      this.socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    this.closed.catch(() => {});
    this.opened.catch(() => {});
  }

  /** The next frame (in arrival order), waiting up to `timeoutMs`. */
  async next(timeoutMs = 3000): Promise<{ data: string | Buffer; binary: boolean }> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no frame arrived in time");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.frames.shift() as { data: string | Buffer; binary: boolean };
  }

  /** The next frame parsed as JSON. */
  async nextJson(timeoutMs = 3000): Promise<Record<string, unknown>> {
    const frame = await this.next(timeoutMs);
    return JSON.parse(String(frame.data)) as Record<string, unknown>;
  }

  send(value: unknown): void {
    this.socket.send(typeof value === "string" ? value : JSON.stringify(value));
  }

  close(): void {
    this.socket.close();
  }
}

/** Expects a connection attempt to be refused; resolves with the HTTP status. */
export function refusedStatus(url: string, protocol?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = protocol === undefined ? new WebSocket(url) : new WebSocket(url, protocol);
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once("open", () => {
      ws.close();
      reject(new Error("the connection was accepted"));
    });
    ws.once("error", () => {});
  });
}
