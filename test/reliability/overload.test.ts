// Overload: 10k calls at once through one client. The pool limit holds, every promise settles, and
// memory returns to where it was.
import type { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { RestError, WebPubSubServiceClient } from "../../src/index";
import { startRecordingServer } from "../helpers/recordingServer";

const key = "overload-key-0123456789";

async function serverCountingSockets(respond: (i: number, res: import("node:http").ServerResponse) => void) {
  let live = 0;
  let maxLive = 0;
  let i = 0;
  const server = await startRecordingServer((_req, res) => respond(i++, res));
  server.server.on("connection", (socket: Socket) => {
    live++;
    maxLive = Math.max(maxLive, live);
    socket.once("close", () => live--);
  });
  // Recording every request would hold 10k bodies; this suite only counts.
  server.requests.push = () => 0;
  return { server, maxLive: () => maxLive, handled: () => i };
}

describe("overload", () => {
  it("10k concurrent sends through one client: at most `connections` sockets, every promise settles", async () => {
    const { server, maxLive, handled } = await serverCountingSockets((_i, res) => res.writeHead(202).end());
    const client = new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};Version=1.0;`, "hub", {
      connections: 16,
    });
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, "vitest runs workers with --expose-gc").toBeTypeOf("function");
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const results = await Promise.allSettled(Array.from({ length: 10_000 }, (_, n) => client.sendToAll({ n })));
    expect(results.filter((r) => r.status === "fulfilled").length).toBe(10_000);
    expect(handled()).toBe(10_000);
    expect(maxLive()).toBeLessThanOrEqual(16);
    // Queued requests are released as they finish: memory after is within a few MB of before.
    gc?.();
    const heapAfter = process.memoryUsage().heapUsed;
    expect(heapAfter - heapBefore).toBeLessThan(8 * 1024 * 1024);
    await client.close();
    await server.close();
  }, 60_000);

  it("10k concurrent calls while the server sheds load: retried ones succeed, the rest fail typed, none hang", async () => {
    // Every 10th request gets a 503; retries then succeed. Every 97th gets a final 400.
    const { server, handled } = await serverCountingSockets((i, res) => {
      if (i % 97 === 0)
        res.writeHead(400, { "content-type": "application/json" }).end('{"code":"BadRequest","message":"no"}');
      else if (i % 10 === 0) res.writeHead(503, { "retry-after-ms": "20" }).end();
      else res.writeHead(202).end();
    });
    const client = new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};Version=1.0;`, "hub", {
      connections: 32,
      retryOptions: { maxRetries: 5, retryDelayInMs: 10 },
    });
    const results = await Promise.allSettled(
      Array.from({ length: 10_000 }, (_, n) => client.group(`g${n % 50}`).addConnection(`c${n}`)),
    );
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(results.length).toBe(10_000);
    for (const r of rejected) expect(r.reason).toBeInstanceOf(RestError);
    for (const r of rejected) expect((r.reason as RestError).statusCode).toBe(400);
    // Each 400 is final, so failures equal the number of 400s the server sent.
    const fourHundreds = Math.floor((handled() - 1) / 97) + 1;
    expect(rejected.length).toBe(fourHundreds);
    await client.close();
    await server.close();
  }, 60_000);

  it("close() while 5k calls are queued: calls in flight finish, the client then refuses new ones", async () => {
    const { server } = await serverCountingSockets((_i, res) => setTimeout(() => res.writeHead(202).end(), 1));
    const client = new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};Version=1.0;`, "hub", {
      connections: 8,
    });
    const pending = Array.from({ length: 5000 }, (_, n) => client.sendToAll({ n }));
    const closed = client.close();
    const results = await Promise.allSettled(pending);
    await closed;
    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    await expect(client.sendToAll("late")).rejects.toMatchObject({ name: "ClosedError" });
    await server.close();
  }, 60_000);

  it("one AbortSignal shared by 1000 calls in flight: no listener warning, one abort cancels them all", async () => {
    const { server } = await serverCountingSockets(() => {
      /* never answers */
    });
    const client = new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};Version=1.0;`, "hub", {
      connections: 32,
    });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    const controller = new AbortController();
    const calls = Array.from({ length: 1000 }, (_, n) =>
      client.groupExists(`g${n}`, { abortSignal: controller.signal }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const t0 = performance.now();
    controller.abort();
    const results = await Promise.allSettled(calls);
    // Not held until timeoutInMs (30 s by default): a tenth of it is room for a loaded machine.
    expect(performance.now() - t0).toBeLessThan(3_000);
    expect(results.every((r) => r.status === "rejected" && (r.reason as Error).name === "AbortError")).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    process.off("warning", onWarning);
    expect(warnings).not.toContain("MaxListenersExceededWarning");
    await client.close();
    await server.close();
  });
});
