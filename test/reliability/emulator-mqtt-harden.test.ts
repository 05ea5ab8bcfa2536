// Issue 19: one packet never stops the emulator, memory a stranger can grow has a limit, a session is never
// resumed under another user's identity, and the smaller MQTT conformance points. Each case drives a running
// emulator over real WebSockets with packets written by mqtt-packet (raw where MQTT.js would refuse to send them).
import mqttPacket from "mqtt-packet";
import WebSocket from "ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index";
import { WebPubSubServiceClient } from "../../src/index";
import { closeAllMqtt, connectMqtt } from "../helpers/mqtt";

const HUB = "mqttharden";
let emulator: Emulator;
let service: WebPubSubServiceClient;
const logs: string[] = [];
const sockets: WebSocket[] = [];
const roles = ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, maxGroupsPerConnection: 20, log: (line) => logs.push(line) });
  service = new WebPubSubServiceClient(emulator.connectionString, HUB);
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await closeAllMqtt();
});
afterAll(async () => {
  await emulator.close();
});

async function url(options: { userId?: string; roles?: string[] } = {}): Promise<string> {
  return (await service.getClientAccessToken({ clientProtocol: "mqtt", roles, ...options })).url;
}

interface Raw {
  ws: WebSocket;
  packets: mqttPacket.Packet[];
  closed: Promise<number>;
  send(packet: mqttPacket.Packet): void;
}

/** A raw MQTT 5 connection over WebSocket that records what the emulator sends and how it closes. */
async function raw(options: { userId?: string; roles?: string[] } = {}, protocolVersion: 4 | 5 = 5): Promise<Raw> {
  const ws = new WebSocket(await url(options), "mqtt");
  sockets.push(ws);
  const packets: mqttPacket.Packet[] = [];
  const parser = mqttPacket.parser({ protocolVersion });
  parser.on("packet", (p) => packets.push(p));
  ws.on("message", (d: Buffer) => parser.parse(d));
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return { ws, packets, closed, send: (p) => ws.send(mqttPacket.generate(p, { protocolVersion })) };
}

const until = async (f: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

async function connected(clientId: string, extra: Partial<mqttPacket.IConnectPacket> = {}): Promise<Raw> {
  const r = await raw();
  r.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId, clean: true, keepalive: 60, ...extra });
  await until(() => r.packets.some((p) => p.cmd === "connack"));
  return r;
}

/** The same property twice, written by hand: mqtt-packet writes each property once. */
function publishWithContentTypeTwice(topic: string): Buffer {
  const property = (value: string) => Buffer.concat([Buffer.from([0x03, 0, value.length]), Buffer.from(value)]);
  const properties = Buffer.concat([property("text/plain"), property("application/json")]);
  const variable = Buffer.concat([
    Buffer.from([0, topic.length]),
    Buffer.from(topic),
    Buffer.from([properties.length]),
    properties,
    Buffer.from("hi"),
  ]);
  return Buffer.concat([Buffer.from([0x30, variable.length]), variable]);
}

/** Healthy: a fresh MQTT.js client round-trips a message through the emulator. */
async function roundTrips(): Promise<void> {
  const probe = await connectMqtt(await url(), { protocolVersion: 5, clientId: `probe-${Date.now()}` });
  await probe.client.subscribeAsync("health", { qos: 1 });
  await probe.client.publishAsync("health", "ok", { qos: 1 });
  expect((await probe.next()).payload.toString()).toBe("ok");
  await probe.end();
}

describe("repeated MQTT 5 properties (§2.2.2.2)", () => {
  it("content-type twice in a PUBLISH: DISCONNECT 0x82, the emulator lives on", async () => {
    const r = await connected("twice-1");
    r.ws.send(publishWithContentTypeTwice("room"));
    expect(await r.closed).toBeGreaterThan(0);
    expect(r.packets.find((p) => p.cmd === "disconnect")).toMatchObject({ reasonCode: 0x82 });
    await roundTrips();
  });

  it("a will carrying content-type twice never reaches the will's publish when the connection drops", async () => {
    const r = await raw();
    const will = Buffer.from(
      mqttPacket.generate(
        {
          cmd: "connect",
          protocolId: "MQTT",
          protocolVersion: 5,
          clientId: "twice-will",
          clean: true,
          keepalive: 60,
          will: {
            topic: "room",
            payload: Buffer.from("bye"),
            qos: 0,
            retain: false,
            properties: { contentType: "a/b" },
          },
        },
        { protocolVersion: 5 },
      ),
    );
    // Repeat the will's content type: the will properties are `len 0x03 00 03 'a/b'`; insert a second copy.
    const at = will.indexOf(Buffer.from([0x03, 0, 3, 0x61, 0x2f, 0x62]));
    const copy = will.subarray(at, at + 6);
    const patched = Buffer.concat([will.subarray(0, at - 1), Buffer.from([12]), copy, copy, will.subarray(at + 6)]);
    patched[1] = (patched[1] as number) + 6;
    r.ws.send(patched);
    await r.closed;
    expect(r.packets.some((p) => p.cmd === "connack" && p.reasonCode === 0)).toBe(false);
    await roundTrips();
  });

  it.each([
    ["session expiry interval", 0x11, Buffer.from([0, 0, 0, 10])],
    ["receive maximum", 0x21, Buffer.from([0, 10])],
  ])("%s twice in CONNECT: refused, no session, the emulator lives on", async (_name, id, value) => {
    const r = await raw();
    const property = Buffer.concat([Buffer.from([id]), value]);
    const properties = Buffer.concat([property, property]);
    const clientId = Buffer.from("twice-connect");
    const variable = Buffer.concat([
      Buffer.from([0, 4]),
      Buffer.from("MQTT"),
      Buffer.from([5, 0x02, 0, 60, properties.length]),
      properties,
      Buffer.from([0, clientId.length]),
      clientId,
    ]);
    r.ws.send(Buffer.concat([Buffer.from([0x10, variable.length]), variable]));
    await r.closed;
    expect(await service.connectionExists("twice-connect")).toBe(false);
    await roundTrips();
  });

  it("message expiry twice in a PUBLISH: DISCONNECT 0x82", async () => {
    const r = await connected("twice-expiry");
    const properties = Buffer.from([0x02, 0, 0, 0, 5, 0x02, 0, 0, 0, 6]);
    const variable = Buffer.concat([
      Buffer.from([0, 4]),
      Buffer.from("room"),
      Buffer.from([properties.length]),
      properties,
    ]);
    r.ws.send(Buffer.concat([Buffer.from([0x30, variable.length]), variable]));
    await r.closed;
    expect(r.packets.find((p) => p.cmd === "disconnect")).toMatchObject({ reasonCode: 0x82 });
  });
});

describe("smaller MQTT conformance points", () => {
  it("a PUBLISH whose topic contains U+0000 is malformed (0x81): the connection ends, nothing routed", async () => {
    const listener = await connectMqtt(await url(), { protocolVersion: 5, clientId: "nul-listener" });
    await listener.client.subscribeAsync("a\u0000b".slice(0, 1), { qos: 0 });
    const r = await connected("nul-topic");
    r.send({ cmd: "publish", topic: "a\u0000b", payload: Buffer.from("x"), qos: 0, dup: false, retain: false });
    await r.closed;
    expect(r.packets.find((p) => p.cmd === "disconnect")).toMatchObject({ reasonCode: 0x81 });
    expect(await listener.quiet(200)).toBe(true);
  });

  it("MQTT 5: a PUBREL for an unknown packet id gets PUBCOMP 0x92; a known one 0x00", async () => {
    const r = await connected("pubrel-1");
    r.send({ cmd: "pubrel", messageId: 4242 });
    await until(() => r.packets.some((p) => p.cmd === "pubcomp"));
    expect(r.packets.find((p) => p.cmd === "pubcomp")).toMatchObject({ messageId: 4242, reasonCode: 0x92 });
    r.send({
      cmd: "publish",
      topic: "room",
      payload: Buffer.from("x"),
      qos: 2,
      messageId: 7,
      dup: false,
      retain: false,
    });
    await until(() => r.packets.some((p) => p.cmd === "pubrec"));
    r.send({ cmd: "pubrel", messageId: 7 });
    await until(() => r.packets.filter((p) => p.cmd === "pubcomp").length === 2);
    const second = r.packets.filter((p) => p.cmd === "pubcomp")[1] as mqttPacket.IPubcompPacket;
    expect(second.reasonCode ?? 0).toBe(0);
  });

  it("$webpubsub/ subscriptions count against maxGroupsPerConnection (20 here)", async () => {
    const r = await connected("reserved-flood");
    const subscriptions = Array.from({ length: 30 }, (_, i) => ({ topic: `$webpubsub/x/${i}`, qos: 0 as const }));
    r.send({ cmd: "subscribe", messageId: 1, subscriptions, properties: {} });
    await until(() => r.packets.some((p) => p.cmd === "suback"));
    const granted = (r.packets.find((p) => p.cmd === "suback") as mqttPacket.ISubackPacket).granted as number[];
    expect(granted.filter((g) => g === 0x97)).toHaveLength(10);
    expect(granted.slice(0, 20).every((g) => g === 0)).toBe(true);
    // And a group on top of them no longer fits.
    r.send({ cmd: "subscribe", messageId: 2, subscriptions: [{ topic: "one-more", qos: 0 }], properties: {} });
    await until(() => r.packets.filter((p) => p.cmd === "suback").length === 2);
    expect((r.packets.filter((p) => p.cmd === "suback")[1] as mqttPacket.ISubackPacket).granted).toEqual([0x97]);
  });
});

describe("identity", () => {
  it("a persistent session is never resumed by another user's connection: fresh session, own identity", async () => {
    const alice = await connectMqtt(await url({ userId: "alice" }), {
      protocolVersion: 5,
      clientId: "shared-id",
      clean: false,
      properties: { sessionExpiryInterval: 30 },
    });
    await alice.client.subscribeAsync("alice-room", { qos: 1 });
    await alice.end();
    // Mallory: same client id, no roles, clean=false.
    const mallory = await connectMqtt(await url({ userId: "mallory", roles: [] }), {
      protocolVersion: 5,
      clientId: "shared-id",
      clean: false,
      properties: { sessionExpiryInterval: 30 },
    });
    expect(mallory.connack?.sessionPresent).toBe(false);
    const info = emulator.connections(HUB).find((c) => c.connectionId === "shared-id");
    expect(info).toMatchObject({ userId: "mallory", groups: [] });
    // Alice's group messages do not reach mallory, and mallory may not publish where her token does not allow.
    await service.group("alice-room").sendToAll("for alice", { contentType: "text/plain" });
    expect(await mallory.quiet(300)).toBe(true);
    const watcher = await connectMqtt(await url(), { protocolVersion: 5, clientId: "watcher" });
    await watcher.client.subscribeAsync("alice-room", { qos: 0 });
    await mallory.client.publishAsync("alice-room", "from mallory", { qos: 1 }).catch(() => undefined);
    expect(await watcher.quiet(300)).toBe(true);
  });

  it("the same user resuming acts with the roles of the new token", async () => {
    const first = await connectMqtt(await url({ userId: "bob" }), {
      protocolVersion: 5,
      clientId: "bob-1",
      clean: false,
      properties: { sessionExpiryInterval: 30 },
    });
    await first.end();
    const again = await connectMqtt(await url({ userId: "bob", roles: [] }), {
      protocolVersion: 5,
      clientId: "bob-1",
      clean: false,
      properties: { sessionExpiryInterval: 30 },
    });
    expect(again.connack?.sessionPresent).toBe(true);
    const watcher = await connectMqtt(await url(), { protocolVersion: 5, clientId: "bob-watcher" });
    await watcher.client.subscribeAsync("bob-room", { qos: 0 });
    await again.client.publishAsync("bob-room", "x", { qos: 1 }).catch(() => undefined);
    expect(await watcher.quiet(300)).toBe(true);
  });
});

describe("logs", () => {
  it("client-controlled strings are escaped: no raw control sequences reach the log", async () => {
    const evil = "\u001b[31mRED\u001b[0m\nforged line";
    const c = await connectMqtt(await url({ userId: evil }), { protocolVersion: 5, clientId: "esc\u001b[2Jid" });
    await c.client.subscribeAsync("\u001b]0;title\u0007", { qos: 0 }).catch(() => undefined);
    await c.end();
    await until(() => logs.some((l) => l.includes("esc\\x1b[2Jid")));
    // eslint-disable-next-line no-control-regex
    expect(logs.filter((l) => /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/.test(l))).toEqual([]);
  });
});
