// Issue 9 item 1: a wait the service asks for (Retry-After in seconds or as a date, retry-after-ms,
// x-ms-retry-after-ms) is never cut short, as in @azure/web-pubsub; when it would pass the call's deadline
// (or maxRetryAfterInMs) the call fails at once with the service's RestError, retryable, carrying the wait.
import type { ServerResponse } from "node:http";
import { WebPubSubServiceClient as AzureClient } from "@azure/web-pubsub";
import { afterEach, describe, expect, it } from "vitest";
import { RestError, WebPubSubServiceClient, type WebPubSubServiceClientOptions } from "../../src/index";
import { startRecordingServer } from "../helpers/recordingServer";

const key = "retry-after-test-key";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

type Step = (res: ServerResponse) => void;
const status =
  (code: number, headers: Record<string, string> | (() => Record<string, string>) = {}): Step =>
  (res) => {
    res.writeHead(code, typeof headers === "function" ? headers() : headers).end();
  };

/** A server answering with `steps` in turn (the last one repeats), recording when each request arrived. */
async function scripted(steps: Step[]) {
  let i = 0;
  const arrivals: number[] = [];
  const server = await startRecordingServer((_req, res) => {
    arrivals.push(performance.now());
    (steps[Math.min(i++, steps.length - 1)] as Step)(res);
  });
  const cs = `Endpoint=${server.url};AccessKey=${key};Version=1.0;`;
  cleanups.push(() => server.close());
  return { server, cs, arrivals, gap: () => (arrivals[1] as number) - (arrivals[0] as number) };
}

function ours(cs: string, options: WebPubSubServiceClientOptions = {}) {
  const client = new WebPubSubServiceClient(cs, "hub", options);
  cleanups.push(() => client.close());
  return client;
}

describe("Retry-After is honoured in full", () => {
  it("Retry-After: 1 with maxRetryDelayInMs 200 waits the full second, like @azure/web-pubsub", async () => {
    const mine = await scripted([status(429, { "retry-after": "1" }), status(202)]);
    await ours(mine.cs, { retryOptions: { maxRetryDelayInMs: 200, retryDelayInMs: 10 } }).sendToAll("x");
    expect(mine.arrivals.length).toBe(2);
    expect(mine.gap()).toBeGreaterThanOrEqual(995);

    const theirs = await scripted([status(429, { "retry-after": "1" }), status(202)]);
    await new AzureClient(theirs.cs, "hub", {
      allowInsecureConnection: true,
      retryOptions: { maxRetryDelayInMs: 200, retryDelayInMs: 10 },
    }).sendToAll("x");
    expect(theirs.arrivals.length).toBe(2);
    expect(theirs.gap()).toBeGreaterThanOrEqual(995);
  });

  it.each([
    ["retry-after-ms", { "retry-after-ms": "400" }, 400],
    ["x-ms-retry-after-ms", { "x-ms-retry-after-ms": "400" }, 400],
    ["an HTTP date", () => ({ "retry-after": new Date(Date.now() + 2000).toUTCString() }), 1000],
  ] as const)("%s is not shortened by maxRetryDelayInMs", async (_name, headers, atLeast) => {
    const s = await scripted([status(503, headers), status(202)]);
    await ours(s.cs, { retryOptions: { maxRetryDelayInMs: 20, retryDelayInMs: 5 } }).sendToAll("x");
    expect(s.arrivals.length).toBe(2);
    // An HTTP date has one-second resolution: the wait is at least the rest of the second after next.
    expect(s.gap()).toBeGreaterThanOrEqual(atLeast - 5);
  });

  it("a wait past the call's deadline fails at once with the retryable RestError and the asked wait", async () => {
    const s = await scripted([status(503, { "retry-after": "60", "x-ms-error-code": "Busy" }), status(202)]);
    const start = performance.now();
    const error = (await ours(s.cs)
      .sendToAll("x", { totalTimeoutInMs: 20_000 })
      .catch((e: unknown) => e)) as RestError;
    // "At once": a tenth of the 20 s it would take to sleep until the deadline (room for a loaded machine).
    expect(performance.now() - start).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(RestError);
    expect(error).toMatchObject({ statusCode: 503, code: "Busy", retryable: true, retryAfterInMs: 60_000 });
    expect(s.arrivals.length).toBe(1);
  });

  it("a wait longer than maxRetryAfterInMs fails at once; a shorter one is slept through", async () => {
    const s = await scripted([
      status(429, { "retry-after-ms": "20000" }),
      status(429, { "retry-after-ms": "800" }),
      status(202),
    ]);
    const client = ours(s.cs, { retryOptions: { maxRetryAfterInMs: 500 } });
    const start = performance.now();
    const error = (await client
      .group("g")
      .addUser("u")
      .catch((e: unknown) => e)) as RestError;
    // "At once": a tenth of the 20 s wait asked for (room for a loaded machine).
    expect(performance.now() - start).toBeLessThan(2_000);
    expect(error).toMatchObject({ name: "RestError", statusCode: 429, retryable: true, retryAfterInMs: 20_000 });
    expect(s.arrivals.length).toBe(1);

    // The per-call override raises the limit: the same answer is now waited out.
    await client.group("g").addUser("u", { retryOptions: { maxRetryAfterInMs: 1000 } });
    expect(s.arrivals.length).toBe(3);
    expect((s.arrivals[2] as number) - (s.arrivals[1] as number)).toBeGreaterThanOrEqual(795);
  });

  it("each wait counts as a retry: maxRetries bounds a service that keeps saying Retry-After", async () => {
    const s = await scripted([status(429, { "retry-after-ms": "50" })]);
    const error = (await ours(s.cs, { retryOptions: { maxRetries: 2 } })
      .sendToAll("x")
      .catch((e: unknown) => e)) as RestError;
    expect(error).toMatchObject({ statusCode: 429, retryable: true, retryAfterInMs: 50 });
    expect(s.arrivals.length).toBe(3);
  });

  it("rejects a bad maxRetryAfterInMs before sending anything", async () => {
    const s = await scripted([status(202)]);
    const error = await ours(s.cs)
      .sendToAll("x", { retryOptions: { maxRetryAfterInMs: -1 } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "ValidationError", argument: "options.retryOptions.maxRetryAfterInMs" });
    expect(s.arrivals.length).toBe(0);
  });
});
