// The fetch build (dist/web: what Deno, Bun, workerd and edge runtimes load) under the faults that decide
// the SDK's guarantees, on Node's own fetch against loopback servers: the same answers as the undici build
// (test/reliability/faults.test.ts), because deadlines, retries and error mapping sit above the transport.
import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type * as Sdk from "../../src/index";
import { startRecordingServer, type RecordedRequest } from "../helpers/recordingServer";

const web = (await import(new URL("../../dist/web/index.js", import.meta.url).href)) as typeof Sdk;
const key = "fetch-fault-key";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

type Step = (request: RecordedRequest, res: ServerResponse) => void;
const reply =
  (code: number, headers: Record<string, string> = {}, body = ""): Step =>
  (_req, res) =>
    void res.writeHead(code, headers).end(body);
const reset: Step = (_req, res) => res.socket?.destroy();
const hang: Step = () => undefined;

async function scripted(steps: Step[], options: Sdk.WebPubSubServiceClientOptions = {}) {
  let i = 0;
  const server = await startRecordingServer((req, res) => (steps[Math.min(i++, steps.length - 1)] as Step)(req, res));
  const client = new web.WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};Version=1.0;`, "hub", {
    retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 2000 },
    ...options,
  });
  cleanups.push(async () => {
    await client.close();
    await server.close();
  });
  return { server, client };
}

describe("the fetch build under faults", () => {
  it("retries 503 with retry-after-ms, waiting what the server asked", async () => {
    const { server, client } = await scripted([reply(503, { "retry-after-ms": "150" }), reply(202)]);
    const t0 = performance.now();
    await client.sendToAll({ n: 1 });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
    expect(server.requests).toHaveLength(2);
  });

  it("a send whose connection broke after the request was written is not repeated (at most once)", async () => {
    const { server, client } = await scripted([reset, reply(202)]);
    const error = await client.sendToAll({ n: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(web.NetworkError);
    expect(error).toMatchObject({ requestSent: true, retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it("an idempotent call is retried after the same break; retryAfterSend makes a send at least once", async () => {
    const idempotent = await scripted([reset, reply(200)]);
    await idempotent.client.group("g").addConnection("c1");
    expect(idempotent.server.requests).toHaveLength(2);
    const optIn = await scripted([reset, reply(202)], { retryOptions: { retryDelayInMs: 20, retryAfterSend: true } });
    await optIn.client.sendToAll({ n: 1 });
    expect(optIn.server.requests).toHaveLength(2);
  });

  it("a hung server ends the attempt at timeoutInMs, as a TimeoutError", async () => {
    const { server, client } = await scripted([() => undefined], { timeoutInMs: 150, retryOptions: { maxRetries: 0 } });
    const t0 = performance.now();
    const error = await client.groupExists("g").catch((e: unknown) => e);
    const ms = performance.now() - t0;
    expect(error).toBeInstanceOf(web.TimeoutError);
    expect(error).toMatchObject({ timeout: "attempt", timeoutInMs: 150, retryable: true });
    expect(ms).toBeGreaterThanOrEqual(145);
    expect(ms).toBeLessThan(1000);
    expect(server.requests).toHaveLength(1);
  });

  it("totalTimeoutInMs ends the whole call, retries included, as a TimeoutError", async () => {
    const { client } = await scripted([hang], { timeoutInMs: 10_000, totalTimeoutInMs: 300 });
    const t0 = performance.now();
    const error = await client.groupExists("g").catch((e: unknown) => e);
    const ms = performance.now() - t0;
    expect(error).toBeInstanceOf(web.TimeoutError);
    expect(error).toMatchObject({ timeout: "total", timeoutInMs: 300 });
    expect(ms).toBeGreaterThanOrEqual(295);
    expect(ms).toBeLessThan(1200);
  });

  it("abortSignal cancels a request in flight at once with AbortError", async () => {
    const { client } = await scripted([hang]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const t0 = performance.now();
    const error = await client.sendToAll({ n: 1 }, { abortSignal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(web.AbortError);
    expect(performance.now() - t0).toBeLessThan(600);
  });

  it("a 404 is a typed RestError with the service's code and request id, and no secret in it", async () => {
    const { client } = await scripted([
      reply(
        404,
        { "content-type": "application/json", "x-ms-request-id": "rid-1" },
        `{"code":"Error.Connection.NotExisted","message":"no key ${key} here"}`,
      ),
    ]);
    const error = await client
      .group("g")
      .addConnection("c1")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(web.RestError);
    expect(error).toMatchObject({
      statusCode: 404,
      code: "Error.Connection.NotExisted",
      requestId: "rid-1",
      retryable: false,
    });
    expect(JSON.stringify(error) + String((error as Error).message)).not.toContain(key);
  });

  it("a refused connection is retried (nothing reached the service), then fails as a NetworkError", async () => {
    const { server, client } = await scripted([reply(202)], { retryOptions: { maxRetries: 2, retryDelayInMs: 10 } });
    await server.close();
    const error = await client.sendToAll({ n: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(web.NetworkError);
    expect(error).toMatchObject({ requestSent: false });
  });

  it("signs REST calls with WebCrypto: the JWT's audience is the URL called", async () => {
    const { server, client } = await scripted([reply(202)]);
    await client.sendToAll("hi", { contentType: "text/plain", filter: "userId eq 'a'" });
    const { jwtVerify } = await import("jose");
    const request = server.requests[0]!;
    const bearer = String(request.headers.authorization).replace(/^Bearer /, "");
    await jwtVerify(bearer, new TextEncoder().encode(key), {
      audience: `${server.url.replace(/\/$/, "")}${request.url}`,
    });
    expect(request.body.toString()).toBe("hi");
  });
});
