// Issue 19 item 2: an exception while handling one client's input ends that client's connection, never the
// process. Property-based: fast-check throws random and mutated MQTT packets and random json frames at a
// running emulator; after every run the emulator still answers REST, and at the end normal clients still
// round-trip (an uncaught exception would fail this file as an unhandled error).
import fc from "fast-check";
import mqttPacket from "mqtt-packet";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index";
import { WebPubSubServiceClient } from "../../src/index";
import { closeAllMqtt, connectMqtt } from "../helpers/mqtt";

const HUB = "fuzz";
let emulator: Emulator;
let service: WebPubSubServiceClient;
const roles = ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  service = new WebPubSubServiceClient(emulator.connectionString, HUB);
});
afterAll(async () => {
  await closeAllMqtt();
  await emulator.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens a WebSocket, sends the frames, gives the emulator a moment, then closes it. */
async function throwAt(url: string, protocol: string, frames: (Buffer | string)[]): Promise<void> {
  const ws = new WebSocket(url, protocol);
  ws.on("error", () => {});
  const opened = await new Promise<boolean>((resolve) => {
    ws.once("open", () => resolve(true));
    ws.once("error", () => resolve(false));
    ws.once("unexpected-response", () => resolve(false));
  });
  if (opened) {
    for (const frame of frames) if (ws.readyState === WebSocket.OPEN) ws.send(frame);
    await sleep(20);
  }
  ws.terminate();
}

const text = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("room", "$webpubsub/x", "a\u0000b", "+", ""));
const properties = fc.record(
  {
    contentType: fc.string({ maxLength: 10 }),
    messageExpiryInterval: fc.nat(),
    payloadFormatIndicator: fc.boolean(),
    correlationData: fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a)),
    userProperties: fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
    sessionExpiryInterval: fc.nat(),
    receiveMaximum: fc.integer({ min: 1, max: 65535 }),
    topicAlias: fc.integer({ min: 1, max: 10 }),
  },
  { requiredKeys: [] },
);
const qos = fc.constantFrom(0 as const, 1 as const, 2 as const);
const messageId = fc.integer({ min: 1, max: 65535 });
const packet: fc.Arbitrary<mqttPacket.Packet> = fc.oneof(
  fc.record({
    cmd: fc.constant("publish" as const),
    topic: text,
    payload: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    qos,
    messageId,
    dup: fc.boolean(),
    retain: fc.boolean(),
    properties,
  }),
  fc.record({
    cmd: fc.constant("subscribe" as const),
    messageId,
    subscriptions: fc.array(fc.record({ topic: text, qos }), { minLength: 1, maxLength: 4 }),
    properties,
  }),
  fc.record({ cmd: fc.constant("unsubscribe" as const), messageId, unsubscriptions: fc.array(text, { minLength: 1 }) }),
  fc.record({
    cmd: fc.constantFrom("puback" as const, "pubrec" as const, "pubrel" as const, "pubcomp" as const),
    messageId,
  }),
  fc.record({ cmd: fc.constantFrom("pingreq" as const, "disconnect" as const) }),
  fc.record({
    cmd: fc.constant("connect" as const),
    protocolId: fc.constant("MQTT"),
    protocolVersion: fc.constantFrom(4, 5),
    clientId: text,
    clean: fc.boolean(),
    keepalive: fc.nat({ max: 300 }),
    properties,
  }),
);

/** A packet as mqtt-packet writes it (undefined when it refuses), then maybe mutated: a byte changed, cut short, repeated. */
const bytes = fc
  .tuple(packet, fc.constantFrom(4, 5), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat({ max: 3 }))
  .map(([p, version, at, value, mutation]) => {
    let out: Buffer;
    try {
      out = mqttPacket.generate(p, { protocolVersion: version });
    } catch {
      return Buffer.from([0xc0, 0]);
    }
    if (out.length === 0) return out;
    const i = at % out.length;
    if (mutation === 1) out[i] = value;
    if (mutation === 2) out = out.subarray(0, i);
    if (mutation === 3) out = Buffer.concat([out.subarray(0, i), out.subarray(Math.max(0, i - 4))]);
    return out;
  });

const connect5 = mqttPacket.generate(
  { cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "", clean: true, keepalive: 30 },
  { protocolVersion: 5 },
);

const jsonFrame = fc.oneof(
  fc
    .record(
      {
        type: fc.constantFrom("joinGroup", "leaveGroup", "sendToGroup", "event", "sequenceAck", "ping", "x"),
        group: fc.oneof(text, fc.anything()),
        event: fc.oneof(text, fc.anything()),
        ackId: fc.oneof(fc.integer(), fc.anything()),
        sequenceId: fc.oneof(fc.integer(), fc.anything()),
        dataType: fc.oneof(fc.constantFrom("json", "text", "binary", "protobuf"), fc.anything()),
        data: fc.anything(),
        noEcho: fc.anything(),
      },
      { requiredKeys: ["type"] },
    )
    .map((o) => {
      try {
        return JSON.stringify(o) ?? "null";
      } catch {
        return "{}";
      }
    }),
  fc.string(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);

describe("random and mutated input never stops the emulator", () => {
  it("MQTT: random and mutated packets, with and without a CONNECT first", async () => {
    const { url } = await service.getClientAccessToken({ clientProtocol: "mqtt", roles });
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(bytes, { minLength: 1, maxLength: 8 }), async (first, frames) => {
        await throwAt(url, "mqtt", first ? [connect5, ...frames] : frames);
        expect(await service.groupExists("nobody")).toBe(false);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it.each(["json.webpubsub.azure.v1", "json.reliable.webpubsub.azure.v1"])(
    "%s: random frames",
    async (protocol) => {
      const { url } = await service.getClientAccessToken({ roles });
      await fc.assert(
        fc.asyncProperty(fc.array(jsonFrame, { minLength: 1, maxLength: 8 }), async (frames) => {
          await throwAt(url, protocol, frames);
          expect(await service.groupExists("nobody")).toBe(false);
        }),
        { numRuns: 100 },
      );
    },
    120_000,
  );

  it("afterwards normal MQTT and json clients still round-trip", async () => {
    const { url } = await service.getClientAccessToken({ clientProtocol: "mqtt", roles });
    const mqtt = await connectMqtt(url, { protocolVersion: 5, clientId: "after-fuzz" });
    await mqtt.client.subscribeAsync("health", { qos: 1 });
    await mqtt.client.publishAsync("health", "ok", { qos: 1 });
    expect((await mqtt.next()).payload.toString()).toBe("ok");

    const json = new WebSocket((await service.getClientAccessToken({ roles })).url, "json.webpubsub.azure.v1");
    const frames: Record<string, unknown>[] = [];
    json.on("message", (d: Buffer) => frames.push(JSON.parse(d.toString()) as Record<string, unknown>));
    await new Promise((resolve) => json.once("open", resolve));
    json.send(JSON.stringify({ type: "joinGroup", group: "health", ackId: 1 }));
    await expect.poll(() => frames.some((f) => f["type"] === "ack")).toBe(true);
    await mqtt.client.publishAsync("health", "to json", { qos: 1 });
    // MQTT payloads without a content type reach json clients as binary (base64).
    const sent = Buffer.from("to json").toString("base64");
    await expect.poll(() => frames.some((f) => f["type"] === "message" && f["data"] === sent)).toBe(true);
    json.terminate();
  });
});
