// MQTT clients (MQTT.js, 3.1.1 and 5.0, over WebSocket) on the emulator, beside Microsoft's
// @azure/web-pubsub-client and our SDK in the same hub: topic = group in both directions, REST sends,
// permissions and the unsupported features refused as reference-mqtt-support-status lists them.
import { WebPubSubServiceClient as AzureServiceClient } from "@azure/web-pubsub";
import { WebPubSubClient } from "@azure/web-pubsub-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../../../src/emulator/index";
import { WebPubSubServiceClient } from "../../../../src/index";
import { closeAllMqtt, connectMqtt, refusedMqtt } from "../../../helpers/mqtt";
import { refusedStatus } from "../../../helpers/ws";

const HUB = "iot";
let emulator: Emulator;
let service: WebPubSubServiceClient;
const pubsub: WebPubSubClient[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  service = new WebPubSubServiceClient(emulator.connectionString, HUB);
});
afterEach(async () => {
  await closeAllMqtt();
  for (const c of pubsub.splice(0)) c.stop();
});
afterAll(async () => {
  await emulator.close();
});

const allRoles = ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"];

async function mqttUrl(options: { roles?: string[]; userId?: string; groups?: string[] } = {}): Promise<string> {
  return (
    await service.getClientAccessToken({
      clientProtocol: "mqtt",
      roles: options.roles ?? allRoles,
      ...(options.userId === undefined ? {} : { userId: options.userId }),
      ...(options.groups === undefined ? {} : { groups: options.groups }),
    })
  ).url;
}

async function microsoftClient(
  groups: string[],
): Promise<{ client: WebPubSubClient; messages: { group?: string; data: unknown; dataType: string }[] }> {
  const { url } = await service.getClientAccessToken({ roles: allRoles });
  const client = new WebPubSubClient(url, {
    reconnectRetryOptions: { maxRetries: 0 },
    messageRetryOptions: { maxRetries: 0 },
  });
  pubsub.push(client);
  const messages: { group?: string; data: unknown; dataType: string }[] = [];
  client.on("group-message", (e) =>
    messages.push({ group: e.message.group, data: e.message.data, dataType: e.message.dataType }),
  );
  client.on("server-message", (e) => messages.push({ data: e.message.data, dataType: e.message.dataType }));
  await client.start();
  for (const g of groups) await client.joinGroup(g);
  return { client, messages };
}

async function until<T>(read: () => T | undefined, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = read();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each([
  [4, "3.1.1"],
  [5, "5.0"],
] as const)("MQTT %s (%s)", (protocolVersion, _name) => {
  it("connects with a token our SDK mints; the client ID is the connection id and the subprotocol is mqtt", async () => {
    const id = `dev${protocolVersion}a`;
    await connectMqtt(await mqttUrl({ userId: "sensor" }), { protocolVersion, clientId: id });
    const info = (await emulator.waitForConnections(HUB, (l) => l.some((c) => c.connectionId === id))).find(
      (c) => c.connectionId === id,
    );
    expect(info).toMatchObject({ userId: "sensor", subprotocol: "mqtt", online: true });
    expect(await service.connectionExists(id)).toBe(true);
  });

  it("publish to topic a reaches MQTT subscribers and Microsoft's client in group a, at the right QoS", async () => {
    const sub = await connectMqtt(await mqttUrl(), { protocolVersion, clientId: `sub${protocolVersion}` });
    await sub.client.subscribeAsync("a", { qos: 1 });
    const ms = await microsoftClient(["a"]);
    const pub = await connectMqtt(await mqttUrl({ userId: "pub" }), {
      protocolVersion,
      clientId: `pub${protocolVersion}`,
    });
    await pub.client.publishAsync("a", "hello", { qos: 2 });
    const got = await sub.next();
    expect(got.topic).toBe("a");
    expect(got.payload.toString()).toBe("hello");
    expect(got.packet.qos).toBe(1); // min(publish QoS 2, granted 1)
    const m = await until(() => ms.messages[0]);
    // 3.1.1 has no content type, so Web PubSub clients get binary (reference-mqtt-cross-protocol-communication).
    expect(m.group).toBe("a");
    expect(m.dataType).toBe("binary");
    expect(Buffer.from(m.data as ArrayBuffer).toString()).toBe("hello");
  });

  it("a Web PubSub client's sendToGroup and REST sends reach MQTT subscribers", async () => {
    const sub = await connectMqtt(await mqttUrl({ userId: "u1" }), {
      protocolVersion,
      clientId: `rx${protocolVersion}`,
    });
    await sub.client.subscribeAsync("room", { qos: 2 });
    const ms = await microsoftClient([]);
    await ms.client.sendToGroup("room", { t: 1 }, "json");
    let got = await sub.next();
    expect(got.topic).toBe("room");
    expect(JSON.parse(got.payload.toString())).toEqual({ t: 1 });
    expect(got.packet.qos).toBe(1); // Web PubSub senders: min(1, granted)
    if (protocolVersion === 5) expect(got.packet.properties?.contentType).toBe("application/json");
    await service.sendToAll("to all", { contentType: "text/plain" });
    got = await sub.next();
    expect(got.topic).toBe("$webpubsub/server/messages");
    expect(got.payload.toString()).toBe("to all");
    if (protocolVersion === 5) expect(got.packet.properties?.contentType).toBe("text/plain");
    await service.sendToUser("u1", { x: 2 });
    expect((await sub.next()).topic).toBe("$webpubsub/server/messages");
    await service.sendToConnection(`rx${protocolVersion}`, { x: 3 });
    expect(JSON.parse((await sub.next()).payload.toString())).toEqual({ x: 3 });
  });

  it("wildcard and shared subscriptions are refused in SUBACK; unauthorized topics too", async () => {
    const c = await connectMqtt(await mqttUrl({ roles: ["webpubsub.joinLeaveGroup.allowed"] }), {
      protocolVersion,
      clientId: `wild${protocolVersion}`,
    });
    // MQTT.js rejects a SUBACK with failures; the packet is on the error.
    const codes = await c.client
      .subscribeAsync({
        "a/+": { qos: 1 },
        "a/#": { qos: 1 },
        "$share/g/a": { qos: 1 },
        denied: { qos: 1 },
        allowed: { qos: 1 },
      })
      .then(
        (granted) => granted.map((g) => g.qos as number),
        (error: { packet?: { granted: number[] } }) => error.packet?.granted,
      );
    if (protocolVersion === 5) expect(codes).toEqual([0xa2, 0xa2, 0x9e, 0x87, 1]);
    else expect(codes).toEqual([0x80, 0x80, 0x80, 0x80, 1]);
    expect(emulator.connections(HUB).find((x) => x.connectionId === `wild${protocolVersion}`)?.groups).toEqual([
      "allowed",
    ]);
  });
});

describe("MQTT connection rules", () => {
  it("refuses a missing or bad token at the WebSocket handshake (401), and other paths (404)", async () => {
    const url = new URL(await mqttUrl());
    url.searchParams.set("access_token", "not.a.jwt");
    await expect(connectMqtt(url.toString(), { protocolVersion: 5, clientId: "badtoken" })).rejects.toThrow();
    expect(await refusedStatus(url.toString(), "mqtt")).toBe(401);
    url.searchParams.delete("access_token");
    expect(await refusedStatus(url.toString(), "mqtt")).toBe(401);
    // A token for another hub is not one for this hub.
    const other = new URL(
      (await service.getClientAccessToken({ clientProtocol: "mqtt" })).url.replace(`/hubs/${HUB}`, "/hubs/other"),
    );
    expect(await refusedStatus(other.toString(), "mqtt")).toBe(401);
    expect(await refusedStatus(url.toString().replace("/clients/mqtt/hubs/", "/clients/mqtt/nothubs/"), "mqtt")).toBe(
      404,
    );
  });

  it("accepts URLs minted by @azure/web-pubsub with clientProtocol mqtt", async () => {
    const azure = new AzureServiceClient(emulator.connectionString, HUB, { allowInsecureConnection: true });
    const { url } = await azure.getClientAccessToken({ clientProtocol: "mqtt", roles: allRoles, userId: "azureuser" });
    expect(new URL(url).pathname).toBe(`/clients/mqtt/hubs/${HUB}`);
    await connectMqtt(url, { protocolVersion: 4, clientId: "azurelocal" });
    expect(emulator.connections(HUB).find((c) => c.connectionId === "azurelocal")?.userId).toBe("azureuser");
  });

  it("accepts the token in an Authorization: Bearer header", async () => {
    const url = new URL(await mqttUrl());
    const token = url.searchParams.get("access_token") as string;
    url.searchParams.delete("access_token");
    const c = await connectMqtt(url.toString(), {
      protocolVersion: 5,
      clientId: "bearer1",
      wsOptions: { headers: { Authorization: `Bearer ${token}` } },
    });
    expect(c.client.connected).toBe(true);
  });

  it("accepts any UTF-8 client ID up to 1024 characters (MQTT.js's default too) as the connection id", async () => {
    const url = await mqttUrl();
    // MQTT.js's default client ID: "mqttjs_" and hex.
    const byDefault = await connectMqtt(url, { protocolVersion: 4 });
    expect(byDefault.client.options.clientId).toMatch(/^mqttjs_/);
    for (const clientId of ["dev-1", "sensor.kitchen", "küche/ofen 1", "x".repeat(1024)]) {
      for (const protocolVersion of [4, 5] as const) {
        const c = await connectMqtt(url, { protocolVersion, clientId });
        expect(await service.connectionExists(clientId)).toBe(true);
        await c.end();
      }
    }
    expect(await service.connectionExists(byDefault.client.options.clientId!)).toBe(true);
  });

  it("refuses a client ID with U+0000 or over 1024 characters with the version's code", async () => {
    const url = await mqttUrl();
    expect((await refusedMqtt(url, { protocolVersion: 4, clientId: "bad\u0000id" })).code).toBe(2);
    expect((await refusedMqtt(url, { protocolVersion: 5, clientId: "bad\u0000id" })).code).toBe(0x85);
    expect((await refusedMqtt(url, { protocolVersion: 4, clientId: "x".repeat(1025) })).code).toBe(2);
    expect((await refusedMqtt(url, { protocolVersion: 5, clientId: "x".repeat(1025) })).code).toBe(0x85);
  });

  it("keeps sessions for the documented 30 seconds at most (reference-mqtt-support-status), said in CONNACK", async () => {
    const c = await connectMqtt(await mqttUrl(), {
      protocolVersion: 5,
      clientId: "thirty",
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
    });
    expect(c.connack?.properties?.sessionExpiryInterval).toBe(30);
    const shorter = await connectMqtt(await mqttUrl(), {
      protocolVersion: 5,
      clientId: "ten",
      clean: false,
      properties: { sessionExpiryInterval: 10 },
    });
    // A request within the cap is granted as asked, so CONNACK does not repeat it.
    expect(shorter.connack?.properties?.sessionExpiryInterval).toBeUndefined();
  });

  it("assigns a client ID to a 5.0 client that sent none", async () => {
    const c = await connectMqtt(await mqttUrl(), { protocolVersion: 5, clientId: "" });
    const assigned = c.connack?.properties?.assignedClientIdentifier as string;
    expect(assigned).toMatch(/^[0-9a-f]{32}$/);
    await emulator.waitForConnections(HUB, (l) => l.some((x) => x.connectionId === assigned));
  });

  it("publishing without sendToGroup is refused with Not authorized (5.0) and reaches nobody", async () => {
    const sub = await connectMqtt(await mqttUrl(), { protocolVersion: 5, clientId: "nosendrx" });
    await sub.client.subscribeAsync("locked", { qos: 1 });
    const c = await connectMqtt(await mqttUrl({ roles: [] }), { protocolVersion: 5, clientId: "nosend" });
    await expect(c.client.publishAsync("locked", "x", { qos: 1 })).rejects.toMatchObject({ code: 0x87 });
    expect(await sub.quiet()).toBe(true);
  });

  it("wildcard roles in the token govern SUBSCRIBE and PUBLISH (concept-wildcard-group-roles)", async () => {
    const c = await connectMqtt(
      await mqttUrl({ roles: ["webpubsub.joinLeaveGroups.chat-*", "webpubsub.sendToGroups.clientA.**"] }),
      { protocolVersion: 5, clientId: "wildroles" },
    );
    const codes = await c.client
      .subscribeAsync({ "chat-1": { qos: 1 }, "xchat-1": { qos: 1 }, "clientA.alpha.room1": { qos: 1 } })
      .then(
        (granted) => granted.map((g) => g.qos as number),
        (error: { packet?: { granted: number[] } }) => error.packet?.granted,
      );
    expect(codes).toEqual([1, 0x87, 0x87]);
    await c.client.publishAsync("clientA.alpha.room1", "ok", { qos: 1 });
    await expect(c.client.publishAsync("chat-1", "no", { qos: 1 })).rejects.toMatchObject({ code: 0x87 });
  });

  it("a 5.0 JSON publish that is not JSON is refused (0x99); $webpubsub/ topics are not groups (0x90)", async () => {
    const rx = await connectMqtt(await mqttUrl(), { protocolVersion: 5, clientId: "jsonrx" });
    await rx.client.subscribeAsync("j", { qos: 1 });
    const c = await connectMqtt(await mqttUrl(), { protocolVersion: 5, clientId: "jsontx" });
    await expect(
      c.client.publishAsync("j", "{not json", { qos: 1, properties: { contentType: "application/json" } }),
    ).rejects.toMatchObject({ code: 0x99 });
    await expect(c.client.publishAsync("$webpubsub/server/messages", "x", { qos: 1 })).rejects.toMatchObject({
      code: 0x90,
    });
    expect(await rx.quiet()).toBe(true);
  });

  it("retained publishes and topic aliases end a 5.0 connection with the documented reason codes", async () => {
    const c = await connectMqtt(await mqttUrl(), { protocolVersion: 5, clientId: "retainer" });
    const disconnect = new Promise<number | undefined>((resolve) =>
      c.client.once("disconnect", (p) => resolve(p.reasonCode)),
    );
    c.client.publish("a", "x", { qos: 1, retain: true });
    expect(await disconnect).toBe(0x9a);
  });
});
