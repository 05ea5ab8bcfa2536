// Issue 9 item 2: totalTimeoutInMs is an absolute deadline that data never extends; a response body has a
// time limit of its own (timeoutInMs from the first response byte); close() returns once calls in flight
// settle, which their deadlines guarantee. Each case runs against a loopback server doing exactly that.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { TimeoutError, WebPubSubServiceClient, type WebPubSubServiceClientOptions } from "../../src/index";

const key = "deadline-test-key";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** A server that answers `status` at once, then dribbles one body byte every `everyMs`, for ever. */
async function trickleServer(status: number, everyMs: number) {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let requests = 0;
  let bodyBytesReceived = 0;
  const server: Server = createServer((req, res: ServerResponse) => {
    requests++;
    req.on("data", (c: Buffer) => (bodyBytesReceived += c.length));
    req.on("end", () => {
      res.writeHead(status, { "content-type": "application/json" });
      res.flushHeaders();
      const timer = setInterval(() => res.write(" "), everyMs);
      timers.add(timer);
      res.on("close", () => clearInterval(timer));
    });
  });
  server.on("connection", (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((r) => {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  cleanups.push(close);
  return { url: `http://127.0.0.1:${port}`, requests: () => requests, bodyBytes: () => bodyBytesReceived };
}

function client(url: string, options: WebPubSubServiceClientOptions) {
  const c = new WebPubSubServiceClient(`Endpoint=${url};AccessKey=${key};Version=1.0;`, "hub", options);
  cleanups.push(() => c.close());
  return c;
}

async function listAll(c: WebPubSubServiceClient): Promise<unknown> {
  for await (const _ of c.group("g").listConnections()) void _;
  return undefined;
}

describe("deadlines hold against a server that trickles", () => {
  it("a body dribbling a byte every 50 ms cannot hold a call past totalTimeoutInMs", async () => {
    const server = await trickleServer(200, 50);
    // timeoutInMs is never reached between bytes, and the body limit (timeoutInMs) is longer than the deadline.
    const c = client(server.url, { timeoutInMs: 60_000, totalTimeoutInMs: 700 });
    const start = performance.now();
    const error = (await listAll(c).catch((e: unknown) => e)) as TimeoutError;
    const elapsed = performance.now() - start;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ timeout: "total", timeoutInMs: 700, retryable: false });
    expect(elapsed).toBeGreaterThanOrEqual(690);
    // Ended by the 700 ms deadline, not by the body's limit (timeoutInMs, 60 s) nor by the trickle (endless):
    // 7 s, ten times the deadline and a ninth of the limit, is room for a loaded machine.
    expect(elapsed).toBeLessThan(7_000);
  });

  it("a response body has its own time limit (timeoutInMs from the first byte); an idempotent call is retried", async () => {
    const server = await trickleServer(200, 50);
    const c = client(server.url, {
      timeoutInMs: 300,
      totalTimeoutInMs: 30_000,
      retryOptions: { maxRetries: 1, retryDelayInMs: 10 },
    });
    const start = performance.now();
    const error = (await listAll(c).catch((e: unknown) => e)) as TimeoutError;
    const elapsed = performance.now() - start;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ timeout: "attempt", timeoutInMs: 300, retryable: true });
    expect(error.message).toMatch(/response body did not arrive in full within timeoutInMs \(300 ms\)/);
    expect(server.requests()).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(600);
    // Two 300 ms body limits, not the 30 s deadline: a tenth of it is room for a loaded machine.
    expect(elapsed).toBeLessThan(3_000);
  });

  it("a send whose response body trickles is timed out by the body limit and not repeated", async () => {
    const server = await trickleServer(202, 50);
    const c = client(server.url, { timeoutInMs: 300, totalTimeoutInMs: 30_000 });
    const error = (await c.sendToAll({ a: 1 }).catch((e: unknown) => e)) as TimeoutError;
    expect(error).toMatchObject({ name: "TimeoutError", timeout: "attempt", retryable: false });
    expect(server.requests()).toBe(1);
  });

  it("an upload that keeps making progress is still bounded by totalTimeoutInMs", async () => {
    const server = await trickleServer(202, 50);
    const c = client(server.url, { timeoutInMs: 60_000, totalTimeoutInMs: 600 });
    async function* endless() {
      for (;;) {
        await new Promise((r) => setTimeout(r, 30));
        yield new Uint8Array(16);
      }
    }
    const start = performance.now();
    const error = (await c.sendToAll(endless()).catch((e: unknown) => e)) as TimeoutError;
    expect(error).toMatchObject({ name: "TimeoutError", timeout: "total", timeoutInMs: 600 });
    // The 600 ms deadline, not timeoutInMs (60 s) nor the endless upload: 6 s is room for a loaded machine.
    expect(performance.now() - start).toBeLessThan(6_000);
    expect(server.bodyBytes()).toBeGreaterThan(0);
  });

  it("close() returns once calls in flight settle, by their deadlines, even against a trickling server", async () => {
    const server = await trickleServer(200, 50);
    const c = new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};Version=1.0;`, "hub", {
      timeoutInMs: 60_000,
      totalTimeoutInMs: 800,
    });
    const calls = [listAll(c), c.groupExists("g"), c.sendToAll("x")].map((p) =>
      p.then(
        () => "ok",
        (e: unknown) => (e as Error).name,
      ),
    );
    await new Promise((r) => setTimeout(r, 100));
    const start = performance.now();
    await c.close();
    // By the 800 ms deadlines, not timeoutInMs (60 s): 8 s is room for a loaded machine.
    expect(performance.now() - start).toBeLessThan(8_000);
    expect(await Promise.all(calls)).toEqual(["TimeoutError", "ok", "TimeoutError"]); // a HEAD answer has no body to trickle;
  });
});
