// Retries, timeouts and cancellation against a loopback server that injects each fault.
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  AbortError,
  AzureKeyCredential,
  NetworkError,
  RestError,
  TimeoutError,
  WebPubSubServiceClient,
} from "../../src/index";
import { watchLoopDelay } from "../helpers/loopDelay";
import { startRecordingServer } from "../helpers/recordingServer";

const key = "retry-test-key";
const fast = { retryDelayInMs: 5, maxRetryDelayInMs: 50 };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function scripted(steps: ((res: import("node:http").ServerResponse, socket: Socket) => void)[]) {
  let i = 0;
  const server = await startRecordingServer((req, res) => {
    const step = steps[Math.min(i++, steps.length - 1)];
    step?.(res, res.socket as Socket);
  });
  const client = new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};Version=1.0;`, "hub", {
    retryOptions: fast,
  });
  cleanups.push(async () => {
    await client.close();
    await server.close();
  });
  return { server, client };
}

const status =
  (code: number, headers: Record<string, string> = {}, body?: string) =>
  (res: import("node:http").ServerResponse) => {
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.statusCode = code;
    res.end(body);
  };
const reset = (_res: unknown, socket: Socket) => socket.destroy();

describe("retries", () => {
  it.each([408, 500, 502, 503, 504, 507])("retries %i, then succeeds", async (code) => {
    const { server, client } = await scripted([status(code), status(code), status(202)]);
    await client.sendToAll({ a: 1 });
    expect(server.requests.length).toBe(3);
  });

  it.each([400, 401, 403, 404, 409, 413, 501, 505])("does not retry %i", async (code) => {
    const { server, client } = await scripted([
      status(code, { "x-ms-error-code": "Some.Code", "x-ms-request-id": "rid-1" }),
    ]);
    const error = await client.sendToAll({ a: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestError);
    expect(error).toMatchObject({
      name: "RestError",
      statusCode: code,
      code: "Some.Code",
      requestId: "rid-1",
      retryable: false,
    });
    expect(server.requests.length).toBe(1);
  });

  it("gives up after maxRetries + 1 attempts with the last error, marked retryable", async () => {
    const { server, client } = await scripted([
      status(503, { "content-type": "application/json" }, '{"code":"Busy","message":"try later"}'),
    ]);
    const error = (await client.sendToAll("x").catch((e: unknown) => e)) as RestError;
    expect(server.requests.length).toBe(4);
    expect(error).toBeInstanceOf(RestError);
    expect(error.retryable).toBe(true);
    expect(error.code).toBe("Busy");
    expect(error.message).toBe("POST /api/hubs/hub/:send failed with status 503 (Busy): try later");
  });

  it("honours a per-call maxRetries", async () => {
    const { server, client } = await scripted([status(500)]);
    await expect(client.sendToAll("x", { retryOptions: { maxRetries: 1 } })).rejects.toBeInstanceOf(RestError);
    expect(server.requests.length).toBe(2);
  });

  it.each([
    ["Retry-After seconds", { "retry-after": "1" }, 1000],
    ["retry-after-ms", { "retry-after-ms": "300" }, 300],
    ["Retry-After HTTP date", () => ({ "retry-after": new Date(Date.now() + 2000).toUTCString() }), 400],
  ])("429 with %s waits as told", async (_name, headers, atLeast) => {
    const { server, client } = await scripted([
      (res) => status(429, typeof headers === "function" ? headers() : headers)(res),
      status(202),
    ]);
    const loop = watchLoopDelay();
    const start = performance.now();
    await client.sendToAll("x", { retryOptions: { maxRetryDelayInMs: 5000 } });
    const elapsed = performance.now() - start;
    loop.stop();
    expect(server.requests.length).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(atLeast - 20);
    // Plus however late this process's timers ran (a loaded machine).
    expect(elapsed).toBeLessThan(3500 + loop.totalMs());
  });

  it("retries a connection reset on idempotent calls", async () => {
    const { server, client } = await scripted([reset, status(200)]);
    await client.group("g").addUser("u");
    expect(server.requests.length).toBe(2);
  });

  it("does not retry a send whose connection broke after the body was written", async () => {
    const { server, client } = await scripted([reset, status(202)]);
    const error = (await client.sendToAll({ a: 1 }).catch((e: unknown) => e)) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.requestSent).toBe(true);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/after the request was sent/);
    expect(server.requests.length).toBe(1);
  });

  it("retries such a send when retryAfterSend is set (at-least-once)", async () => {
    const { server, client } = await scripted([reset, status(202)]);
    await client.sendToAll({ a: 1 }, { retryOptions: { retryAfterSend: true } });
    expect(server.requests.length).toBe(2);
  });

  it("retries connection refused (nothing reached the service), then fails with NetworkError", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    const client = new WebPubSubServiceClient(
      `Endpoint=http://127.0.0.1:${port};AccessKey=${key};Version=1.0;`,
      "hub",
      { retryOptions: fast },
    );
    cleanups.push(() => client.close());
    const error = (await client.sendToAll("x").catch((e: unknown) => e)) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.requestSent).toBe(false);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/before the request reached the service.*ECONNREFUSED/);
  });

  it("signs each attempt with the current key (rotation between attempts)", async () => {
    const keys: string[] = [];
    const credential = new AzureKeyCredential("key-one");
    let n = 0;
    const server = await startRecordingServer((req, res) => {
      keys.push(String(req.headers.authorization));
      if (n++ === 0) {
        credential.update("key-two");
        res.statusCode = 503;
      } else res.statusCode = 202;
      res.end();
    });
    const client = new WebPubSubServiceClient(server.url, credential, "hub", { retryOptions: fast });
    cleanups.push(async () => {
      await client.close();
      await server.close();
    });
    await client.sendToAll("x");
    const { jwtVerify } = await import("jose");
    await jwtVerify(keys[0]!.slice(7), new TextEncoder().encode("key-one"));
    await jwtVerify(keys[1]!.slice(7), new TextEncoder().encode("key-two"));
  });
});

describe("timeouts and cancellation", () => {
  async function hungServer(): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
    let hits = 0;
    const sockets = new Set<Socket>();
    const server: Server = createServer(() => {
      hits++;
    });
    server.on("connection", (s) => sockets.add(s));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      hits: () => hits,
      close: () =>
        new Promise((r) => {
          for (const s of sockets) s.destroy();
          server.close(() => r());
        }),
    };
  }

  it("times out each attempt of a hung server and retries idempotent calls", async () => {
    const server = await hungServer();
    const client = new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};Version=1.0;`, "hub", {
      retryOptions: { ...fast, maxRetries: 2 },
    });
    cleanups.push(async () => {
      await client.close();
      await server.close();
    });
    const error = (await client.groupExists("g", { timeoutInMs: 100 }).catch((e: unknown) => e)) as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.timeout).toBe("attempt");
    expect(server.hits()).toBe(3);
  });

  it("does not retry a timed-out send (the service may have it)", async () => {
    const server = await hungServer();
    const client = new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};Version=1.0;`, "hub", {
      retryOptions: fast,
    });
    cleanups.push(async () => {
      await client.close();
      await server.close();
    });
    const error = (await client.sendToAll("x", { timeoutInMs: 100 }).catch((e: unknown) => e)) as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.retryable).toBe(false);
    expect(server.hits()).toBe(1);
  });

  it("stops at totalTimeoutInMs", async () => {
    const server = await hungServer();
    const client = new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};Version=1.0;`, "hub", {
      retryOptions: fast,
    });
    cleanups.push(async () => {
      await client.close();
      await server.close();
    });
    const start = performance.now();
    const error = (await client
      .userExists("u", { timeoutInMs: 30_000, totalTimeoutInMs: 300 })
      .catch((e: unknown) => e)) as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.timeout).toBe("total");
    // Ended by the 300 ms deadline: a tenth of timeoutInMs (30 s) leaves room for a loaded machine.
    expect(performance.now() - start).toBeLessThan(3_000);
  });

  it("aborts a request in flight at once", async () => {
    const server = await hungServer();
    const client = new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};Version=1.0;`, "hub");
    cleanups.push(async () => {
      await client.close();
      await server.close();
    });
    const controller = new AbortController();
    const pending = client.sendToAll("x", { abortSignal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const start = performance.now();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    // Not held until timeoutInMs (30 s by default): a tenth of it is room for a loaded machine.
    expect(performance.now() - start).toBeLessThan(3_000);
  });

  it("aborts during the backoff wait", async () => {
    const { server, client } = await scripted([status(503, { "retry-after": "30" })]);
    const controller = new AbortController();
    const pending = client.sendToAll("x", {
      abortSignal: controller.signal,
      retryOptions: { maxRetryDelayInMs: 60_000 },
    });
    setTimeout(() => controller.abort(), 100);
    const start = performance.now();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    // Not held for the 30 s Retry-After: a tenth of it is room for a loaded machine.
    expect(performance.now() - start).toBeLessThan(3_000);
    expect(server.requests.length).toBe(1);
  });

  it("an already-aborted signal sends nothing", async () => {
    const { server, client } = await scripted([status(202)]);
    await expect(client.sendToAll("x", { abortSignal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    expect(server.requests.length).toBe(0);
  });
});
