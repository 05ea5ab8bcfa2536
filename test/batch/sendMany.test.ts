// sendMany against real servers: the emulator for delivery, and a loopback server that throttles or fails.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AbortError,
  RestError,
  ValidationError,
  WebPubSubServiceClient,
  sendMany,
  type BatchMessage,
  type BatchProgress,
} from "../../src/index";
import { startEmulator, type Emulator } from "../../src/emulator/index";
import { startRecordingServer } from "../helpers/recordingServer";
import { TestSocket } from "../helpers/ws";

const key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
const connectionStringFor = (url: string) => `Endpoint=${url};AccessKey=${key};Version=1.0;`;

describe("sendMany against the emulator", () => {
  let emulator: Emulator;
  let client: WebPubSubServiceClient;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
    client = new WebPubSubServiceClient(emulator.connectionString, "batch");
  });
  afterAll(async () => {
    await client.close();
    await emulator.close();
  });

  it("delivers every message of an async iterable to its target, in bounded concurrency", async () => {
    const { url } = await client.getClientAccessToken({ userId: "u1", groups: ["g1"] });
    const socket = new TestSocket(url);
    await socket.opened;
    await emulator.waitForConnections("batch", (l) => l.length === 1);
    let produced = 0;
    // An async iterable on purpose (the code under test reads one).
    // eslint-disable-next-line @typescript-eslint/require-await
    async function* source(): AsyncIterable<BatchMessage> {
      for (let i = 0; i < 300; i++) {
        produced++;
        const target = i % 3 === 0 ? {} : i % 3 === 1 ? { group: "g1" } : { userId: "u1" };
        yield { ...target, message: `m${i}`, contentType: "text/plain" };
      }
    }
    const progress: BatchProgress[] = [];
    let maxInFlight = 0;
    const result = await sendMany(client, source(), {
      concurrency: 8,
      progressIntervalInMs: 0,
      onProgress: (p) => {
        progress.push(p);
        maxInFlight = Math.max(maxInFlight, p.inFlight);
      },
    });
    expect(result).toMatchObject({ succeeded: 300, failed: 0, failures: [], stopped: false });
    expect(produced).toBe(300);
    expect(maxInFlight).toBeLessThanOrEqual(8);
    expect(progress.at(-1)).toMatchObject({ started: 300, succeeded: 300, failed: 0, inFlight: 0 });
    const received = new Set<string>();
    for (let i = 0; i < 300; i++) received.add(String((await socket.next()).data));
    expect(received.size).toBe(300);
    expect(received.has("m0") && received.has("m1") && received.has("m299")).toBe(true);
    socket.close();
  });

  it("reports per-item failures with the item and a typed error, and keeps going", async () => {
    const items: BatchMessage[] = [
      { message: "ok" },
      { group: "", message: "bad group" },
      { message: 1, messageTtlSeconds: -1 },
      { message: "ok2" },
    ];
    const results: Array<{ index: number; ok: boolean }> = [];
    const result = await sendMany(client, items, { onResult: (r) => results.push({ index: r.index, ok: r.ok }) });
    expect(result.succeeded).toBe(2);
    expect(result.failed).toBe(2);
    expect(result.failures.map((f) => f.index).sort()).toEqual([1, 2]);
    expect(result.failures[0]?.error).toBeInstanceOf(ValidationError);
    expect(results.sort((a, b) => a.index - b.index)).toEqual([
      { index: 0, ok: true },
      { index: 1, ok: false },
      { index: 2, ok: false },
      { index: 3, ok: true },
    ]);
  });

  it("a custom send maps any item type to any call", async () => {
    const answers: Array<[string, boolean]> = [];
    const result = await sendMany(client, ["a", "b", "c"], {
      send: async (name, { client: c, abortSignal }) => {
        answers.push([name, await c.groupExists(`room-${name}`, { abortSignal })]);
      },
    });
    expect(result.succeeded).toBe(3);
    expect(answers.sort()).toEqual([
      ["a", false],
      ["b", false],
      ["c", false],
    ]);
  });

  it("rejects bad options before reading any item", async () => {
    let read = 0;
    const items = {
      *[Symbol.iterator]() {
        read++;
        yield { message: 1 };
      },
    };
    await expect(sendMany(client, items, { concurrency: 0 })).rejects.toThrow(
      /options\.concurrency 0 .*from 1 to 10000/,
    );
    await expect(sendMany(client, 42 as unknown as BatchMessage[])).rejects.toBeInstanceOf(ValidationError);
    expect(read).toBe(0);
  });
});

describe("sendMany against a throttling server", () => {
  it("a 429 with Retry-After pauses the whole batch once, then every item succeeds exactly once", async () => {
    let throttledAt: number | undefined;
    const seenAt: number[] = [];
    const server = await startRecordingServer((req, res) => {
      if (throttledAt === undefined) {
        throttledAt = performance.now();
        res.writeHead(429, { "retry-after-ms": "300", "x-ms-error-code": "TooManyRequests" }).end();
        return;
      }
      seenAt.push(performance.now());
      res.writeHead(202).end();
    });
    const client = new WebPubSubServiceClient(connectionStringFor(server.url), "hub");
    const items = Array.from({ length: 40 }, (_, i) => ({ message: { i } }));
    const result = await sendMany(client, items, { concurrency: 4 });
    expect(result.succeeded).toBe(40);
    expect(result.throttledMs).toBeGreaterThanOrEqual(250);
    // 41 requests: one throttled, then each of the 40 once (no item hammered the server on its own).
    expect(server.requests.length).toBe(41);
    const bodies = server.requests.slice(1).map((r) => (JSON.parse(r.body.toString()) as { i: number }).i);
    expect(new Set(bodies).size).toBe(40);
    // Apart from the few requests already in flight when the 429 came back (however late a loaded machine
    // stamps them), nothing arrives during the pause: the pause starts after the 429 was stamped.
    const t = throttledAt as number;
    expect(seenAt.filter((at) => at < t + 280).length).toBeLessThanOrEqual(4);
    await client.close();
    await server.close();
  });

  it("a Retry-After longer than maxRetryDelayInMs is waited in full; one over maxRetryAfterInMs fails the item", async () => {
    const arrivals: number[] = [];
    const server = await startRecordingServer((req, res) => {
      arrivals.push(performance.now());
      if (arrivals.length === 1)
        res.writeHead(429, { "retry-after-ms": "400", "x-ms-error-code": "TooManyRequests" }).end();
      else res.writeHead(202).end();
    });
    const client = new WebPubSubServiceClient(connectionStringFor(server.url), "hub");
    const result = await sendMany(client, [{ message: "a" }], { maxRetryDelayInMs: 50 });
    expect(result.succeeded).toBe(1);
    expect(arrivals.length).toBe(2);
    expect((arrivals[1] as number) - (arrivals[0] as number)).toBeGreaterThanOrEqual(395);

    arrivals.length = 0;
    const capped = await sendMany(client, [{ message: "b" }], { maxRetryAfterInMs: 100 });
    expect(capped.failed).toBe(1);
    expect(arrivals.length).toBe(1);
    expect(capped.failures[0]?.error).toMatchObject({ statusCode: 429, retryAfterInMs: 400 });
    await client.close();
    await server.close();
  });

  it("gives up on an item after maxRetries and reports the service's error", async () => {
    const server = await startRecordingServer((req, res) => {
      const body = JSON.parse(req.body.toString()) as { i: number };
      if (body.i === 1)
        res
          .writeHead(503, { "content-type": "application/json", "x-ms-error-code": "ServiceUnavailable" })
          .end('{"code":"ServiceUnavailable","message":"busy"}');
      else if (body.i === 2)
        res.writeHead(403, { "content-type": "application/json" }).end('{"code":"Forbidden","message":"no"}');
      else res.writeHead(202).end();
    });
    const client = new WebPubSubServiceClient(connectionStringFor(server.url), "hub");
    const result = await sendMany(
      client,
      [0, 1, 2, 3].map((i) => ({ message: { i } })),
      { maxRetries: 2, retryDelayInMs: 5 },
    );
    expect(result.succeeded).toBe(2);
    const byIndex = new Map(result.failures.map((f) => [f.index, f.error as RestError]));
    expect(byIndex.get(1)).toMatchObject({ statusCode: 503, code: "ServiceUnavailable" });
    expect(byIndex.get(2)).toMatchObject({ statusCode: 403 });
    const attemptsFor = (i: number) =>
      server.requests.filter((r) => (JSON.parse(r.body.toString()) as { i: number }).i === i).length;
    expect(attemptsFor(1)).toBe(3); // first try + 2 retries
    expect(attemptsFor(2)).toBe(1); // 403 is final
    await client.close();
    await server.close();
  });

  it("stopOnError stops reading the source after the first failure", async () => {
    const server = await startRecordingServer((req, res) => {
      res.writeHead((JSON.parse(req.body.toString()) as { i: number }).i === 3 ? 400 : 202).end();
    });
    const client = new WebPubSubServiceClient(connectionStringFor(server.url), "hub");
    const items = Array.from({ length: 1000 }, (_, i) => ({ message: { i } }));
    const result = await sendMany(client, items, { concurrency: 1, stopOnError: true });
    expect(result).toMatchObject({ succeeded: 3, failed: 1, stopped: true });
    expect(server.requests.length).toBe(4);
    await client.close();
    await server.close();
  });

  it("abort cancels sends in flight and stops the batch with an AbortError", async () => {
    const server = await startRecordingServer(() => {
      /* never answers */
    });
    const client = new WebPubSubServiceClient(connectionStringFor(server.url), "hub");
    const controller = new AbortController();
    let read = 0;
    function* items() {
      for (;;) {
        read++;
        yield { message: read };
      }
    }
    const pending = sendMany(client, items(), { concurrency: 5, abortSignal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const t0 = performance.now();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    // Not held until timeoutInMs (30 s by default): a tenth of it is room for a loaded machine.
    expect(performance.now() - t0).toBeLessThan(3_000);
    expect(read).toBe(5);
    await client.close();
    await server.close();
  });
});
