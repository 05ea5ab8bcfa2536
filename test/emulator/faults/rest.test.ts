// REST faults as an app team uses them: our WebPubSubServiceClient waits out a throttle's Retry-After and
// succeeds, fails with a TimeoutError at its deadline when the service never answers, and sendMany pauses
// for a throttle and resumes. Each injected fault shows in the watch feed, marked as injected.
import { WebPubSubServiceClient as AzureServiceClient } from "@azure/web-pubsub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator, type EmulatorEvent } from "../../../src/emulator/index";
import { RestError, sendMany, TimeoutError, WebPubSubServiceClient } from "../../../src/index";

let emulator: Emulator;
const events: EmulatorEvent[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  emulator.watch((e) => events.push(e));
});
afterAll(() => emulator.close());

describe("REST faults", () => {
  it("a throttled send is waited out (Retry-After in full) and then succeeds", async () => {
    const client = new WebPubSubServiceClient(emulator.connectionString, "throttled");
    using rule = emulator.faults.add({
      kind: "rest",
      operation: "sendToAll",
      status: 429,
      retryAfterSeconds: 1,
      count: 2,
    });
    const t0 = performance.now();
    await client.sendToAll({ hello: "world" });
    const ms = performance.now() - t0;
    expect(rule.hits).toBe(2);
    // Two Retry-After waits of 1 s each, never sooner.
    expect(ms).toBeGreaterThanOrEqual(1900);
    expect(ms).toBeLessThan(20_000);
    const injected = events.filter((e) => e.kind === "fault" && e.faultId === rule.id);
    expect(injected).toHaveLength(2);
    expect(injected[0]).toMatchObject({ injected: true, fault: "rest", hub: "throttled" });
  });

  it("answers in the service's error shape with x-ms-error-code and Retry-After", async () => {
    using _ = emulator.faults.add({ kind: "rest", hub: "shape", status: 503, retryAfterSeconds: 7 });
    const client = new WebPubSubServiceClient(emulator.connectionString, "shape", { retryOptions: { maxRetries: 0 } });
    const error = (await client.sendToAll("x").catch((e: unknown) => e)) as RestError;
    expect(error).toBeInstanceOf(RestError);
    expect(error.statusCode).toBe(503);
    expect(error.code).toBe("Error.ServiceUnavailable");
    expect(error.retryAfterInMs).toBe(7000);
    // @azure/web-pubsub sees the same: a RestError with the status.
    const azure = new AzureServiceClient(emulator.connectionString, "shape", {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    });
    await expect(azure.sendToAll("x")).rejects.toMatchObject({ statusCode: 503 });
  });

  it("an outage that never answers fails with TimeoutError at the call's deadline", async () => {
    using _ = emulator.faults.add({ kind: "rest", hub: "outage", hang: true });
    const client = new WebPubSubServiceClient(emulator.connectionString, "outage", {
      timeoutInMs: 400,
      totalTimeoutInMs: 1500,
    });
    const t0 = performance.now();
    const error = await client
      .group("g")
      .sendToAll("x")
      .catch((e: unknown) => e);
    const ms = performance.now() - t0;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(ms).toBeGreaterThanOrEqual(350);
    expect(ms).toBeLessThan(15_000);
  });

  it("matches by hub, operation and method; other calls pass", async () => {
    using rule = emulator.faults.add({ kind: "rest", hub: "picky", operation: "group.addConnection", status: 500 });
    const client = new WebPubSubServiceClient(emulator.connectionString, "picky", { retryOptions: { maxRetries: 0 } });
    await client.sendToAll("fine");
    await client.group("g").sendToAll("fine");
    const other = new WebPubSubServiceClient(emulator.connectionString, "other", { retryOptions: { maxRetries: 0 } });
    await expect(other.group("g").addConnection("c1")).rejects.toMatchObject({ statusCode: 404 });
    await expect(client.group("g").addConnection("c1")).rejects.toMatchObject({ statusCode: 500 });
    expect(rule.hits).toBe(1);
  });

  it("a path pattern and a delay: the call is answered normally, later", async () => {
    using _ = emulator.faults.add({ kind: "rest", path: "/api/hubs/slow/groups/**", delayMs: 600 });
    const client = new WebPubSubServiceClient(emulator.connectionString, "slow");
    let t0 = performance.now();
    expect(await client.groupExists("g")).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(550);
    t0 = performance.now();
    await client.sendToAll("quick");
    expect(performance.now() - t0).toBeLessThan(550);
  });

  it("sendMany pauses the whole batch for a throttle and resumes: every item sent, once", async () => {
    const hub = "batch";
    const client = new WebPubSubServiceClient(emulator.connectionString, hub);
    using _ = emulator.faults.add({
      kind: "rest",
      hub,
      operation: "sendToUser",
      status: 429,
      retryAfterSeconds: 1,
      count: 4,
    });
    const sends: string[] = [];
    const stop = emulator.watch((e) => {
      if (e.kind === "rest" && e.hub === hub && e.status === 202) sends.push(e.path);
    });
    const items = Array.from({ length: 20 }, (_, i) => ({ userId: `u${i}`, message: { i } }));
    const result = await sendMany(client, items, { concurrency: 4 });
    stop();
    expect(result.succeeded).toBe(20);
    expect(result.failed).toBe(0);
    expect(result.throttledMs).toBeGreaterThanOrEqual(900);
    expect(new Set(sends).size).toBe(20);
    expect(sends).toHaveLength(20);
  });

  it("probability with a seed throttles the same calls run after run", async () => {
    const pattern = async (): Promise<boolean[]> => {
      using _ = emulator.faults.add({ kind: "rest", hub: "dice", status: 503, probability: 0.5, seed: 1234 });
      const client = new WebPubSubServiceClient(emulator.connectionString, "dice", { retryOptions: { maxRetries: 0 } });
      const out: boolean[] = [];
      for (let i = 0; i < 16; i++)
        out.push(
          await client.sendToAll("x").then(
            () => true,
            () => false,
          ),
        );
      return out;
    };
    const first = await pattern();
    expect(await pattern()).toEqual(first);
    expect(first.filter(Boolean).length).toBeGreaterThan(2);
    expect(first.filter((ok) => !ok).length).toBeGreaterThan(2);
  });
});
