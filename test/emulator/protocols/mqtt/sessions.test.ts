// Sessions and the MQTT features reference-mqtt-support-status lists as supported: QoS 0/1/2, persistent
// sessions kept for the documented time (here shortened with mqttSessionExpiryMs), last will, and the 5.0
// extras (message and session expiry, subscription identifiers, assigned client IDs, flow control,
// server-sent disconnect).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../../../src/emulator/index";
import { WebPubSubServiceClient } from "../../../../src/index";
import { closeAllMqtt, connectMqtt } from "../../../helpers/mqtt";
import { runNode } from "../../../helpers/spawn";

const root = join(import.meta.dirname, "../../../..");

const HUB = "sessions";
const EXPIRY_MS = 1500;
let emulator: Emulator;
let service: WebPubSubServiceClient;
const roles = ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, mqttSessionExpiryMs: EXPIRY_MS });
  service = new WebPubSubServiceClient(emulator.connectionString, HUB);
});
afterEach(() => closeAllMqtt());
afterAll(() => emulator.close());

async function url(): Promise<string> {
  return (await service.getClientAccessToken({ clientProtocol: "mqtt", roles })).url;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const online = (id: string) => emulator.connections(HUB).find((c) => c.connectionId === id)?.online;

describe("persistent sessions", () => {
  it("3.1.1 clean=false: an interrupted session keeps its subscriptions and QoS 1 messages, then resumes", async () => {
    const c = await connectMqtt(await url(), { protocolVersion: 4, clientId: "keep4", clean: false });
    await c.client.subscribeAsync("k", { qos: 1 });
    emulator.dropConnection("keep4");
    await emulator.waitForConnections(HUB, () => online("keep4") === false);
    // "Checks whether a session exists ... differs from checking if a connection is currently online."
    expect(await service.connectionExists("keep4")).toBe(true);
    await service.group("k").sendToAll("while away", { contentType: "text/plain" });
    const back = await connectMqtt(await url(), { protocolVersion: 4, clientId: "keep4", clean: false });
    expect(back.connack?.sessionPresent).toBe(true);
    const got = await back.next();
    expect([got.topic, got.payload.toString()]).toEqual(["k", "while away"]);
  });

  it("a session nobody resumes ends after the expiry time", async () => {
    await connectMqtt(await url(), { protocolVersion: 4, clientId: "expire4", clean: false });
    emulator.dropConnection("expire4");
    await sleep(EXPIRY_MS + 300);
    expect(await service.connectionExists("expire4")).toBe(false);
    const fresh = await connectMqtt(await url(), { protocolVersion: 4, clientId: "expire4", clean: false });
    expect(fresh.connack?.sessionPresent).toBe(false);
  });

  it("clean start discards the old session; 3.1.1 clean sessions end with their connection", async () => {
    const kept = await connectMqtt(await url(), { protocolVersion: 4, clientId: "clean4", clean: false });
    await kept.client.subscribeAsync("cc", { qos: 1 });
    emulator.dropConnection("clean4");
    await emulator.waitForConnections(HUB, () => online("clean4") === false);
    // Clean start: no session present, and the old subscription is gone.
    const c = await connectMqtt(await url(), { protocolVersion: 4, clientId: "clean4", clean: true });
    expect(c.connack?.sessionPresent).toBe(false);
    await c.client.subscribeAsync("fresh", { qos: 1 });
    await service.group("cc").sendToAll("to the old subscription", { contentType: "text/plain" });
    await service.group("fresh").sendToAll("to the new one", { contentType: "text/plain" });
    expect((await c.next()).payload.toString()).toBe("to the new one");
    // A clean session ends with its connection.
    emulator.dropConnection("clean4");
    await emulator.waitForConnections(HUB, (l) => !l.some((x) => x.connectionId === "clean4"));
    expect(await service.connectionExists("clean4")).toBe(false);
  });

  it("5.0 Session Expiry Interval: kept for the requested time, capped at the maximum (announced in CONNACK)", async () => {
    const capped = await connectMqtt(await url(), {
      protocolVersion: 5,
      clientId: "exp5",
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
    });
    expect(capped.connack?.properties?.sessionExpiryInterval).toBe(Math.floor(EXPIRY_MS / 1000));
    const zero = await connectMqtt(await url(), { protocolVersion: 5, clientId: "exp50", clean: false });
    expect(zero.connack?.properties?.sessionExpiryInterval).toBeUndefined();
    emulator.dropConnection("exp50");
    // Expiry 0 (the 5.0 default): the session ends with the connection.
    await emulator.waitForConnections(HUB, (l) => !l.some((x) => x.connectionId === "exp50"));
  });

  it("a second connection with the same client ID takes the session over (5.0: DISCONNECT Session taken over)", async () => {
    const first = await connectMqtt(await url(), {
      protocolVersion: 5,
      clientId: "twin",
      clean: false,
      properties: { sessionExpiryInterval: 10 },
    });
    await first.client.subscribeAsync("tw", { qos: 1 });
    const taken = new Promise<number | undefined>((resolve) =>
      first.client.once("disconnect", (p) => resolve(p.reasonCode)),
    );
    const second = await connectMqtt(await url(), {
      protocolVersion: 5,
      clientId: "twin",
      clean: false,
      properties: { sessionExpiryInterval: 10 },
    });
    expect(await taken).toBe(0x8e);
    expect(second.connack?.sessionPresent).toBe(true);
    await service.group("tw").sendToAll("to the new one", { contentType: "text/plain" });
    expect((await second.next()).payload.toString()).toBe("to the new one");
  });
});

describe("QoS and 5.0 extras", () => {
  it("QoS 2 end to end between MQTT clients, delivered exactly once", async () => {
    const rx = await connectMqtt(await url(), { protocolVersion: 5, clientId: "q2rx" });
    await rx.client.subscribeAsync("q2", { qos: 2 });
    const tx = await connectMqtt(await url(), { protocolVersion: 5, clientId: "q2tx" });
    for (let i = 0; i < 5; i++) await tx.client.publishAsync("q2", `m${i}`, { qos: 2 });
    const got = [];
    for (let i = 0; i < 5; i++) got.push(await rx.next());
    expect(got.map((m) => [m.payload.toString(), m.packet.qos])).toEqual([0, 1, 2, 3, 4].map((i) => [`m${i}`, 2]));
    expect(await rx.quiet(200)).toBe(true);
  });

  it("MQTT properties travel between MQTT 5 clients; the subscription identifier is added; No Local is honoured", async () => {
    const rx = await connectMqtt(await url(), { protocolVersion: 5, clientId: "proprx" });
    await rx.client.subscribeAsync("props", { qos: 1, properties: { subscriptionIdentifier: 42 } });
    await rx.client.subscribeAsync("self", { qos: 1, nl: true });
    const tx = await connectMqtt(await url(), { protocolVersion: 5, clientId: "proptx" });
    await tx.client.publishAsync("props", '{"a":1}', {
      qos: 1,
      properties: {
        contentType: "application/json",
        correlationData: Buffer.from("c1"),
        responseTopic: "reply",
        userProperties: { k: "v" },
      },
    });
    const got = await rx.next();
    expect(got.packet.properties).toMatchObject({
      contentType: "application/json",
      responseTopic: "reply",
      userProperties: { k: "v" },
      subscriptionIdentifier: 42,
    });
    expect(Buffer.from(got.packet.properties?.correlationData as Buffer).toString()).toBe("c1");
    await rx.client.publishAsync("self", "echo?", { qos: 1 });
    expect(await rx.quiet()).toBe(true);
  });

  it("Message Expiry Interval: a message queued for an offline session expires", async () => {
    const rx = await connectMqtt(await url(), {
      protocolVersion: 5,
      clientId: "mexp",
      clean: false,
      properties: { sessionExpiryInterval: 60 },
    });
    await rx.client.subscribeAsync("mx", { qos: 1 });
    emulator.dropConnection("mexp");
    await emulator.waitForConnections(HUB, () => online("mexp") === false);
    const tx = await connectMqtt(await url(), { protocolVersion: 5, clientId: "mexptx" });
    await tx.client.publishAsync("mx", "short-lived", { qos: 1, properties: { messageExpiryInterval: 1 } });
    await tx.client.publishAsync("mx", "long-lived", { qos: 1, properties: { messageExpiryInterval: 60 } });
    await sleep(1100);
    const back = await connectMqtt(await url(), {
      protocolVersion: 5,
      clientId: "mexp",
      clean: false,
      properties: { sessionExpiryInterval: 60 },
    });
    const got = await back.next();
    expect(got.payload.toString()).toBe("long-lived");
    expect(got.packet.properties?.messageExpiryInterval).toBeLessThanOrEqual(60);
    expect(await back.quiet()).toBe(true);
  });

  it("flow control: with Receive Maximum 1 every QoS 1 message still arrives, in order", async () => {
    const rx = await connectMqtt(await url(), {
      protocolVersion: 5,
      clientId: "flow",
      properties: { receiveMaximum: 1 },
    });
    await rx.client.subscribeAsync("fl", { qos: 1 });
    for (let i = 0; i < 20; i++) await service.group("fl").sendToAll(`n${i}`, { contentType: "text/plain" });
    const got = [];
    for (let i = 0; i < 20; i++) got.push((await rx.next()).payload.toString());
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `n${i}`));
  });

  it("the CONNACK announces what is not supported (retain, wildcards, shared subscriptions)", async () => {
    const c = await connectMqtt(await url(), { protocolVersion: 5, clientId: "caps" });
    expect(c.connack?.properties).toMatchObject({
      retainAvailable: false,
      wildcardSubscriptionAvailable: false,
      sharedSubscriptionAvailable: false,
      subscriptionIdentifiersAvailable: true,
    });
    expect(c.connack?.properties?.topicAliasMaximum ?? 0).toBe(0);
  });
});

describe("last will", () => {
  it("is published when the connection drops, not after a normal DISCONNECT", async () => {
    const watcher = await connectMqtt(await url(), { protocolVersion: 4, clientId: "willwatch" });
    await watcher.client.subscribeAsync("status", { qos: 1 });
    await connectMqtt(await url(), {
      protocolVersion: 4,
      clientId: "willdrop",
      will: { topic: "status", payload: Buffer.from("gone"), qos: 1, retain: false },
    });
    emulator.dropConnection("willdrop");
    const got = await watcher.next();
    expect([got.topic, got.payload.toString()]).toEqual(["status", "gone"]);
    const polite = await connectMqtt(await url(), {
      protocolVersion: 4,
      clientId: "willpolite",
      will: { topic: "status", payload: Buffer.from("gone"), qos: 1, retain: false },
    });
    await polite.client.endAsync();
    expect(await watcher.quiet()).toBe(true);
  });

  it("5.0 Will Delay Interval: a client back in time cancels the will", async () => {
    const watcher = await connectMqtt(await url(), { protocolVersion: 5, clientId: "wdwatch" });
    await watcher.client.subscribeAsync("st5", { qos: 1 });
    const options = {
      protocolVersion: 5 as const,
      clientId: "wdelay",
      clean: false,
      properties: { sessionExpiryInterval: 60 },
      will: {
        topic: "st5",
        payload: Buffer.from("late"),
        qos: 1 as const,
        retain: false,
        properties: { willDelayInterval: 1 },
      },
    };
    await connectMqtt(await url(), options);
    emulator.dropConnection("wdelay");
    await connectMqtt(await url(), options);
    expect(await watcher.quiet(1300)).toBe(true);
    emulator.dropConnection("wdelay");
    expect((await watcher.next(3000)).payload.toString()).toBe("late");
  });

  it("a will with the retain flag is refused at CONNECT (5.0: Retain not supported)", async () => {
    await expect(
      connectMqtt(await url(), {
        protocolVersion: 5,
        clientId: "willretain",
        will: { topic: "x", payload: Buffer.from("y"), qos: 0, retain: true },
      }),
    ).rejects.toMatchObject({ code: 0x9a });
  });
});

describe("lazy loading", () => {
  // mqtt-packet is a devDependency bundled alone into dist/vendor/mqtt-packet.cjs, which the emulator
  // reaches only through a dynamic import: starting the emulator never evaluates it.
  it("the MQTT codec is a vendored file the emulator imports only dynamically (built ESM and CJS)", () => {
    const dist = join(root, "dist");
    expect(readFileSync(join(dist, "vendor/mqtt-packet.cjs"), "utf8")).toContain("node_modules/mqtt-packet/");
    const staticGraph = new Set<string>();
    const visit = (file: string): void => {
      if (staticGraph.has(file)) return;
      staticGraph.add(file);
      const code = readFileSync(join(dist, file), "utf8");
      for (const m of code.matchAll(
        /(?:^|\n)\s*(?:import|export)\s*(?:[^"'()]*?\sfrom\s*)?["']\.\/([^"']+)["']|require\(["']\.\/([^"']+)["']\)/g,
      ))
        visit((m[1] ?? m[2]) as string);
    };
    visit("emulator.js");
    visit("emulator.cjs");
    expect(staticGraph.has("vendor/mqtt-packet.cjs")).toBe(false);
    for (const file of staticGraph)
      expect(readFileSync(join(dist, file), "utf8")).not.toContain("node_modules/mqtt-packet/");
    for (const entry of ["emulator.js", "emulator.cjs"]) {
      expect(
        [...staticGraph].some(
          (f) =>
            f.startsWith(entry.replace(/\..*$/, "")) &&
            readFileSync(join(dist, f), "utf8").includes('import("./vendor/mqtt-packet.cjs")'),
        ),
      ).toBe(true);
    }
  });

  it("MQTT clients connect to the built ESM and CJS emulators (the bundled codec loads in both)", async () => {
    for (const entry of ["dist/emulator.js", "dist/emulator.cjs"]) {
      const script = `
        const WebSocket = require("ws");
        (async () => {
          const { startEmulator } = await import(${JSON.stringify(join(root, entry))});
          const { WebPubSubServiceClient } = require(${JSON.stringify(join(root, "dist/index.cjs"))});
          const mqtt = require("mqtt");
          const e = await startEmulator({ port: 0 });
          const { url } = await new WebPubSubServiceClient(e.connectionString, "lazy").getClientAccessToken({ clientProtocol: "mqtt" });
          const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: "lazy" + Date.now(), reconnectPeriod: 0 });
          console.log(JSON.stringify({ connected: client.connected }));
          await client.endAsync();
          await e.close();
        })().catch((error) => { console.error(error); process.exit(1); });`;
      const result = await runNode(["-e", script], { env: { NODE_PATH: join(root, "node_modules") } });
      expect(result.stderr).toBe("");
      expect(JSON.parse(result.stdout)).toEqual({ connected: true });
    }
  });
});
