// The hub properties other than event handlers: anonymousConnectPolicy, webSocketKeepAliveIntervalInSeconds,
// and the messageTtlSeconds of REST sends where the service honours it (a reliable client's recovery, a slow
// client's queue). Real clients against the emulator on loopback.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startEmulator, type Emulator } from "../../../src/emulator/index";
import { WebPubSubServiceClient } from "../../../src/index";
import { startEventHandler, type EventHandlerServer } from "../../helpers/eventHandler";
import { closeAllMqtt, connectMqtt } from "../../helpers/mqtt";
import { RawWebSocket } from "../../helpers/rawWebSocket";
import { TestSocket, refusedStatus } from "../../helpers/ws";

const json = "json.webpubsub.azure.v1";
const reliable = "json.reliable.webpubsub.azure.v1";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("anonymousConnectPolicy", () => {
  let emulator: Emulator;
  let handler: EventHandlerServer;
  let base: string;
  beforeAll(async () => {
    handler = await startEventHandler("lobby", { connectReply: { userId: "guest-1", groups: ["guests"] } });
    emulator = await startEmulator({
      port: 0,
      config: {
        hubs: {
          open: { anonymousConnectPolicy: "allow" },
          lobby: {
            anonymousConnectPolicy: "Allow",
            eventHandlers: [{ urlTemplate: `${handler.url}/{event}`, systemEvents: ["connect"] }],
          },
          shut: { anonymousConnectPolicy: "deny" },
        },
      },
    });
    base = `ws://127.0.0.1:${emulator.port}`;
  });
  afterAll(async () => {
    await closeAllMqtt();
    await emulator.close();
    await handler.close();
  });

  it("lets a client without a token in, with no user id, roles or groups", async () => {
    const socket = new TestSocket(`${base}/client/hubs/open`, json);
    const connected = await socket.nextJson();
    expect(connected).toMatchObject({ type: "system", event: "connected" });
    expect(connected).not.toHaveProperty("userId");
    expect(emulator.connections("open")).toMatchObject([{ userId: null, roles: [], groups: [] }]);
    // Without roles it may send events but not join groups.
    socket.send({ type: "joinGroup", group: "g", ackId: 1 });
    expect(await socket.nextJson()).toMatchObject({
      type: "ack",
      ackId: 1,
      success: false,
      error: { name: "Forbidden" },
    });
    socket.close();
  });

  it("leaves the identity to the connect handler, which sees no claims", async () => {
    const socket = new TestSocket(`${base}/client/hubs/lobby?name=x`, json);
    expect(await socket.nextJson()).toMatchObject({ event: "connected", userId: "guest-1" });
    const connect = handler.events().find((e) => e.event === "connect");
    expect(JSON.parse(connect?.body ?? "{}")).toMatchObject({ claims: {}, query: { name: ["x"] } });
    expect(emulator.connections("lobby")[0]?.groups).toEqual(["guests"]);
    socket.close();
  });

  it("still checks a token that is given, and refuses token-less clients elsewhere", async () => {
    expect(await refusedStatus(`${base}/client/hubs/open?access_token=not.a.token`, json)).toBe(401);
    expect(await refusedStatus(`${base}/client/hubs/shut`, json)).toBe(401);
    expect(await refusedStatus(`${base}/client/hubs/unconfigured`, json)).toBe(401);
  });

  it("applies to MQTT clients of the hub too", async () => {
    const client = await connectMqtt(`${base}/clients/mqtt/hubs/open`, { protocolVersion: 5, clientId: "anon1" });
    expect(client.connack?.reasonCode ?? 0).toBe(0);
    await client.end();
    expect(await refusedStatus(`${base}/clients/mqtt/hubs/shut`, "mqtt")).toBe(401);
  });
});

describe("webSocketKeepAliveIntervalInSeconds", () => {
  let emulator: Emulator;
  let service: WebPubSubServiceClient;
  const sockets: WebSocket[] = [];
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, config: { hubs: { fast: { webSocketKeepAliveIntervalInSeconds: 1 } } } });
    service = new WebPubSubServiceClient(emulator.connectionString, "fast");
  });
  afterAll(async () => {
    for (const s of sockets) s.terminate();
    await service.close();
    await emulator.close();
  });

  async function open(hub: string, options: WebSocket.ClientOptions = {}) {
    const hubClient = new WebPubSubServiceClient(emulator.connectionString, hub);
    const { url } = await hubClient.getClientAccessToken();
    await hubClient.close();
    const ws = new WebSocket(url, json, options);
    sockets.push(ws);
    const pings = { count: 0 };
    ws.on("ping", () => pings.count++);
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    return { ws, pings };
  }

  it("pings at the hub's interval (1 s here, 20 s by default) and follows an edited configuration", async () => {
    const fast = await open("fast");
    const usual = await open("usual");
    await sleep(3500);
    expect(fast.pings.count).toBeGreaterThanOrEqual(2);
    expect(fast.pings.count).toBeLessThanOrEqual(5);
    expect(usual.pings.count).toBe(0);

    // Swap the intervals while both stay connected.
    emulator.setConfig({
      hubs: { fast: { webSocketKeepAliveIntervalInSeconds: 120 }, usual: { webSocketKeepAliveIntervalInSeconds: 1 } },
    });
    const [fastBefore, usualBefore] = [fast.pings.count, usual.pings.count];
    await sleep(3500);
    expect(fast.pings.count - fastBefore).toBeLessThanOrEqual(1);
    expect(usual.pings.count - usualBefore).toBeGreaterThanOrEqual(2);
    expect([fast.ws.readyState, usual.ws.readyState]).toEqual([WebSocket.OPEN, WebSocket.OPEN]);
    emulator.setConfig({ hubs: { fast: { webSocketKeepAliveIntervalInSeconds: 1 } } });
  });

  it("cuts a client that answers no ping, and only that one", async () => {
    const silent = await open("fast", { autoPong: false });
    const alive = await open("fast");
    const closed = new Promise<number>((resolve) => silent.ws.once("close", (code) => resolve(code)));
    const t0 = Date.now();
    // Three unanswered pings at 1 s, then the cut: about 4 s; a generous bound for a loaded machine.
    const code = await Promise.race([closed, sleep(15_000).then(() => -1)]);
    expect(code).toBe(1006);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2500);
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe("messageTtlSeconds", () => {
  let emulator: Emulator;
  let service: WebPubSubServiceClient;
  let base: string;
  const raws: RawWebSocket[] = [];
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, recordMessages: false });
    service = new WebPubSubServiceClient(emulator.connectionString, "ttl");
    base = `ws://127.0.0.1:${emulator.port}`;
  });
  afterEach(() => {
    for (const raw of raws.splice(0)) raw.close();
  });
  afterAll(async () => {
    await service.close();
    await emulator.close();
  });

  it("drops messages that outlive their TTL while a reliable client recovers; the others are replayed", async () => {
    const { url } = await service.getClientAccessToken();
    const socket = new TestSocket(url, reliable);
    const connected = await socket.nextJson();
    const id = String(connected["connectionId"]);
    // A TTL is no delay: an online client gets the message at once.
    await service.sendToAll("now", { messageTtlSeconds: 1 });
    expect(await socket.nextJson()).toMatchObject({ type: "message", data: "now", sequenceId: 1 });
    socket.send({ type: "sequenceAck", sequenceId: 1 });

    emulator.dropConnection(id);
    await expect.poll(() => emulator.connections("ttl")[0]?.online).toBe(false);
    await service.sendToAll("short", { messageTtlSeconds: 1 });
    await service.sendToAll("forever");
    await service.sendToAll("long", { messageTtlSeconds: 300 });
    await sleep(2200);

    const token = encodeURIComponent(String(connected["reconnectionToken"]));
    const back = new TestSocket(
      `${base}/client/hubs/ttl?awps_connection_id=${id}&awps_reconnection_token=${token}`,
      reliable,
    );
    await back.opened;
    const replayed = [await back.nextJson(), await back.nextJson()];
    expect(replayed.map((m) => [m["data"], m["sequenceId"]])).toEqual([
      ["forever", 3],
      ["long", 4],
    ]);
    await sleep(300);
    expect(back.frames).toEqual([]);
    back.close();
  });

  /** A simple client that stops reading while `count` binary messages of 512 KiB are sent to it. */
  async function slowClient(hub: string, count: number, ttl: number | undefined): Promise<number[]> {
    const service = new WebPubSubServiceClient(emulator.connectionString, hub);
    const raw = await RawWebSocket.open((await service.getClientAccessToken()).url);
    raws.push(raw);
    await expect.poll(() => emulator.connections(hub).length).toBe(1);
    const id = (emulator.connections(hub)[0] as { connectionId: string }).connectionId;
    raw.pause();
    const message = (i: number) => {
      const bytes = new Uint8Array(512 * 1024);
      new DataView(bytes.buffer).setUint32(0, i);
      return bytes;
    };
    for (let i = 0; i < count; i++)
      await service.sendToConnection(id, message(i), ttl === undefined ? {} : { messageTtlSeconds: ttl });
    await sleep(2500);
    await service.sendToConnection(id, message(0xffffffff));
    raw.resume();
    await expect
      .poll(() => raw.frames.some((f) => f.payload.readUInt32BE(0) === 0xffffffff), { timeout: 15_000 })
      .toBe(true);
    await service.close();
    return raw.frames
      .filter((f) => f.opcode === 2)
      .map((f) => f.payload.readUInt32BE(0))
      .slice(0, -1);
  }

  it("drops messages that outlive their TTL while queued for a slow client, keeping the order of the rest", async () => {
    // 12 MiB: more than a stalled loopback socket takes in (about 4 MiB), so part of it waits in the emulator
    // past its TTL; less than the 16 MiB after which the emulator closes a slow client.
    const received = await slowClient("slow1", 24, 1);
    expect(received.length).toBeLessThan(24);
    expect(received).toEqual([...received].sort((x, y) => x - y));
    expect(new Set(received).size).toBe(received.length);
  });

  it("delivers everything, in order, to the same slow client when the messages have no TTL", async () => {
    const received = await slowClient("slow2", 24, undefined);
    expect(received).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });
});
