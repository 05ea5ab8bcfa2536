// The fault matrix: every kind of call (a message send, a membership change, an existence check, a paged
// listing) against a loopback server injecting each fault. Each case checks how many attempts the server
// saw, how long the call took, and the result or typed error; sends are never duplicated unless opted in.
import { createServer as createTcpServer, type AddressInfo, type Socket } from "node:net";
import type { ServerResponse } from "node:http";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AbortError,
  AzureKeyCredential,
  NetworkError,
  RestError,
  TimeoutError,
  WebPubSubServiceClient,
  type WebPubSubServiceClientOptions,
} from "../../src/index";
import { watchLoopDelay } from "../helpers/loopDelay";
import { defaultResponder, startRecordingServer, type RecordedRequest } from "../helpers/recordingServer";

const key = "fault-matrix-key";
const cleanups: (() => Promise<void>)[] = [];
// Upper bounds on a call's duration add how late this process's timers ran during the test (a loaded machine).
const loop = watchLoopDelay();
const late = () => loop.totalMs();
beforeEach(() => loop.reset());
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});
afterAll(() => loop.stop());

type Kind = "send" | "membership" | "existence" | "paging";
const kinds: Kind[] = ["send", "membership", "existence", "paging"];
const idempotent: Record<Kind, boolean> = { send: false, membership: true, existence: true, paging: true };

/** Makes the call of a kind; resolves with what the SDK returned. */
function call(
  client: WebPubSubServiceClient,
  kind: Kind,
  options: { abortSignal?: AbortSignal } = {},
): Promise<unknown> {
  switch (kind) {
    case "send":
      return client.sendToAll({ n: 1 }, options);
    case "membership":
      return client.group("g").addConnection("c1", options);
    case "existence":
      return client.groupExists("g", options);
    case "paging":
      return (async () => {
        const ids: string[] = [];
        for await (const member of client.group("g").listConnections(options)) ids.push(member.connectionId);
        return ids;
      })();
  }
}
const success: Record<Kind, unknown> = {
  send: undefined,
  membership: undefined,
  existence: true,
  paging: ["c1", "c2"],
};

type Step = (request: RecordedRequest, res: ServerResponse) => void;
const reply =
  (code: number, headers: Record<string, string> = {}): Step =>
  (_req, res) => {
    res.writeHead(code, headers).end();
  };
const ok: Step = (req, res) => defaultResponder(req, res);
const reset: Step = (_req, res) => res.socket?.destroy();
const hang: Step = () => {};
const slowBody: Step = (req, res) => {
  // Headers at once, then a body that stalls half way.
  res.writeHead(req.method === "HEAD" ? 200 : req.path.endsWith("/:send") ? 202 : 200, {
    "content-type": "application/json",
    "content-length": "100",
  });
  if (req.method === "HEAD") res.flushHeaders();
  else res.write('{"value":');
};

async function scripted(steps: Step[], options: WebPubSubServiceClientOptions = {}) {
  let i = 0;
  const server = await startRecordingServer((req, res) => (steps[Math.min(i++, steps.length - 1)] as Step)(req, res));
  const client = new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};Version=1.0;`, "hub", {
    retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 2000 },
    ...options,
  });
  cleanups.push(async () => {
    await client.close();
    await server.close();
  });
  return { server, client };
}

async function timed<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const t0 = performance.now();
  try {
    const value = await promise;
    return { value, ms: performance.now() - t0 };
  } catch (error) {
    return { error, ms: performance.now() - t0 };
  }
}

describe.each(kinds)("%s", (kind) => {
  it.each([
    ["429 with retry-after-ms", reply(429, { "retry-after-ms": "150" }), 150],
    ["503 with Retry-After in seconds", reply(503, { "retry-after": "1" }), 1000],
  ] as const)("%s: waits what the server asked, then succeeds", async (_name, fault, waitMs) => {
    const { server, client } = await scripted([fault, ok]);
    const result = await timed(call(client, kind));
    expect(result.error).toBeUndefined();
    expect(result.value).toEqual(success[kind]);
    expect(server.requests.length).toBe(2);
    expect(result.ms).toBeGreaterThanOrEqual(waitMs - 20);
    expect(result.ms).toBeLessThan(waitMs + 1500 + late());
  });

  it("429 with Retry-After as an HTTP date waits until then", async () => {
    // HTTP dates have one-second resolution: ask for two seconds ahead and accept anything from 1 to 2.5 s.
    const { server, client } = await scripted([
      reply(429, { "retry-after": new Date(Date.now() + 2000).toUTCString() }),
      ok,
    ]);
    const result = await timed(call(client, kind));
    expect(result.value).toEqual(success[kind]);
    expect(server.requests.length).toBe(2);
    expect(result.ms).toBeGreaterThanOrEqual(900);
    expect(result.ms).toBeLessThan(2600 + late());
  });

  it("a burst of 503s is ridden out within maxRetries", async () => {
    const { server, client } = await scripted([reply(503), reply(503), reply(503), ok]);
    const result = await timed(call(client, kind));
    expect(result.value).toEqual(success[kind]);
    expect(server.requests.length).toBe(4);
    expect(result.ms).toBeLessThan(2000 + late());
  });

  it("a longer burst fails after maxRetries + 1 attempts with a retryable RestError", async () => {
    const { server, client } = await scripted([reply(503, { "x-ms-request-id": "req-9" })]);
    const result = await timed(call(client, kind));
    expect(result.error).toBeInstanceOf(RestError);
    expect(result.error).toMatchObject({ statusCode: 503, retryable: true, requestId: "req-9" });
    expect(server.requests.length).toBe(4);
  });

  it.each([500, 502, 504, 408])("%i is retried once, then succeeds", async (code) => {
    const { server, client } = await scripted([reply(code), ok]);
    expect((await timed(call(client, kind))).value).toEqual(success[kind]);
    expect(server.requests.length).toBe(2);
  });

  it.each([400, 401, 403, 409, 501])("%i is final: one attempt, a RestError", async (code) => {
    const { server, client } = await scripted([reply(code)]);
    const result = await timed(call(client, kind));
    expect(result.error).toBeInstanceOf(RestError);
    expect(result.error).toMatchObject({ statusCode: code, retryable: false });
    expect(server.requests.length).toBe(1);
  });

  it("connection refused: nothing reached a server, so every call kind retries, then a NetworkError", async () => {
    // A port that was just free: connecting is refused.
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const client = new WebPubSubServiceClient(
      `Endpoint=http://127.0.0.1:${port};AccessKey=${key};Version=1.0;`,
      "hub",
      { retryOptions: { maxRetries: 2, retryDelayInMs: 20 } },
    );
    cleanups.push(() => client.close());
    const result = await timed(call(client, kind));
    expect(result.error).toBeInstanceOf(NetworkError);
    expect(result.error).toMatchObject({ requestSent: false, retryable: true });
    // Three attempts with 20 ms, 40 ms backoff (jittered up to 2×): well under a second.
    expect(result.ms).toBeLessThan(1000 + late());
  });

  it(`a reset after the request was written is ${idempotent[kind] ? "retried (idempotent)" : "not retried (at-most-once)"}`, async () => {
    const { server, client } = await scripted([reset, ok]);
    const result = await timed(call(client, kind));
    if (idempotent[kind]) {
      expect(result.value).toEqual(success[kind]);
      expect(server.requests.length).toBe(2);
    } else {
      expect(result.error).toBeInstanceOf(NetworkError);
      expect(result.error).toMatchObject({ requestSent: true, retryable: false });
      expect(server.requests.length).toBe(1);
    }
  });

  it("with retryAfterSend a reset after the request is retried for every kind (at-least-once)", async () => {
    const { server, client } = await scripted([reset, ok], {
      retryOptions: { retryDelayInMs: 20, retryAfterSend: true },
    });
    expect((await timed(call(client, kind))).value).toEqual(success[kind]);
    expect(server.requests.length).toBe(2);
  });

  it(`slow headers time the attempt out; ${idempotent[kind] ? "retried" : "a send is not repeated"}`, async () => {
    const { server, client } = await scripted([hang], {
      timeoutInMs: 150,
      retryOptions: { maxRetries: 1, retryDelayInMs: 20 },
    });
    const result = await timed(call(client, kind));
    expect(result.error).toBeInstanceOf(TimeoutError);
    expect(result.error).toMatchObject({ timeout: "attempt", timeoutInMs: 150 });
    expect(server.requests.length).toBe(idempotent[kind] ? 2 : 1);
    expect(result.ms).toBeLessThan((idempotent[kind] ? 1000 : 600) + late());
  });

  it("a body that stalls times out (or is not needed)", async () => {
    const { client } = await scripted([slowBody], { timeoutInMs: 150, retryOptions: { maxRetries: 0 } });
    const result = await timed(call(client, kind));
    if (kind === "existence") {
      // HEAD has no body to wait for: the answer is in the status.
      expect(result.value).toBe(true);
    } else {
      expect(result.error).toBeInstanceOf(TimeoutError);
      expect(result.ms).toBeLessThan(1000 + late());
    }
  });

  it("a hung server is bounded by totalTimeoutInMs", async () => {
    const { client } = await scripted([hang], { timeoutInMs: 10_000, totalTimeoutInMs: 300 });
    const result = await timed(call(client, kind));
    expect(result.error).toBeInstanceOf(TimeoutError);
    expect(result.error).toMatchObject({ timeout: "total", timeoutInMs: 300 });
    expect(result.ms).toBeGreaterThanOrEqual(280);
    expect(result.ms).toBeLessThan(800 + late());
  });

  it("abort during the request stops at once; nothing is retried", async () => {
    const { server, client } = await scripted([hang]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await timed(call(client, kind, { abortSignal: controller.signal }));
    expect(result.error).toBeInstanceOf(AbortError);
    expect(result.ms).toBeLessThan(500 + late());
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.requests.length).toBe(1);
  });

  it("abort during the backoff wait stops at once; no further attempt", async () => {
    const { server, client } = await scripted([reply(503, { "retry-after": "30" })]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const result = await timed(call(client, kind, { abortSignal: controller.signal }));
    expect(result.error).toBeInstanceOf(AbortError);
    expect(result.ms).toBeLessThan(600 + late());
    expect(server.requests.length).toBe(1);
  });

  it("a key rotated between attempts signs the retry with the new key", async () => {
    const credential = new AzureKeyCredential("old-key-0123456789");
    let i = 0;
    const server = await startRecordingServer((req, res) =>
      i++ === 0 ? (credential.update("new-key-9876543210"), reply(503)(req, res)) : ok(req, res),
    );
    const client = new WebPubSubServiceClient(server.url, credential, "hub", { retryOptions: { retryDelayInMs: 10 } });
    cleanups.push(async () => {
      await client.close();
      await server.close();
    });
    expect(await call(client, kind)).toEqual(success[kind]);
    const { jwtVerify } = await import("jose");
    const tokenOf = (r: RecordedRequest) => String(r.headers.authorization).slice("Bearer ".length);
    await expect(
      jwtVerify(tokenOf(server.requests[0] as RecordedRequest), new TextEncoder().encode("old-key-0123456789")),
    ).resolves.toBeDefined();
    await expect(
      jwtVerify(tokenOf(server.requests[1] as RecordedRequest), new TextEncoder().encode("new-key-9876543210")),
    ).resolves.toBeDefined();
  });
});

describe("raw TCP faults", () => {
  it("a server that closes every connection on accept: idempotent calls retry then fail with NetworkError", async () => {
    let accepted = 0;
    const server = createTcpServer((socket: Socket) => {
      accepted++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const client = new WebPubSubServiceClient(
      `Endpoint=http://127.0.0.1:${port};AccessKey=${key};Version=1.0;`,
      "hub",
      { retryOptions: { maxRetries: 2, retryDelayInMs: 10 } },
    );
    const error = await client.groupExists("g").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(accepted).toBe(3);
    await client.close();
    await new Promise((resolve) => server.close(resolve));
  });
});
