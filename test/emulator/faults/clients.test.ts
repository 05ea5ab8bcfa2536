// Connection and delivery faults against Microsoft's @azure/web-pubsub-client (json.reliable, its default):
// it recovers from abrupt drops without losing or duplicating a message, starts a new connection after a
// 1008 close, and its autoReconnect gets through once a refused-connection window ends.
import { WebPubSubClient } from "@azure/web-pubsub-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator, type EmulatorEvent } from "../../../src/emulator/index";
import { WebPubSubServiceClient } from "../../../src/index";

let emulator: Emulator;
const events: EmulatorEvent[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  emulator.watch((e) => events.push(e));
});
afterAll(() => emulator.close());

function clientFor(hub: string, userId: string): { client: WebPubSubClient; service: WebPubSubServiceClient } {
  const service = new WebPubSubServiceClient(emulator.connectionString, hub);
  const client = new WebPubSubClient(
    { getClientAccessUrl: async () => (await service.getClientAccessToken({ userId })).url },
    { reconnectRetryOptions: { maxRetries: 50, retryDelayInMs: 200, mode: "Fixed" } },
  );
  return { client, service };
}

describe("connection faults with @azure/web-pubsub-client", () => {
  it("recovers from repeated abrupt drops: every message once, in order, on the same connection", async () => {
    const { client, service } = clientFor("drops", "alice");
    const connected: string[] = [];
    const received: number[] = [];
    client.on("connected", (e) => connected.push(e.connectionId));
    client.on("server-message", (e) => received.push((e.message.data as { i: number }).i));
    await client.start();
    // Drops every 250 ms, abruptly (no close frame), while 60 messages are sent.
    const rule = emulator.faults.add({ kind: "drop", hub: "drops", everyMs: 250 });
    for (let i = 0; i < 60; i++) {
      await service.sendToUser("alice", { i });
      await new Promise((r) => setTimeout(r, 15));
    }
    rule.remove();
    expect(rule.hits).toBeGreaterThanOrEqual(2);
    await expect.poll(() => received.length, { timeout: 15_000 }).toBe(60);
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(connected).toHaveLength(1);
    const kinds = events.filter((e) => e.kind === "recovered" && e.hub === "drops");
    expect(kinds.length).toBeGreaterThanOrEqual(2);
    client.stop();
  }, 30_000);

  it("a 1008 close ends the connection: the client starts a new one (a new connection id)", async () => {
    const { client } = clientFor("policy", "bob");
    const connected: string[] = [];
    const disconnected: (string | undefined)[] = [];
    client.on("connected", (e) => connected.push(e.connectionId));
    client.on("disconnected", (e) => disconnected.push(e.message?.message));
    await client.start();
    emulator.faults.add({ kind: "drop", hub: "policy", closeCode: 1008 });
    await expect.poll(() => connected.length, { timeout: 10_000 }).toBe(2);
    expect(connected[1]).not.toBe(connected[0]);
    expect(disconnected).toHaveLength(1);
    expect(emulator.connections("policy").map((c) => c.connectionId)).toEqual([connected[1]]);
    client.stop();
  }, 20_000);

  it("autoReconnect keeps trying through a refused-connection window and connects when it ends", async () => {
    const { client } = clientFor("outage", "carol");
    const connected: number[] = [];
    client.on("connected", () => connected.push(Date.now()));
    await client.start();
    const window = emulator.faults.add({ kind: "refuse", hub: "outage", durationMs: 1500 });
    const windowEnds = Date.now() + 1500;
    emulator.faults.add({ kind: "drop", hub: "outage", closeCode: 1008 });
    await expect.poll(() => connected.length, { timeout: 15_000 }).toBe(2);
    expect(window.hits).toBeGreaterThanOrEqual(1);
    expect(connected[1]).toBeGreaterThanOrEqual(windowEnds - 50);
    const refusals = events.filter((e) => e.kind === "fault" && e.fault === "refuse" && e.hub === "outage");
    expect(refusals.length).toBe(window.hits);
    client.stop();
  }, 20_000);
});

describe("delivery faults", () => {
  it("a pause holds messages until it ends, then delivers them in order; a delay makes them late", async () => {
    const { client, service } = clientFor("held", "dave");
    const received: number[] = [];
    client.on("server-message", (e) => received.push((e.message.data as { i: number }).i));
    await client.start();
    const pause = emulator.faults.add({ kind: "delivery", hub: "held", pause: true });
    for (let i = 0; i < 3; i++) await service.sendToUser("dave", { i });
    await new Promise((r) => setTimeout(r, 400));
    expect(received).toEqual([]);
    pause.remove();
    await expect.poll(() => received, { timeout: 5000 }).toEqual([0, 1, 2]);

    using _ = emulator.faults.add({ kind: "delivery", hub: "held", delayMs: 700, count: 1 });
    const t0 = Date.now();
    await service.sendToUser("dave", { i: 3 });
    await service.sendToUser("dave", { i: 4 }); // not delayed itself, but it waits behind message 3
    await expect.poll(() => received.length, { timeout: 5000 }).toBe(5);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(650);
    expect(received).toEqual([0, 1, 2, 3, 4]);
    client.stop();
  }, 20_000);
});
