// The whole MQTT loop on one machine: MQTT.js clients ↔ emulator ↔ an Express app with an event handler,
// once with ours (webpubsub/express) and once with Microsoft's @azure/web-pubsub-express: both must see
// MQTT clients as MQTT (clientProtocol, physical connection and session ids) and their answers must reach
// the client (user properties and MQTT codes in CONNACK, event replies on .../succeeded).
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as azureExpress from "@azure/web-pubsub-express";
import express from "express";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index";
import * as ourExpress from "../../src/express/index";
import { WebPubSubServiceClient } from "../../src/index";
import { closeAllMqtt, connectMqtt } from "../helpers/mqtt";

const key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
type Lib = typeof ourExpress | typeof azureExpress;

interface Running {
  emulator: Emulator;
  service: WebPubSubServiceClient;
  seen: string[];
  close(): Promise<void>;
}

async function start(lib: Lib, hub: string): Promise<Running> {
  const seen: string[] = [];
  // Ours verifies ce-signature and so needs the key (@azure/web-pubsub-express does not check signatures).
  const keys = (lib === ourExpress ? { accessKeys: [key] } : {}) as object;
  const handler = new lib.WebPubSubEventHandler(hub, {
    ...keys,
    handleConnect: (req, res) => {
      const mqtt = (req as { mqtt?: { username?: string; protocolVersion: number } }).mqtt;
      seen.push(`connect:${req.context.clientProtocol}:${mqtt?.protocolVersion}:${mqtt?.username}`);
      if (mqtt?.username === "intruder")
        return res.failWith({ mqtt: { code: lib.MqttV500ConnectReasonCode.Banned, reason: "go away" } });
      if (mqtt?.username === "nobody") return res.fail(401, "who are you");
      res.success({
        userId: mqtt?.username ?? "anon",
        groups: ["devices"],
        roles: ["webpubsub.sendToGroup.devices"],
        mqtt: { userProperties: [{ name: "hello", value: mqtt?.username ?? "" }] },
      });
    },
    handleUserEvent: (req, res) => {
      seen.push(`event:${req.context.eventName}:${req.context.clientProtocol}:${req.dataType}`);
      res.success(`got ${String(req.data)}`, "text");
    },
    onConnected: (req) => {
      const ctx = req.context as {
        clientProtocol: string;
        mqtt?: { physicalConnectionId: string; sessionId?: string };
      };
      seen.push(
        `connected:${ctx.clientProtocol}:${ctx.mqtt?.physicalConnectionId !== undefined}:${ctx.mqtt?.sessionId !== undefined}:${req.context.userId}`,
      );
    },
    onDisconnected: (req) => {
      const mqtt = (req as { mqtt?: { initiatedByClient: boolean; disconnectPacket?: { code: number } | null } }).mqtt;
      seen.push(
        `disconnected:${req.context.clientProtocol}:${mqtt?.initiatedByClient}:${mqtt?.disconnectPacket?.code}`,
      );
    },
  });
  const app = express();
  app.use(handler.getMiddleware());
  const server: Server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const port = (server.address() as AddressInfo).port;
  const emulator = await startEmulator({
    port: 0,
    accessKey: key,
    hubs: { [hub]: { url: `http://127.0.0.1:${port}/api/webpubsub/hubs/{hub}/` } },
  });
  return {
    emulator,
    service: new WebPubSubServiceClient(emulator.connectionString, hub),
    seen,
    close: async () => {
      await emulator.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const running: Running[] = [];
afterEach(() => closeAllMqtt());
afterAll(async () => {
  for (const r of running) await r.close();
});

describe.each([
  ["webpubsub/express", ourExpress],
  ["@azure/web-pubsub-express", azureExpress],
] as const)("MQTT.js → emulator → %s", (_name, lib) => {
  it("connect is answered by the handler: user, groups, roles, CONNACK user properties; events are MQTT events", async () => {
    const r = await start(lib, "devices");
    running.push(r);
    const url = (await r.service.getClientAccessToken({ clientProtocol: "mqtt" })).url;
    const c = await connectMqtt(url, { protocolVersion: 5, clientId: "thermo1", username: "thermo" });
    expect(c.connack?.properties?.userProperties).toEqual({ hello: "thermo" });
    expect(r.emulator.connections("devices")[0]).toMatchObject({
      connectionId: "thermo1",
      userId: "thermo",
      groups: ["devices"],
      subprotocol: "mqtt",
    });
    await expect.poll(() => r.seen).toContain("connected:mqtt:true:true:thermo");
    expect(r.seen).toContain("connect:mqtt:5:thermo");
    // The handler's role lets it publish to its group (received by itself: it is subscribed through the groups answer).
    await c.client.publishAsync("devices", "21.5", { qos: 1 });
    expect((await c.next()).payload.toString()).toBe("21.5");
    await c.client.publishAsync("$webpubsub/server/events/reading", "7", {
      qos: 1,
      properties: { contentType: "text/plain" },
    });
    const answer = await c.next();
    expect([answer.topic, answer.payload.toString()]).toEqual(["$webpubsub/server/events/reading/succeeded", "got 7"]);
    expect(r.seen).toContain("event:reading:mqtt:text");
    await c.client.endAsync();
    await expect.poll(() => r.seen).toContain("disconnected:mqtt:true:0");
  });

  it("the handler's failures reach the client as CONNACK codes", async () => {
    const r = await start(lib, "guarded");
    running.push(r);
    const url = (await r.service.getClientAccessToken({ clientProtocol: "mqtt" })).url;
    await expect(connectMqtt(url, { protocolVersion: 5, clientId: "x1", username: "intruder" })).rejects.toMatchObject({
      code: 0x8a,
    });
    await expect(connectMqtt(url, { protocolVersion: 5, clientId: "x2", username: "nobody" })).rejects.toMatchObject({
      code: 0x87,
    });
    await expect(connectMqtt(url, { protocolVersion: 4, clientId: "x3", username: "nobody" })).rejects.toMatchObject({
      code: 5,
    });
    expect(r.emulator.connections("guarded")).toEqual([]);
  });
});
