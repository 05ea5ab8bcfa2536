// MQTT clients through the handler core, in every entry: Node (`handleNodeRequest`), web `Request`/`Response`
// (`handleRequest`) and the Fastify plugin. Shapes from the CloudEvents contract (Azure/azure-webpubsub
// protocols/server/cloud-events/main.tsp: MqttConnectEventRequest, …SuccessResponse, …FailureResponse).
import { createServer } from "node:http";
import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { WebPubSubEventHandler as FastifyHandler } from "../../src/fastify";
import {
  MqttV311ConnectReturnCode,
  MqttV500ConnectReasonCode,
  WebPubSubEventHandler,
  type MqttConnectRequest,
  type MqttDisconnectedRequest,
  type WebPubSubEventHandlerOptions,
} from "../../src/handler";
import { eventRequest, KEY, listen, webServer, type EventInit, type Listening } from "../helpers/cloudEvents";

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

type Mode = "node" | "web" | "fastify";

async function start(
  mode: Mode,
  options: WebPubSubEventHandlerOptions,
): Promise<(init: EventInit) => Promise<Response>> {
  const full = { accessKeys: [KEY], path: "/eventhandler", ...options };
  if (mode === "fastify") {
    const app = Fastify();
    await app.register(new FastifyHandler("chat", full).getPlugin());
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    closers.push(() => app.close());
    return (init) => fetch(`${url}/eventhandler/${init.eventName ?? "connect"}`, eventRequest(init));
  }
  const handler = new WebPubSubEventHandler("chat", full);
  const server =
    mode === "node"
      ? createServer((req, res) => void handler.handleNodeRequest(req, res))
      : webServer((request) => handler.handleRequest(request));
  const listening: Listening = await listen(server);
  closers.push(() => listening.close());
  return (init) => fetch(`${listening.url}/eventhandler/${init.eventName ?? "connect"}`, eventRequest(init));
}

const mqttHeaders = { "ce-physicalConnectionId": "phys-9", "ce-sessionId": "sess-9" };

function mqttConnect(protocolVersion: number, extra: Record<string, unknown> = {}): EventInit {
  return {
    type: "azure.webpubsub.sys.connect",
    eventName: "connect",
    connectionId: "mqtt-client-id",
    subprotocol: "mqtt",
    extraHeaders: mqttHeaders,
    body: JSON.stringify({
      claims: {},
      query: {},
      headers: {},
      subprotocols: ["mqtt"],
      clientCertificates: [],
      mqtt: {
        protocolVersion,
        username: "device-1",
        password: "c2VjcmV0",
        userProperties: [{ name: "model", value: "x1" }],
        ...extra,
      },
    }),
  };
}

describe.each(["node", "web", "fastify"] as const)("MQTT clients (%s)", (mode) => {
  it("connect: the handler sees the packet and the MQTT context; success passes mqtt.userProperties", async () => {
    let seen: MqttConnectRequest | undefined;
    const send = await start(mode, {
      handleConnect: (req, res) => {
        seen = req as MqttConnectRequest;
        res.success({
          userId: "device-1",
          roles: ["webpubsub.joinLeaveGroup"],
          mqtt: { userProperties: [{ name: "welcome", value: "yes" }] },
        });
      },
    });
    const response = await send(mqttConnect(5));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await response.json()).toEqual({
      userId: "device-1",
      roles: ["webpubsub.joinLeaveGroup"],
      mqtt: { userProperties: [{ name: "welcome", value: "yes" }] },
    });
    expect(seen?.context).toMatchObject({
      connectionId: "mqtt-client-id",
      clientProtocol: "mqtt",
      subprotocol: "mqtt",
      mqtt: { physicalConnectionId: "phys-9", sessionId: "sess-9" },
    });
    expect(seen?.mqtt).toEqual({
      protocolVersion: 5,
      username: "device-1",
      password: "c2VjcmV0",
      userProperties: [{ name: "model", value: "x1" }],
    });
  });

  it.each([
    [4, 401, MqttV311ConnectReturnCode.NotAuthorized],
    [4, 400, MqttV311ConnectReturnCode.BadUsernameOrPassword],
    [4, 500, MqttV311ConnectReturnCode.ServerUnavailable],
    [5, 401, MqttV500ConnectReasonCode.NotAuthorized],
    [5, 400, MqttV500ConnectReasonCode.BadUserNameOrPassword],
    [5, 500, MqttV500ConnectReasonCode.UnspecifiedError],
  ] as const)(
    "connect v%s: fail(%s) answers that status with the MQTT code %s in JSON",
    async (version, status, code) => {
      const send = await start(mode, { handleConnect: (_req, res) => res.fail(status, "go away") });
      const response = await send(mqttConnect(version));
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(await response.json()).toEqual({ mqtt: { code, reason: "go away" } });
    },
  );

  it("connect: failWith an MQTT code picks the status from the code and keeps reason and user properties", async () => {
    const send = await start(mode, {
      handleConnect: (req, res) => {
        const version = (req as MqttConnectRequest).mqtt.protocolVersion;
        if (version === 5)
          res.failWith({
            mqtt: {
              code: MqttV500ConnectReasonCode.Banned,
              reason: "banned",
              userProperties: [{ name: "until", value: "never" }],
            },
          });
        else res.failWith({ mqtt: { code: MqttV311ConnectReturnCode.IdentifierRejected } });
      },
    });
    const banned = await send(mqttConnect(5));
    expect(banned.status).toBe(403);
    expect(await banned.json()).toEqual({
      mqtt: { code: 138, reason: "banned", userProperties: [{ name: "until", value: "never" }] },
    });
    const rejected = await send(mqttConnect(4));
    expect(rejected.status).toBe(400);
    expect(await rejected.json()).toEqual({ mqtt: { code: 2 } });
  });

  it("connect with no handler: 204 for an MQTT client, an empty 200 for others", async () => {
    const send = await start(mode, {});
    const mqtt = await send(mqttConnect(5));
    expect(mqtt.status).toBe(204);
    expect(await mqtt.text()).toBe("");
    const plain = await send({ type: "azure.webpubsub.sys.connect", eventName: "connect" });
    expect(plain.status).toBe(200);
    expect(await plain.text()).toBe("");
  });

  it("a subprotocol naming mqtt without ce-physicalConnectionId is not an MQTT client (@azure/web-pubsub-express's rule)", async () => {
    const send = await start(mode, { handleConnect: (_req, res) => res.fail(401, "no") });
    const response = await send({ ...mqttConnect(5), extraHeaders: {} });
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type") ?? "").not.toMatch(/json/);
    expect(await response.text()).toBe("no");
  });

  it("disconnected: the handler gets the reason and the DISCONNECT packet", async () => {
    let seen: MqttDisconnectedRequest | undefined;
    const send = await start(mode, { onDisconnected: (req) => void (seen = req as MqttDisconnectedRequest) });
    const body = {
      reason: "client closed",
      mqtt: { initiatedByClient: true, disconnectPacket: { code: 0, userProperties: [{ name: "k", value: "v" }] } },
    };
    const response = await send({
      type: "azure.webpubsub.sys.disconnected",
      eventName: "disconnected",
      subprotocol: "mqtt",
      extraHeaders: mqttHeaders,
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    expect(seen).toMatchObject({
      ...body,
      context: { clientProtocol: "mqtt", mqtt: { physicalConnectionId: "phys-9" } },
    });
  });
});
