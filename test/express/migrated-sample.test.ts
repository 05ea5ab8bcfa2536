// Microsoft's whiteboard sample (Azure/azure-webpubsub samples/javascript/whiteboard/server.js) after the
// one-import swap to webpubsub/express: `path: "/eventhandler"` in the handler, and the URL template
// `/eventhandler/{event}` on the service side (here the emulator). Clients must connect, join "draw", and
// their events must reach the handler.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index";
import { WebPubSubEventHandler } from "../../src/express/index";
import { WebPubSubServiceClient } from "../../src/index";
import { TestSocket } from "../helpers/ws";
import { KEY } from "../helpers/cloudEvents";

const hubName = "sample_draw";
let emulator: Emulator;
let server: Server;
let serviceClient: WebPubSubServiceClient;
const diagram = { shapes: {} as Record<string, unknown>, users: 0 };

beforeAll(async () => {
  // The sample's app, in the sample's order: the handler is created before the service is known.
  const app = express();
  // Assigned once the service is known, after the handler that uses it exists (the sample's order).
  // eslint-disable-next-line prefer-const
  let handlerClient: WebPubSubServiceClient | undefined;
  const handler = new WebPubSubEventHandler(hubName, {
    path: "/eventhandler",
    accessKeys: [KEY],
    // Async on purpose: the code under test awaits what it returns.
    // eslint-disable-next-line @typescript-eslint/require-await
    handleConnect: async (_req, res) => {
      res.success({ groups: ["draw"] });
    },
    onConnected: async () => {
      await handlerClient!.group("draw").sendToAll({ name: "updateUser", data: ++diagram.users });
    },
    onDisconnected: async () => {
      if (--diagram.users < 0) diagram.users = 0;
      await handlerClient!.group("draw").sendToAll({ name: "updateUser", data: diagram.users });
    },
    // Async on purpose: the code under test awaits what it returns.
    // eslint-disable-next-line @typescript-eslint/require-await
    handleUserEvent: async (req, res) => {
      const message = req.data as { name: string; data: unknown };
      if (message.name === "addShape") {
        const [id, shape] = message.data as [string, unknown];
        diagram.shapes[id] = shape;
      }
      res.success();
    },
  });
  app.use(handler.getMiddleware());
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const port = (server.address() as AddressInfo).port;
  emulator = await startEmulator({
    port: 0,
    accessKey: KEY,
    hubs: { [hubName]: { url: `http://127.0.0.1:${port}/eventhandler/{event}`, userEvents: ["message"] } },
  });
  serviceClient = new WebPubSubServiceClient(emulator.connectionString, hubName);
  handlerClient = serviceClient;
});
afterAll(async () => {
  await serviceClient?.close();
  await emulator?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

it("the whiteboard sample's configuration connects clients, joins them to draw and receives their events", async () => {
  const { url } = await serviceClient.getClientAccessToken({ roles: ["webpubsub.sendToGroup.draw"] });
  const alice = new TestSocket(url, "json.webpubsub.azure.v1");
  expect(await alice.nextJson()).toMatchObject({ type: "system", event: "connected" });
  // onConnected broadcast the user count to the group the connect handler put the client in.
  expect(await alice.nextJson()).toMatchObject({ type: "message", data: { name: "updateUser", data: 1 } });

  const bob = new TestSocket(url, "json.webpubsub.azure.v1");
  expect(await bob.nextJson()).toMatchObject({ type: "system", event: "connected" });
  expect(await alice.nextJson()).toMatchObject({ data: { name: "updateUser", data: 2 } });

  alice.send({
    type: "event",
    event: "message",
    dataType: "json",
    data: { name: "addShape", data: ["s1", { kind: "line" }] },
    ackId: 1,
  });
  expect(await alice.nextJson()).toMatchObject({ type: "ack", ackId: 1, success: true });
  expect(diagram.shapes).toEqual({ s1: { kind: "line" } });

  bob.close();
  expect(await alice.nextJson()).toMatchObject({ data: { name: "updateUser", data: 1 } });
  alice.close();
});
