// The whole loop on one machine: WebSocket clients ↔ emulator ↔ our event handler in a real Express app.
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index";
import { WebPubSubEventHandler } from "../../src/express/index";
import { WebPubSubServiceClient } from "../../src/index";
import { TestSocket, refusedStatus } from "../helpers/ws";

const key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
let emulator: Emulator;
let server: Server;
let client: WebPubSubServiceClient;
const events: string[] = [];

beforeAll(async () => {
  const handler = new WebPubSubEventHandler("chat", {
    accessKeys: [key],
    handleConnect: (req, res) => {
      const name = req.query?.["name"]?.[0];
      if (name === "mallory") return res.fail(401, "mallory is not welcome");
      res.setState("joinedAs", name ?? "anonymous");
      res.success({
        ...(name === undefined ? {} : { userId: name }),
        groups: ["lobby"],
        roles: ["webpubsub.sendToGroup.lobby"],
      });
    },
    handleUserEvent: (req, res) => {
      events.push(`${req.context.eventName}:${req.context.userId ?? "-"}:${req.dataType}`);
      if (req.context.eventName === "echo")
        return res.success({ echoed: req.data, by: req.context.states["joinedAs"] as unknown }, "json");
      if (req.data === "fail") return res.fail(500, "cannot");
      res.success(`pong ${String(req.data)} from ${String(req.context.states["joinedAs"])}`, "text");
    },
    onConnected: (req) => void events.push(`connected:${req.context.userId ?? "-"}`),
    onDisconnected: (req) => void events.push(`disconnected:${req.context.userId ?? "-"}`),
  });
  const app = express();
  app.use(handler.getMiddleware());
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const port = (server.address() as AddressInfo).port;
  emulator = await startEmulator({
    port: 0,
    accessKey: key,
    hubs: { chat: { url: `http://127.0.0.1:${port}/api/webpubsub/hubs/{hub}/` } },
  });
  client = new WebPubSubServiceClient(emulator.connectionString, "chat");
});
afterAll(async () => {
  await client.close();
  await emulator.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("emulator → event handler", () => {
  it("connect is amended by the handler: user id, groups and roles come from its reply", async () => {
    const { url } = await client.getClientAccessToken();
    const socket = new TestSocket(`${url}&name=ann`, "json.webpubsub.azure.v1");
    const connected = await socket.nextJson();
    expect(connected).toMatchObject({ type: "system", event: "connected", userId: "ann" });
    const info = emulator.connections("chat").find((c) => c.connectionId === connected["connectionId"]);
    expect(info?.groups).toEqual(["lobby"]);
    await expect.poll(() => events).toContain("connected:ann");
    // The role granted by the handler works: sending to the lobby is allowed, to another group not.
    socket.send({ type: "sendToGroup", group: "lobby", data: "hi", dataType: "text", ackId: 1, noEcho: true });
    expect(await socket.nextJson()).toMatchObject({ type: "ack", ackId: 1, success: true });
    socket.send({ type: "sendToGroup", group: "vip", data: "hi", dataType: "text", ackId: 2 });
    expect(await socket.nextJson()).toMatchObject({
      type: "ack",
      ackId: 2,
      success: false,
      error: { name: "Forbidden" },
    });
    socket.close();
    await expect.poll(() => events).toContain("disconnected:ann");
  });

  it("connect is rejected by the handler with its status", async () => {
    const { url } = await client.getClientAccessToken();
    expect(await refusedStatus(`${url}&name=mallory`)).toBe(401);
  });

  it("a simple client's message goes up and the handler's reply comes back, with connection state", async () => {
    const { url } = await client.getClientAccessToken();
    const socket = new TestSocket(`${url}&name=bo`);
    await socket.opened;
    socket.send("ping");
    expect(await socket.next()).toEqual({ data: "pong ping from bo", binary: false });
    expect(events).toContain("message:bo:text");
    socket.close();
  });

  it("a PubSub client's custom event goes up as JSON; the JSON reply and the ack come back", async () => {
    const { url } = await client.getClientAccessToken({ userId: "cy" });
    const socket = new TestSocket(url, "json.webpubsub.azure.v1");
    await socket.nextJson();
    socket.send({ type: "event", event: "echo", dataType: "json", data: { n: 42 }, ackId: 7 });
    const frames = [await socket.nextJson(), await socket.nextJson()];
    expect(frames).toContainEqual({ type: "ack", ackId: 7, success: true });
    expect(frames).toContainEqual({
      type: "message",
      from: "server",
      dataType: "json",
      data: { echoed: { n: 42 }, by: "anonymous" },
    });
    expect(events).toContain("echo:cy:json");
    socket.close();
  });

  it("a handler failure is reported to a PubSub client as a failed ack, then the connection is dropped", async () => {
    const { url } = await client.getClientAccessToken({ userId: "dee" });
    const socket = new TestSocket(url, "json.webpubsub.azure.v1");
    await socket.nextJson();
    socket.send({ type: "event", event: "say", dataType: "text", data: "fail", ackId: 9 });
    expect(await socket.nextJson()).toMatchObject({
      type: "ack",
      ackId: 9,
      success: false,
      error: { name: "InternalServerError" },
    });
    expect(await socket.nextJson()).toMatchObject({ type: "system", event: "disconnected" });
    await socket.closed;
    await expect.poll(() => events).toContain("disconnected:dee");
  });

  it("an emulator signing with another key is refused by the handler: the connection never opens", async () => {
    const port = (server.address() as AddressInfo).port;
    const other = await startEmulator({
      port: 0,
      accessKey: "Z".repeat(44),
      hubs: { chat: { url: `http://127.0.0.1:${port}/api/webpubsub/hubs/{hub}/` } },
    });
    const otherClient = new WebPubSubServiceClient(other.connectionString, "chat");
    const { url } = await otherClient.getClientAccessToken();
    const before = events.length;
    const status = await refusedStatus(url);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(events.slice(before).filter((e) => e.startsWith("connected"))).toEqual([]);
    await otherClient.close();
    await other.close();
  });

  it("forged requests straight to the handler are refused before any handler runs", async () => {
    const port = (server.address() as AddressInfo).port;
    const before = events.length;
    const response = await fetch(`http://127.0.0.1:${port}/api/webpubsub/hubs/chat/`, {
      method: "POST",
      headers: {
        "content-type": "text/plain",
        "ce-specversion": "1.0",
        "ce-type": "azure.webpubsub.user.message",
        "ce-source": "/hubs/chat/client/x",
        "ce-id": "1",
        "ce-hub": "chat",
        "ce-connectionId": "x",
        "ce-eventName": "message",
        "ce-signature": "sha256=00",
        "webhook-request-origin": "127.0.0.1",
      },
      body: "forged",
    });
    expect(response.status).toBe(401);
    expect(events.length).toBe(before);
  });
});
