// The MQTT events on the wire, checked against reference-mqtt-cloud-events and the CloudEvents contract
// (protocols/server/cloud-events/main.tsp): attributes, bodies, and how the connect answer is applied.
import type { ServerResponse } from "node:http";
import { createHmac } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../../../src/emulator/index";
import { WebPubSubServiceClient } from "../../../../src/index";
import { closeAllMqtt, connectMqtt } from "../../../helpers/mqtt";
import { startRecordingServer, type RecordedRequest } from "../../../helpers/recordingServer";

/** The parts of the CloudEvents bodies these tests read (reference-mqtt-cloud-events). */
interface ConnectBody {
  mqtt: unknown;
  subprotocols: unknown;
  query: Record<string, unknown>;
  claims: Record<string, unknown>;
}
interface DisconnectedBody {
  mqtt: unknown;
  reason: unknown;
}

const HUB = "mqttevents";
const KEY = "mqtt-events-access-key-0123456789abcdef";
let emulator: Emulator;
let service: WebPubSubServiceClient;
let handler: Awaited<ReturnType<typeof startRecordingServer>>;

function reply(request: RecordedRequest, res: ServerResponse): void {
  if (request.method === "OPTIONS") {
    res.setHeader("WebHook-Allowed-Origin", "*");
    res.end();
    return;
  }
  const type = String(request.headers["ce-type"]);
  if (type === "azure.webpubsub.sys.connect") {
    const body = JSON.parse(request.body.toString()) as { mqtt: { username: string | null } };
    const user = body.mqtt.username;
    if (user === "banned") {
      res.statusCode = 403;
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          mqtt: { code: 0x8a, reason: "banned by server", userProperties: [{ name: "why", value: "tests" }] },
        }),
      );
      return;
    }
    if (user === "badcode") {
      res.statusCode = 401;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ mqtt: { code: 7 } }));
      return;
    }
    if (user === "plain401") {
      res.statusCode = 401;
      res.end("no");
      return;
    }
    res.statusCode = 200;
    res.setHeader("content-type", "application/json");
    res.setHeader("ce-connectionState", "c3RhdGU=");
    res.end(
      JSON.stringify({
        userId: `user-${user ?? "anon"}`,
        groups: ["fromhandler"],
        roles: ["webpubsub.sendToGroup"],
        mqtt: { userProperties: [{ name: "welcome", value: "yes" }] },
      }),
    );
    return;
  }
  if (type.startsWith("azure.webpubsub.user.")) {
    res.statusCode = request.headers["ce-eventname"] === "broken" ? 500 : 200;
    res.setHeader("content-type", "text/plain");
    res.setHeader("mqtt-answer", "42");
    res.end(`echo:${request.body.toString()}`);
    return;
  }
  res.end();
}

beforeAll(async () => {
  handler = await startRecordingServer(reply);
  emulator = await startEmulator({
    port: 0,
    accessKey: KEY,
    hubs: { [HUB]: { url: `${handler.url}/upstream/{event}` } },
  });
  service = new WebPubSubServiceClient(emulator.connectionString, HUB);
});
afterEach(() => closeAllMqtt());
afterAll(async () => {
  await emulator.close();
  await handler.close();
});

async function url(): Promise<string> {
  return (await service.getClientAccessToken({ clientProtocol: "mqtt", userId: "tokenuser" })).url;
}
const events = (id: string, type: string) =>
  handler.requests.filter(
    (r) => r.headers["ce-connectionid"] === id && r.headers["ce-type"] === `azure.webpubsub.sys.${type}`,
  );

describe("MQTT events upstream", () => {
  it("connect carries the MQTT attributes and body; connected has a session id; disconnected the DISCONNECT packet", async () => {
    const c = await connectMqtt(`${await url()}&extra=1`, {
      protocolVersion: 5,
      clientId: "ev1",
      username: "ann",
      password: Buffer.from("secret"),
      properties: { userProperties: { device: "d1" } },
    });
    const [connect] = events("ev1", "connect");
    expect(connect?.headers).toMatchObject({
      "ce-eventname": "connect",
      "ce-hub": HUB,
      "ce-subprotocol": "mqtt",
      "ce-userid": "tokenuser",
      "content-type": "application/json",
    });
    const physical = connect?.headers["ce-physicalconnectionid"] as string;
    expect(physical).toMatch(/.+/);
    expect(connect?.headers["ce-source"]).toBe(`/hubs/${HUB}/client/ev1/${physical}`);
    expect(connect?.headers["ce-sessionid"]).toBeUndefined();
    expect(connect?.headers["ce-signature"]).toBe(`sha256=${createHmac("sha256", KEY).update("ev1").digest("hex")}`);
    const body = JSON.parse(connect?.body.toString() ?? "") as ConnectBody;
    expect(body.mqtt).toEqual({
      protocolVersion: 5,
      cleanStart: true,
      username: "ann",
      password: Buffer.from("secret").toString("base64"),
      userProperties: [{ name: "device", value: "d1" }],
    });
    expect(body.subprotocols).toEqual(["mqtt"]);
    expect(body.query.extra).toEqual(["1"]);
    expect(body.query.access_token).toBeUndefined();
    expect(body.claims.sub).toEqual(["tokenuser"]);
    // The answer is applied: user id, groups, roles and user properties in CONNACK.
    expect(c.connack?.properties?.userProperties).toEqual({ welcome: "yes" });
    const info = emulator.connections(HUB).find((x) => x.connectionId === "ev1");
    expect(info).toMatchObject({ userId: "user-ann", groups: ["fromhandler"] });
    await expect.poll(() => events("ev1", "connected").length).toBe(1);
    const [connected] = events("ev1", "connected");
    expect(connected?.headers["ce-sessionid"]).toMatch(/.+/);
    expect(connected?.headers["ce-connectionstate"]).toBe("c3RhdGU=");
    expect(connected?.body.toString()).toBe("{}");
    await c.client.endAsync(false, { reasonCode: 0, properties: { reasonString: "bye", userProperties: { k: "v" } } });
    await expect.poll(() => events("ev1", "disconnected").length).toBe(1);
    const [disconnected] = events("ev1", "disconnected");
    expect(disconnected?.headers["ce-sessionid"]).toBe(connected?.headers["ce-sessionid"]);
    expect(JSON.parse(disconnected?.body.toString() ?? "")).toEqual({
      reason: "bye",
      mqtt: { initiatedByClient: true, disconnectPacket: { code: 0, userProperties: [{ name: "k", value: "v" }] } },
    });
  });

  it("a lost connection's disconnected event has no DISCONNECT packet; 3.1.1 DISCONNECT has code 0", async () => {
    await connectMqtt(await url(), { protocolVersion: 4, clientId: "ev2" });
    emulator.dropConnection("ev2");
    await expect.poll(() => events("ev2", "disconnected").length).toBe(1);
    const body = JSON.parse(events("ev2", "disconnected")[0]?.body.toString() ?? "") as DisconnectedBody;
    expect(body.mqtt).toEqual({ initiatedByClient: false, disconnectPacket: null });
    expect(typeof body.reason).toBe("string");
    const c = await connectMqtt(await url(), { protocolVersion: 4, clientId: "ev3", username: "x" });
    expect((JSON.parse(events("ev3", "connect")[0]?.body.toString() ?? "") as ConnectBody).mqtt).toMatchObject({
      protocolVersion: 4,
      userProperties: null,
    });
    await c.client.endAsync();
    await expect.poll(() => events("ev3", "disconnected").length).toBe(1);
    expect((JSON.parse(events("ev3", "disconnected")[0]?.body.toString() ?? "") as DisconnectedBody).mqtt).toEqual({
      initiatedByClient: true,
      disconnectPacket: { code: 0, userProperties: null },
    });
  });

  it("a failure answer becomes the CONNACK code, reason and user properties", async () => {
    await expect(
      connectMqtt(await url(), { protocolVersion: 5, clientId: "ev4", username: "banned" }),
    ).rejects.toMatchObject({ code: 0x8a });
    await expect(
      connectMqtt(await url(), { protocolVersion: 4, clientId: "ev5", username: "banned" }),
    ).rejects.toMatchObject({ code: 3 });
    // An invalid code becomes "unspecified error"; a plain 401 "not authorized".
    await expect(
      connectMqtt(await url(), { protocolVersion: 5, clientId: "ev6", username: "badcode" }),
    ).rejects.toMatchObject({ code: 0x80 });
    await expect(
      connectMqtt(await url(), { protocolVersion: 4, clientId: "ev7", username: "plain401" }),
    ).rejects.toMatchObject({ code: 5 });
    await expect(
      connectMqtt(await url(), { protocolVersion: 5, clientId: "ev8", username: "plain401" }),
    ).rejects.toMatchObject({ code: 0x87 });
    expect(emulator.connections(HUB).some((c) => ["ev4", "ev5", "ev6", "ev7", "ev8"].includes(c.connectionId))).toBe(
      false,
    );
    expect(events("ev4", "connected")).toEqual([]);
  });

  it("a resumed session sends connect again but no second connected", async () => {
    await connectMqtt(await url(), { protocolVersion: 4, clientId: "ev9", clean: false });
    emulator.dropConnection("ev9");
    const back = await connectMqtt(await url(), { protocolVersion: 4, clientId: "ev9", clean: false });
    expect(back.connack?.sessionPresent).toBe(true);
    expect(events("ev9", "connect").length).toBe(2);
    expect(events("ev9", "connected").length).toBe(1);
    expect(new Set(events("ev9", "connect").map((r) => r.headers["ce-physicalconnectionid"])).size).toBe(2);
  });

  it("$webpubsub/server/events/{event} is a user event; the answer comes back on .../succeeded or .../failed", async () => {
    const c = await connectMqtt(await url(), { protocolVersion: 5, clientId: "ev10" });
    await c.client.publishAsync("$webpubsub/server/events/ping", "hi", {
      qos: 1,
      properties: { contentType: "text/plain", correlationData: Buffer.from("r1"), userProperties: { trace: "t1" } },
    });
    const ok = await c.next();
    expect(ok.topic).toBe("$webpubsub/server/events/ping/succeeded");
    expect(ok.payload.toString()).toBe("echo:hi");
    expect(ok.packet.qos).toBe(1);
    expect(ok.packet.properties).toMatchObject({
      contentType: "text/plain",
      userProperties: { answer: "42", "azure-status-code": "200" },
    });
    expect(Buffer.from(ok.packet.properties?.correlationData as Buffer).toString()).toBe("r1");
    const request = handler.requests.find((r) => r.headers["ce-type"] === "azure.webpubsub.user.ping");
    expect(request?.headers).toMatchObject({
      "content-type": "text/plain",
      "mqtt-trace": "t1",
      "ce-subprotocol": "mqtt",
    });
    expect(request?.headers["ce-sessionid"]).toMatch(/.+/);
    await c.client.publishAsync("$webpubsub/server/events/broken", "x", { qos: 0 });
    const failed = await c.next();
    expect(failed.topic).toBe("$webpubsub/server/events/broken/failed");
    expect(failed.packet.properties?.userProperties).toMatchObject({ "azure-status-code": "500" });
  });
});
