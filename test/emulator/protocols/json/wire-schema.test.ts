// The json.webpubsub.azure.v1 / json.reliable.webpubsub.azure.v1 wire protocol as Microsoft publishes it:
// every frame the emulator sends is checked against the published response schema, every request shape of
// the published request schema is accepted, and Microsoft's @azure/web-pubsub-client sees what it would see
// against Azure (group-message vs server-message).
import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:http";
import { WebPubSubServiceClient as AzureServiceClient } from "@azure/web-pubsub";
import { WebPubSubClient } from "@azure/web-pubsub-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../../../src/emulator/index";
import { TestSocket } from "../../../helpers/ws";
import { assertResponseFrame, isRequestFrame } from "../../schema/validate";

let emulator: Emulator;
let azure: AzureServiceClient;
let handler: Server;
const sockets: TestSocket[] = [];
const clients: WebPubSubClient[] = [];
const allRoles = ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"];

beforeAll(async () => {
  // An event handler that answers `echo` with JSON, `text` with text and `bytes` with octet-stream.
  handler = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "OPTIONS") {
        res.setHeader("webhook-allowed-origin", "*");
        return void res.end();
      }
      const event = String(req.headers["ce-eventname"]);
      if (event === "echo") {
        res.setHeader("content-type", "application/json");
        return void res.end(
          JSON.stringify({ echoed: JSON.parse(Buffer.concat(chunks).toString() || "null") as unknown }),
        );
      }
      if (event === "text") {
        res.setHeader("content-type", "text/plain");
        return void res.end("a text reply");
      }
      if (event === "bytes") {
        res.setHeader("content-type", "application/octet-stream");
        return void res.end(Buffer.from([1, 2, 3]));
      }
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => handler.listen(0, "127.0.0.1", resolve));
  const port = (handler.address() as AddressInfo).port;
  emulator = await startEmulator({
    port: 0,
    hubs: { proto: { url: `http://127.0.0.1:${port}/{event}`, systemEvents: [] } },
  });
  azure = new AzureServiceClient(emulator.connectionString, "proto", {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
});
afterAll(async () => {
  for (const c of clients) c.stop();
  for (const s of sockets) s.socket.terminate();
  await emulator.close();
  handler.closeAllConnections();
  await new Promise((resolve) => handler.close(resolve));
});

/** A raw PubSub client; every frame it receives is checked against the response schema. */
async function pubsub(
  protocol: "json.webpubsub.azure.v1" | "json.reliable.webpubsub.azure.v1",
  options: { userId?: string; groups?: string[] } = {},
) {
  const { url } = await azure.getClientAccessToken({ ...options, roles: allRoles });
  const socket = new TestSocket(url, protocol);
  sockets.push(socket);
  const next = async (): Promise<Record<string, unknown>> => {
    const frame = await socket.nextJson();
    assertResponseFrame(frame);
    return frame;
  };
  const connected = await next();
  return { socket, next, connected, id: String(connected["connectionId"]) };
}

function microsoftClient(url: string): WebPubSubClient {
  const client = new WebPubSubClient(url, { messageRetryOptions: { maxRetries: 0 } });
  clients.push(client);
  return client;
}

describe("who a message is from", () => {
  it("REST group sends arrive as from: group with the group and no fromUserId; the other REST sends as from: server", async () => {
    for (const protocol of ["json.webpubsub.azure.v1", "json.reliable.webpubsub.azure.v1"] as const) {
      const c = await pubsub(protocol, { userId: `u-${protocol}`, groups: ["news"] });
      await azure.group("news").sendToAll({ headline: 1 });
      const group = await c.next();
      expect(group).toMatchObject({
        type: "message",
        from: "group",
        group: "news",
        dataType: "json",
        data: { headline: 1 },
      });
      expect(group).not.toHaveProperty("fromUserId");
      await azure.group("news").sendToAll("plain", { contentType: "text/plain" });
      expect(await c.next()).toMatchObject({ from: "group", group: "news", dataType: "text", data: "plain" });
      await azure.sendToAll({ all: true });
      await azure.sendToUser(`u-${protocol}`, "to user", { contentType: "text/plain" });
      await azure.sendToConnection(c.id, new Uint8Array([7]).buffer);
      for (const expected of [
        { dataType: "json", data: { all: true } },
        { dataType: "text", data: "to user" },
        { dataType: "binary", data: "Bw==" },
      ]) {
        const frame = await c.next();
        expect(frame).toMatchObject({ type: "message", from: "server", ...expected });
        expect(frame).not.toHaveProperty("group");
      }
      c.socket.close();
    }
  });

  it("Microsoft's client raises group-message for a REST group send and server-message for the rest", async () => {
    const { url } = await azure.getClientAccessToken({ userId: "ms-user", groups: ["room"] });
    const client = microsoftClient(url);
    const groupMessages: unknown[] = [];
    const serverMessages: unknown[] = [];
    client.on("group-message", (e) =>
      groupMessages.push({ group: e.message.group, data: e.message.data, fromUserId: e.message.fromUserId }),
    );
    client.on("server-message", (e) => serverMessages.push(e.message.data));
    await client.start();
    await azure.group("room").sendToAll({ to: "room" });
    await azure.sendToAll({ to: "all" });
    await azure.sendToUser("ms-user", { to: "user" });
    await expect.poll(() => groupMessages.length + serverMessages.length).toBe(3);
    expect(groupMessages).toEqual([{ group: "room", data: { to: "room" }, fromUserId: undefined }]);
    expect(serverMessages).toEqual([{ to: "all" }, { to: "user" }]);
    client.stop();
  });

  it("event-handler replies arrive as from: server; reliable clients get a sequenceId on every message", async () => {
    const c = await pubsub("json.reliable.webpubsub.azure.v1", { groups: ["seq"] });
    c.socket.send({ type: "event", event: "echo", dataType: "json", data: { n: 1 }, ackId: 1 });
    const frames = [await c.next(), await c.next()];
    expect(frames).toContainEqual({ type: "ack", ackId: 1, success: true });
    const reply = frames.find((f) => f["type"] === "message") as Record<string, unknown>;
    expect(reply).toMatchObject({ from: "server", dataType: "json", data: { echoed: { n: 1 } } });
    expect(reply).not.toHaveProperty("group");
    c.socket.send({ type: "event", event: "text", dataType: "text", data: "x" });
    c.socket.send({ type: "event", event: "bytes", dataType: "text", data: "x" });
    await azure.group("seq").sendToAll("g", { contentType: "text/plain" });
    const more = [await c.next(), await c.next(), await c.next()];
    expect(more.map((f) => f["dataType"]).sort()).toEqual(["binary", "text", "text"]);
    const ids = [reply, ...more].map((f) => f["sequenceId"]);
    for (const id of ids) expect(Number.isInteger(id) && (id as number) > 0).toBe(true);
    expect(new Set(ids).size).toBe(4);
    c.socket.close();
  });
});

describe("the connected message", () => {
  it("has userId only when the connection has one (never null), and reconnectionToken only for reliable clients", async () => {
    const anonymous = await pubsub("json.webpubsub.azure.v1");
    expect(anonymous.connected).not.toHaveProperty("userId");
    expect(anonymous.connected).not.toHaveProperty("reconnectionToken");
    const named = await pubsub("json.reliable.webpubsub.azure.v1", { userId: "zoe" });
    expect(named.connected).toMatchObject({ type: "system", event: "connected", userId: "zoe" });
    expect(typeof named.connected["reconnectionToken"]).toBe("string");
    anonymous.socket.close();
    named.socket.close();
  });
});

describe("acks", () => {
  const refusals: [string, Record<string, unknown>, string][] = [
    ["unknown type", { type: "explode" }, "Forbidden"],
    ["joinGroup without group", { type: "joinGroup" }, "Forbidden"],
    ["a 1025-character group", { type: "joinGroup", group: "g".repeat(1025) }, "Forbidden"],
    ["an unknown dataType", { type: "sendToGroup", group: "g", dataType: "xml", data: "<a/>" }, "Forbidden"],
    ["text data that is not a string", { type: "sendToGroup", group: "g", dataType: "text", data: 1 }, "Forbidden"],
    ["an event without a name", { type: "event", data: 1 }, "Forbidden"],
  ];
  it.each(refusals)(
    "%s is refused with a documented error name (%s), never BadRequest",
    async (_name, frame, errorName) => {
      const c = await pubsub("json.webpubsub.azure.v1");
      c.socket.send({ ...frame, ackId: 5 });
      expect(await c.next()).toMatchObject({ type: "ack", ackId: 5, success: false, error: { name: errorName } });
      c.socket.send({ ...frame, ackId: 5 });
      expect(await c.next()).toMatchObject({ type: "ack", ackId: 5, success: false, error: { name: "Duplicate" } });
      c.socket.close();
    },
  );

  it("no permission is Forbidden, as in the schema's example", async () => {
    const { url } = await azure.getClientAccessToken();
    const socket = new TestSocket(url, "json.webpubsub.azure.v1");
    sockets.push(socket);
    assertResponseFrame(await socket.nextJson());
    socket.send({ type: "sendToGroup", group: "group1", ackId: 1, noEcho: true, dataType: "text", data: "Hello" });
    const ack = await socket.nextJson();
    assertResponseFrame(ack);
    expect(ack).toMatchObject({ type: "ack", ackId: 1, success: false, error: { name: "Forbidden" } });
    socket.close();
  });
});

describe("every request shape of the published schema is accepted", () => {
  // The published examples plus the shapes the schema allows (dataType is optional: json by default).
  const shapes: Record<string, unknown>[] = [
    { type: "joinGroup", group: "group1", ackId: 1 },
    { type: "joinGroup", group: "group2" },
    { type: "sendToGroup", group: "group1", ackId: 2, noEcho: true, dataType: "text", data: "Hello" },
    { type: "sendToGroup", group: "group1", ackId: 3, data: { Hello: "world" } },
    { type: "sendToGroup", group: "group1", ackId: 4, dataType: "json", data: { n: 1 } },
    { type: "sendToGroup", group: "group1", ackId: 5, dataType: "binary", data: "AQID" },
    { type: "sendToGroup", group: "group1", ackId: 6, noEcho: false, data: { x: [1, 2] } },
    { type: "event", event: "message", data: { Hello: "world" } },
    { type: "event", event: "message", ackId: 7, data: { Hello: "world" } },
    { type: "event", event: "message", ackId: 8, dataType: "text", data: "hi" },
    { type: "event", event: "message", ackId: 9, dataType: "binary", data: "AQID" },
    { type: "leaveGroup", group: "group2", ackId: 10 },
    { type: "leaveGroup", group: "group1" },
  ];

  it("each is valid per the request schema, and the emulator carries it out (success ack where asked)", async () => {
    const c = await pubsub("json.webpubsub.azure.v1", { userId: "shaper" });
    const watcher = await pubsub("json.webpubsub.azure.v1", { groups: ["group1"] });
    for (const shape of shapes) {
      expect(isRequestFrame(shape), JSON.stringify(shape)).toBe(true);
      c.socket.send(shape);
      if (typeof shape["ackId"] !== "number") continue;
      // The sender is in group1 itself, so its own group messages come back too (no noEcho): skip to the ack.
      let frame = await c.next();
      while (frame["type"] === "message") frame = await c.next();
      expect(frame).toEqual({ type: "ack", ackId: shape["ackId"], success: true });
    }
    // What the group sends delivered, in order, to a member that was there all along.
    const got = [];
    for (let i = 0; i < 5; i++) got.push(await watcher.next());
    expect(got.map((f) => [f["from"], f["group"], f["fromUserId"], f["dataType"], f["data"]])).toEqual([
      ["group", "group1", "shaper", "text", "Hello"],
      ["group", "group1", "shaper", "json", { Hello: "world" }],
      ["group", "group1", "shaper", "json", { n: 1 }],
      ["group", "group1", "shaper", "binary", "AQID"],
      ["group", "group1", "shaper", "json", { x: [1, 2] }],
    ]);
    c.socket.close();
    watcher.socket.close();
  });

  it("an event without dataType reaches the event handler as JSON (Microsoft's chat sample sends it so)", async () => {
    const c = await pubsub("json.webpubsub.azure.v1");
    c.socket.send({ type: "event", event: "echo", data: { said: "hi" }, ackId: 1 });
    const frames = [await c.next(), await c.next()];
    expect(frames).toContainEqual({ type: "ack", ackId: 1, success: true });
    expect(frames).toContainEqual({
      type: "message",
      from: "server",
      dataType: "json",
      data: { echoed: { said: "hi" } },
    });
    c.socket.close();
  });

  it("JSON data nested 10,000 deep gets an ack with an error (not silence) and the connection stays usable", async () => {
    const c = await pubsub("json.webpubsub.azure.v1", { groups: ["deep"] });
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    c.socket.send(`{"type":"sendToGroup","group":"deep","ackId":1,"dataType":"json","data":${deep}}`);
    expect(await c.next()).toMatchObject({ type: "ack", ackId: 1, success: false, error: { name: "Forbidden" } });
    c.socket.send(`{"type":"event","event":"echo","ackId":2,"data":${deep}}`);
    expect(await c.next()).toMatchObject({ type: "ack", ackId: 2, success: false, error: { name: "Forbidden" } });
    c.socket.send({ type: "ping" });
    expect(await c.next()).toEqual({ type: "pong" });
    c.socket.close();
  });
});
