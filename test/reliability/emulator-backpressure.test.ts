// Issue 19 items 3 and 4: memory a stranger can grow has a limit. A client that never reads while sending
// requests that get replies (PINGREQ) must not make the emulator queue replies without end; one packet sent
// one byte per WebSocket frame must not cost a buffer per frame; a client that stays over the limit is closed,
// with the reason in the log and in the live view's feed.
import mqttPacket from "mqtt-packet";
import WebSocket from "ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator, type EmulatorEvent } from "../../src/emulator/index";
import { WebPubSubServiceClient } from "../../src/index";
import { closeAllMqtt, connectMqtt } from "../helpers/mqtt";

const HUB = "backpressure";
let emulator: Emulator;
let service: WebPubSubServiceClient;
const logs: string[] = [];
const events: EmulatorEvent[] = [];
const sockets: WebSocket[] = [];
const roles = ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"];
const gc = (globalThis as { gc?: () => void }).gc;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, log: (line) => logs.push(line) });
  // Frames are left out: the byte-per-frame test would keep 300k of them here.
  emulator.watch((event) => {
    if (event.kind !== "frame") events.push(event);
  });
  service = new WebPubSubServiceClient(emulator.connectionString, HUB);
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await closeAllMqtt();
});
afterAll(async () => {
  await emulator.close();
});

function heapMb(): number {
  gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw MQTT 5 client, connected (CONNACK received). */
async function connected(clientId: string): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const { url } = await service.getClientAccessToken({ clientProtocol: "mqtt", roles });
  const ws = new WebSocket(url, "mqtt");
  sockets.push(ws);
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  const connack = new Promise((resolve) => ws.once("message", resolve));
  ws.send(
    mqttPacket.generate(
      { cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId, clean: true, keepalive: 60 },
      { protocolVersion: 5 },
    ),
  );
  await connack;
  return { ws, closed };
}

/** Waits until the client's own socket has handed everything to the network (or the socket closed). */
async function flushed(ws: WebSocket, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (ws.readyState === WebSocket.OPEN && ws.bufferedAmount > 0 && Date.now() < end) await sleep(20);
}

describe("backpressure", () => {
  it("10 MiB of PINGREQ from a client that never reads: the heap stays bounded and others are served", async () => {
    expect(gc, "vitest runs workers with --expose-gc").toBeTypeOf("function");
    const before = heapMb();
    const { ws } = await connected("never-reads");
    // The client stops reading: its TCP window fills, then the emulator's socket buffer.
    ws.pause();
    const frame = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < frame.length; i += 2) frame[i] = 0xc0; // PINGREQ: 0xC0 0x00
    for (let i = 0; i < 10; i++) ws.send(frame);
    // Give the emulator time to take in what it will take (it stops reading once replies pile up).
    await sleep(1500);
    const during = heapMb();
    // Without backpressure the replies to 10 MiB of PINGREQ took the heap from 6 MB to 1.25 GB.
    expect(during - before).toBeLessThan(64);
    // Meanwhile everyone else is served.
    const { url } = await service.getClientAccessToken({ clientProtocol: "mqtt", roles });
    const probe = await connectMqtt(url, { protocolVersion: 5, clientId: "probe-pings" });
    await probe.client.subscribeAsync("health", { qos: 1 });
    await probe.client.publishAsync("health", "ok", { qos: 1 });
    expect((await probe.next()).payload.toString()).toBe("ok");
  }, 60_000);

  it("a client that stays over the limit is closed, the reason in the log and the live view feed", async () => {
    const { ws, closed } = await connected("slow-reader");
    const sub = mqttPacket.generate(
      { cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "firehose", qos: 0 }], properties: {} },
      { protocolVersion: 5 },
    );
    ws.send(sub);
    await emulator.waitForConnections(HUB, (list) =>
      list.some((c) => c.connectionId === "slow-reader" && c.groups.includes("firehose")),
    );
    ws.pause();
    // 24 messages of 1 MiB: more than the 16 MiB a connection may leave unread.
    const payload = Buffer.alloc(1024 * 1024, 1);
    for (let i = 0; i < 24; i++) {
      await service.group("firehose").sendToAll(payload);
    }
    ws.resume();
    expect(await closed).toBeGreaterThan(0);
    const slowGone = (e: EmulatorEvent) =>
      (e.kind === "disconnected" || e.kind === "offline") &&
      e.connectionId === "slow-reader" &&
      /slow client/.test(e.reason ?? "");
    await expect.poll(() => events.some(slowGone), { timeout: 10_000 }).toBe(true);
    expect(logs.some((l) => l.includes("slow-reader") && l.includes("slow client"))).toBe(true);
    const gone = events.find(
      (e) =>
        (e.kind === "disconnected" || e.kind === "offline") &&
        e.connectionId === "slow-reader" &&
        /slow client/.test(e.reason ?? ""),
    );
    expect(gone).toBeDefined();
  }, 60_000);

  it("one packet sent one byte per WebSocket frame costs no buffer per frame, and arrives whole", async () => {
    const { url } = await service.getClientAccessToken({ clientProtocol: "mqtt", roles });
    const listener = await connectMqtt(url, { protocolVersion: 5, clientId: "byte-listener" });
    await listener.client.subscribeAsync("bytes", { qos: 0 });
    const { ws } = await connected("byte-sender");
    const packet = mqttPacket.generate(
      {
        cmd: "publish",
        topic: "bytes",
        payload: Buffer.alloc(300 * 1024, 7),
        qos: 0,
        dup: false,
        retain: false,
      },
      { protocolVersion: 5 },
    );
    const before = heapMb();
    for (let i = 0; i < packet.length - 1; i++) {
      ws.send(packet.subarray(i, i + 1));
      if (i % 20_000 === 0) await flushed(ws);
    }
    await flushed(ws);
    await sleep(300);
    // 300k frames: kept as 300k small buffers they cost ~36 MB (121 MB for a million); gathered, ~1 MB.
    expect(heapMb() - before).toBeLessThan(16);
    ws.send(packet.subarray(packet.length - 1));
    const got = await listener.next(10_000);
    expect(got.payload.length).toBe(300 * 1024);
  }, 120_000);
});
