// Hostile MQTT input: malformed and oversized packets, protocol violations and floods over raw WebSockets.
// Each case must end only the offending connection (5.0: with the DISCONNECT reason code MQTT defines),
// keep memory bounded, and leave the emulator healthy: afterwards a fresh MQTT client connects and a
// bystander subscribed since the start still gets exactly one message.
import mqttPacket from "mqtt-packet";
import WebSocket from "ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index";
import { WebPubSubServiceClient } from "../../src/index";
import { closeAllMqtt, connectMqtt, type TestMqtt } from "../helpers/mqtt";

const HUB = "mqtthostile";
let emulator: Emulator;
let service: WebPubSubServiceClient;
let bystander: TestMqtt;
const sockets: WebSocket[] = [];
const roles = ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  service = new WebPubSubServiceClient(emulator.connectionString, HUB);
  bystander = await connectMqtt(await url(), { protocolVersion: 5, clientId: "bystander" });
  await bystander.client.subscribeAsync("health", { qos: 1 });
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  // Healthy: a new client connects and publishes; the bystander gets exactly that message.
  const probe = await connectMqtt(await url(), { protocolVersion: 4, clientId: `probe${Date.now()}` });
  await probe.client.publishAsync("health", "ok", { qos: 1 });
  const got = await bystander.next();
  expect(got.payload.toString()).toBe("ok");
  expect(bystander.received).toEqual([]);
  await probe.end();
});
afterAll(async () => {
  await closeAllMqtt();
  await emulator.close();
});

async function url(): Promise<string> {
  return (await service.getClientAccessToken({ clientProtocol: "mqtt", roles })).url;
}

/** A raw MQTT-over-WebSocket connection that records what the emulator sends and how it closes. */
async function raw(
  protocolVersion: 4 | 5 = 5,
): Promise<{ ws: WebSocket; packets: mqttPacket.Packet[]; closed: Promise<number> }> {
  const ws = new WebSocket(await url(), "mqtt");
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
  return { ws, packets, closed };
}

const connect5 = (clientId: string) =>
  mqttPacket.generate({
    cmd: "connect",
    protocolId: "MQTT",
    protocolVersion: 5,
    clientId,
    clean: true,
    keepalive: 30,
    properties: {},
  });
const until = async (f: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("malformed input", () => {
  it("garbage instead of CONNECT closes the socket and leaves no session", async () => {
    const c = await raw();
    c.ws.send(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    await c.closed;
    expect(c.packets).toEqual([]);
    expect(emulator.connections(HUB).map((x) => x.connectionId)).toEqual(["bystander"]);
  });

  it("a first packet other than CONNECT closes the socket", async () => {
    const c = await raw();
    c.ws.send(mqttPacket.generate({ cmd: "pingreq" }));
    await c.closed;
    expect(c.packets).toEqual([]);
  });

  it("a malformed packet after CONNECT: DISCONNECT Malformed Packet (0x81), then close", async () => {
    const c = await raw();
    c.ws.send(connect5("malformed1"));
    await until(() => c.packets.length === 1);
    // SUBSCRIBE with reserved flags 0 instead of 2 (MQTT §3.8.1).
    c.ws.send(Buffer.from([0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00]));
    await c.closed;
    expect(c.packets.map((p) => p.cmd)).toEqual(["connack", "disconnect"]);
    expect((c.packets[1] as mqttPacket.IDisconnectPacket).reasonCode).toBe(0x81);
  });

  it("a second CONNECT is a protocol error (0x82)", async () => {
    const c = await raw();
    c.ws.send(connect5("twice"));
    await until(() => c.packets.length === 1);
    c.ws.send(connect5("twice"));
    await c.closed;
    expect((c.packets[1] as mqttPacket.IDisconnectPacket).reasonCode).toBe(0x82);
  });

  it("a topic alias (not supported; CONNACK announced none) ends a 5.0 connection with 0x94", async () => {
    const c = await raw();
    c.ws.send(connect5("alias1"));
    await until(() => c.packets.length === 1);
    c.ws.send(
      mqttPacket.generate(
        {
          cmd: "publish",
          topic: "a",
          payload: Buffer.from("x"),
          qos: 0,
          dup: false,
          retain: false,
          properties: { topicAlias: 1 },
        },
        { protocolVersion: 5 },
      ),
    );
    await c.closed;
    expect((c.packets[1] as mqttPacket.IDisconnectPacket).reasonCode).toBe(0x94);
  });

  it("MQTT 3.1 (MQIsdp) is answered with return code 1 (unacceptable protocol version)", async () => {
    const c = await raw(4);
    c.ws.send(
      mqttPacket.generate({
        cmd: "connect",
        protocolId: "MQIsdp",
        protocolVersion: 3,
        clientId: "old31",
        clean: true,
        keepalive: 30,
      }),
    );
    await c.closed;
    expect(c.packets[0]).toMatchObject({ cmd: "connack", returnCode: 1 });
  });
});

describe("oversized input", () => {
  it("a packet announcing 200 MB is refused at once (0x95), nothing buffered", async () => {
    const c = await raw();
    c.ws.send(connect5("huge1"));
    await until(() => c.packets.length === 1);
    // PUBLISH with remaining length 200,000,000 (varint), then only a few bytes.
    c.ws.send(Buffer.from([0x30, 0x80, 0xc2, 0xd7, 0x5f, 0x00, 0x01, 0x61]));
    await c.closed;
    expect((c.packets[1] as mqttPacket.IDisconnectPacket).reasonCode).toBe(0x95);
  });

  it("a packet announced past the limit and sent in 64 KiB frames is cut off (0x95, no session)", async () => {
    const c = await raw();
    c.ws.send(connect5("huge2"));
    await until(() => c.packets.length === 1);
    // Announce 2 MiB, deliver it in 64 KiB frames: the connection ends once more than 1 MiB is held.
    const header = Buffer.from([0x30, 0x80, 0x80, 0x80, 0x01, 0x00, 0x01, 0x61]);
    c.ws.send(header);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 40 && c.ws.readyState === WebSocket.OPEN; i++) c.ws.send(chunk);
    // Cut off as the service does: DISCONNECT Packet too large (0x95), then a normal close, no session left.
    expect(await c.closed).toBe(1000);
    expect(c.packets.map((p) => p.cmd)).toEqual(["connack", "disconnect"]);
    expect((c.packets[1] as mqttPacket.IDisconnectPacket).reasonCode).toBe(0x95);
    await emulator.waitForConnections(HUB, (l) => !l.some((x) => x.connectionId === "huge2"), { timeoutMs: 3000 });
  });

  it("a single WebSocket frame larger than the packet limit closes with 1009", async () => {
    const c = await raw();
    c.ws.send(connect5("huge3"));
    await until(() => c.packets.length === 1);
    c.ws.send(Buffer.alloc(2 * 1024 * 1024));
    expect(await c.closed).toBe(1009);
  });

  it("a will message over 2,000 bytes is refused (5.0: Packet too large)", async () => {
    await expect(
      connectMqtt(await url(), {
        protocolVersion: 5,
        clientId: "bigwill",
        will: { topic: "w", payload: Buffer.alloc(2001), qos: 0, retain: false },
      }),
    ).rejects.toMatchObject({ code: 0x95 });
  });

  it("MQTT 3.1.1 keep-alive outside 1-180 s is refused (connection closed without CONNACK)", async () => {
    await expect(connectMqtt(await url(), { protocolVersion: 4, clientId: "ka0", keepalive: 0 })).rejects.toThrow();
    await expect(connectMqtt(await url(), { protocolVersion: 4, clientId: "ka181", keepalive: 181 })).rejects.toThrow();
  });
});

describe("floods", () => {
  it("a flood of subscriptions stops at maxGroupsPerConnection (Quota exceeded) and memory stays bounded", async () => {
    const c = await connectMqtt(await url(), { protocolVersion: 5, clientId: "subflood" });
    const long = "x".repeat(1000);
    let refused = 0;
    for (let batch = 0; batch < 30; batch++) {
      const topics: Record<string, { qos: 0 }> = {};
      for (let i = 0; i < 100; i++) topics[`${long}${batch}-${i}`] = { qos: 0 };
      const granted = await c.client.subscribeAsync(topics).then(
        (g) => g.map((x) => x.qos as number),
        (e: { packet?: { granted: number[] } }) => e.packet?.granted ?? [],
      );
      refused += granted.filter((g) => g === 0x97).length;
    }
    const info = emulator.connections(HUB).find((x) => x.connectionId === "subflood");
    expect(info?.groups.length).toBe(1000);
    expect(refused).toBe(2000);
    await c.end();
    // The session's groups are gone with it.
    await until(() => !emulator.connections(HUB).some((x) => x.connectionId === "subflood"));
    expect(emulator.connections(HUB).map((x) => x.connectionId)).toEqual(["bystander"]);
  });

  it("QoS 2 publishes never released: more than 100 awaiting PUBREL ends the connection (0x93)", async () => {
    const c = await raw();
    c.ws.send(connect5("q2flood"));
    await until(() => c.packets.length === 1);
    for (let id = 1; id <= 150 && c.ws.readyState === WebSocket.OPEN; id++) {
      c.ws.send(
        mqttPacket.generate(
          {
            cmd: "publish",
            topic: "nowhere",
            payload: Buffer.from("x"),
            qos: 2,
            messageId: id,
            dup: false,
            retain: false,
          },
          { protocolVersion: 5 },
        ),
      );
    }
    await c.closed;
    const disconnect = c.packets.find((p) => p.cmd === "disconnect") as mqttPacket.IDisconnectPacket;
    expect(disconnect.reasonCode).toBe(0x93);
  });

  it("messages for an offline session are kept up to 1000 (oldest dropped)", async () => {
    const options = {
      protocolVersion: 5 as const,
      clientId: "offline",
      clean: false,
      properties: { sessionExpiryInterval: 30 },
    };
    const c = await connectMqtt(await url(), options);
    await c.client.subscribeAsync("backlog", { qos: 1 });
    emulator.dropConnection("offline");
    await until(() => emulator.connections(HUB).find((x) => x.connectionId === "offline")?.online === false);
    const tx = await connectMqtt(await url(), { protocolVersion: 5, clientId: "backlogtx" });
    for (let i = 0; i < 1499; i++) tx.client.publish("backlog", `m${i}`, { qos: 1 });
    await tx.client.publishAsync("backlog", "m1499", { qos: 1 });
    await tx.end(false);
    const back = await connectMqtt(await url(), options);
    const first = await back.next();
    expect(first.payload.toString()).toBe("m500");
    let count = 1;
    while (
      (await back.next(500).then(
        () => true,
        () => false,
      )) &&
      count < 2000
    )
      count++;
    expect(count).toBe(1000);
  });
});

describe("groups per connection", () => {
  it("the emulator's maxGroupsPerConnection bounds subscriptions and refuses a CONNECT that starts over it", async () => {
    const small = await startEmulator({ port: 0, maxGroupsPerConnection: 2 });
    try {
      const svc = new WebPubSubServiceClient(small.connectionString, HUB);
      const tooMany = (await svc.getClientAccessToken({ clientProtocol: "mqtt", roles, groups: ["a", "b", "c"] })).url;
      await expect(connectMqtt(tooMany, { protocolVersion: 5, clientId: "toomany" })).rejects.toMatchObject({
        code: 0x97,
      });
      await expect(connectMqtt(tooMany, { protocolVersion: 4, clientId: "toomany4" })).rejects.toMatchObject({
        code: 3,
      });
      const ok = await connectMqtt(
        (await svc.getClientAccessToken({ clientProtocol: "mqtt", roles, groups: ["a"] })).url,
        { protocolVersion: 5, clientId: "fits" },
      );
      const granted = await ok.client.subscribeAsync({ b: { qos: 1 }, c: { qos: 1 } }).then(
        (g) => g.map((x) => x.qos as number),
        (e: { packet?: { granted: number[] } }) => e.packet?.granted,
      );
      expect(granted).toEqual([1, 0x97]);
      await ok.end();
    } finally {
      await small.close();
    }
  });
});
