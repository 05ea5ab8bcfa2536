// Several event handlers per hub, in both configuration shapes: each event reaches the first handler whose
// systemEvents or user event pattern takes it, as the service routes ("the first matching one wins").
// Real event handlers on loopback, real clients, the emulator in between.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startEmulator,
  type Emulator,
  type EmulatorAppSettings,
  type EmulatorConfig,
} from "../../../src/emulator/index";
import { WebPubSubServiceClient } from "../../../src/index";
import { startEventHandler, type EventHandlerServer } from "../../helpers/eventHandler";
import { TestSocket } from "../../helpers/ws";

let a: EventHandlerServer;
let b: EventHandlerServer;
let c: EventHandlerServer;

beforeAll(async () => {
  [a, b, c] = await Promise.all([startEventHandler("A"), startEventHandler("B"), startEventHandler("C")]);
});
afterAll(async () => {
  await Promise.all([a.close(), b.close(), c.close()]);
});

// A takes connect and two user events; B takes connected, connect (too late: A is first) and every user
// event; C takes disconnected and `message`, which B's "*" takes first.
const hubSettings = (): EmulatorConfig => ({
  hubs: {
    chat: {
      eventHandlers: [
        { urlTemplate: `${a.url}/a/{hub}/{event}`, systemEvents: ["connect"], userEventPattern: "Chat, typing" },
        { urlTemplate: `${b.url}/b/{event}`, systemEvents: ["connected", "connect"], userEventPattern: "*" },
        { urlTemplate: `${c.url}/c?e={event}`, systemEvents: ["disconnected"], userEventPattern: "message" },
      ],
    },
  },
});
const appSettings = (): EmulatorAppSettings => ({
  Logging: { LogLevel: { Default: "Information" } },
  WebPubSub: {
    Hubs: {
      chat: {
        EventHandlers: [
          { UrlTemplate: `${a.url}/a/{hub}/{event}`, SystemEvents: ["connect"], EventPattern: "Chat, typing" },
          { UrlTemplate: `${b.url}/b/{event}`, SystemEvents: ["connected", "connect"], EventPattern: "*" },
          { UrlTemplate: `${c.url}/c?e={event}`, SystemEvents: ["disconnected"], EventPattern: "message" },
        ],
      },
    },
  },
});

/** Frames until the server message that answers a user event (its ack comes first). */
async function reply(socket: TestSocket): Promise<Record<string, unknown>> {
  for (;;) {
    const frame = await socket.nextJson(5000);
    if (frame["type"] === "message") return frame;
  }
}

describe.each([
  ["the hub settings teams deploy", hubSettings],
  ["Microsoft's emulator's appsettings.json", appSettings],
] as const)("%s", (_shape, config) => {
  let emulator: Emulator;
  let service: WebPubSubServiceClient;
  beforeAll(async () => {
    for (const server of [a, b, c]) server.requests.length = 0;
    emulator = await startEmulator({ port: 0, config: config() });
    service = new WebPubSubServiceClient(emulator.connectionString, "chat");
  });
  afterAll(async () => {
    await service.close();
    await emulator.close();
  });

  it("routes every event to the first handler that takes it", async () => {
    const { url } = await service.getClientAccessToken({ userId: "ann" });
    const json = new TestSocket(url, "json.webpubsub.azure.v1");
    const connected = await json.nextJson();
    expect(connected).toMatchObject({ type: "system", event: "connected", userId: "ann" });
    const id = String(connected["connectionId"]);

    json.send({ type: "event", event: "Chat", dataType: "text", data: "hi", ackId: 1 });
    expect(await reply(json)).toMatchObject({ from: "server", data: "A took Chat" });
    json.send({ type: "event", event: "typing", dataType: "text", data: "…", ackId: 2 });
    expect(await reply(json)).toMatchObject({ data: "A took typing" });
    json.send({ type: "event", event: "other", dataType: "json", data: { n: 1 }, ackId: 3 });
    expect(await reply(json)).toMatchObject({ data: "B took other" });

    // A simple client's frames are the user event `message`: B's "*" comes before C's "message".
    const simple = new TestSocket((await service.getClientAccessToken()).url);
    await simple.opened;
    simple.send("hello");
    expect(String((await simple.next(5000)).data)).toBe("B took message");

    json.close();
    await expect.poll(() => c.events().map((e) => e.event), { timeout: 5000 }).toEqual(["disconnected"]);
    simple.close();
    await expect.poll(() => c.events().length, { timeout: 5000 }).toBe(2);

    expect(a.events().map((e) => e.event)).toEqual(["connect", "Chat", "typing", "connect"]);
    await expect
      .poll(() =>
        b
          .events()
          .map((e) => e.event)
          .sort(),
      )
      .toEqual(["connected", "connected", "message", "other"]);
    expect(c.events().every((e) => e.event === "disconnected")).toBe(true);

    // {hub} and {event} are filled in per event; abuse protection asks each template with {event} = validate.
    expect(a.events()[0]).toMatchObject({ path: "/a/chat/connect", hub: "chat", connectionId: id });
    expect(b.events().find((e) => e.event === "other")?.path).toBe("/b/other");
    expect(c.events()[0]?.url).toBe("/c?e=disconnected");
    expect(a.validations()).toEqual(["/a/chat/validate"]);
    expect(b.validations()).toEqual(["/b/validate"]);
    expect(new Set(c.requests.filter((r) => r.method === "OPTIONS").map((r) => r.url))).toEqual(
      new Set(["/c?e=validate"]),
    );
  });

  it("sends nothing upstream for a hub without handlers, and keeps the one-handler hubs option working", async () => {
    const before = a.events().length + b.events().length + c.events().length;
    const other = new WebPubSubServiceClient(emulator.connectionString, "quiet");
    const socket = new TestSocket((await other.getClientAccessToken()).url, "json.webpubsub.azure.v1");
    await socket.nextJson();
    socket.send({ type: "event", event: "Chat", dataType: "text", data: "x", ackId: 9 });
    expect(await socket.nextJson()).toMatchObject({ type: "ack", ackId: 9, success: true });
    socket.close();
    await other.close();
    expect(a.events().length + b.events().length + c.events().length).toBe(before);
  });
});

describe("the hubs option and setHub next to a configuration", () => {
  it("replace the configured handlers of their hub only (as --upstream flags over a file)", async () => {
    for (const server of [a, b, c]) server.requests.length = 0;
    const emulator = await startEmulator({
      port: 0,
      config: { hubs: { chat: { eventHandlers: [{ urlTemplate: `${a.url}/{event}`, userEventPattern: "*" }] } } },
      hubs: { chat: { url: `${c.url}/{event}`, systemEvents: [] } },
    });
    const service = new WebPubSubServiceClient(emulator.connectionString, "chat");
    const socket = new TestSocket((await service.getClientAccessToken()).url, "json.webpubsub.azure.v1");
    await socket.nextJson();
    socket.send({ type: "event", event: "e", dataType: "text", data: "x", ackId: 1 });
    expect(await reply(socket)).toMatchObject({ data: "C took e" });
    emulator.setHub("chat", undefined);
    socket.send({ type: "event", event: "e", dataType: "text", data: "x", ackId: 2 });
    expect(await reply(socket)).toMatchObject({ data: "A took e" });
    expect(() => emulator.setHub("chat", { url: "ftp://x/" })).toThrow(/setHub: chat\.url: must be an http/);
    socket.close();
    await service.close();
    await emulator.close();
  });
});
