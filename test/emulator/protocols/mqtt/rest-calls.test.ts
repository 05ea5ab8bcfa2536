// The REST API on MQTT connections (reference-rest-api-mqtt): sends reach the group topic or
// `$webpubsub/server/messages` at QoS 1 (downgraded by the subscription), membership calls add and remove
// subscriptions, existence means "a session exists", close ends the session (5.0: DISCONNECT first),
// and permissions govern SUBSCRIBE / PUBLISH like joinGroup / sendToGroup.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../../../src/emulator/index";
import { WebPubSubServiceClient } from "../../../../src/index";
import { closeAllMqtt, connectMqtt } from "../../../helpers/mqtt";

const HUB = "iotrest";
let emulator: Emulator;
let service: WebPubSubServiceClient;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  service = new WebPubSubServiceClient(emulator.connectionString, HUB);
});
afterEach(() => closeAllMqtt());
afterAll(() => emulator.close());

async function url(roles: string[] = [], userId?: string): Promise<string> {
  return (
    await service.getClientAccessToken({ clientProtocol: "mqtt", roles, ...(userId === undefined ? {} : { userId }) })
  ).url;
}

describe("REST calls on MQTT connections", () => {
  it("sendToGroup reaches subscribers on the group's topic at min(1, granted QoS)", async () => {
    const q2 = await connectMqtt(await url(["webpubsub.joinLeaveGroup"]), { protocolVersion: 5, clientId: "restq2" });
    await q2.client.subscribeAsync("g", { qos: 2 });
    const q0 = await connectMqtt(await url(["webpubsub.joinLeaveGroup"]), { protocolVersion: 4, clientId: "restq0" });
    await q0.client.subscribeAsync("g", { qos: 0 });
    await service.group("g").sendToAll("hi", { contentType: "text/plain" });
    const a = await q2.next();
    expect([a.topic, a.payload.toString(), a.packet.qos, a.packet.properties?.contentType]).toEqual([
      "g",
      "hi",
      1,
      "text/plain",
    ]);
    const b = await q0.next();
    expect([b.topic, b.payload.toString(), b.packet.qos]).toEqual(["g", "hi", 0]);
  });

  it("binary sends arrive byte for byte", async () => {
    const c = await connectMqtt(await url(), { protocolVersion: 5, clientId: "restbin" });
    const bytes = Buffer.from([0, 1, 2, 255, 254]);
    await service.sendToConnection("restbin", bytes);
    const got = await c.next();
    expect(got.topic).toBe("$webpubsub/server/messages");
    expect(Buffer.compare(got.payload, bytes)).toBe(0);
    expect(got.packet.properties?.contentType).toBe("application/octet-stream");
  });

  it("add/remove connection and user to group add and remove subscriptions", async () => {
    const c = await connectMqtt(await url([], "member"), { protocolVersion: 5, clientId: "restmember" });
    await service.group("joined").addConnection("restmember");
    expect(await service.groupExists("joined")).toBe(true);
    await service.group("joined").sendToAll({ n: 1 });
    expect((await c.next()).topic).toBe("joined");
    await service.group("joined").removeConnection("restmember");
    await service.group("joined").sendToAll({ n: 2 });
    expect(await c.quiet()).toBe(true);
    await service.group("joined2").addUser("member");
    await service.group("joined2").sendToAll({ n: 3 });
    expect((await c.next()).topic).toBe("joined2");
    await service.removeUserFromAllGroups("member");
    expect(emulator.connections(HUB).find((x) => x.connectionId === "restmember")?.groups).toEqual([]);
  });

  it("grant, check and revoke permissions govern SUBSCRIBE and PUBLISH", async () => {
    const c = await connectMqtt(await url(), { protocolVersion: 5, clientId: "restperm" });
    const subscribe = (topic: string) =>
      c.client.subscribeAsync(topic, { qos: 1 }).then(
        (g) => g[0]?.qos as number,
        (e: { packet?: { granted: number[] } }) => e.packet?.granted[0],
      );
    expect(await subscribe("p")).toBe(0x87);
    await service.grantPermission("restperm", "joinLeaveGroup", { targetName: "p" });
    expect(await service.hasPermission("restperm", "joinLeaveGroup", { targetName: "p" })).toBe(true);
    expect(await subscribe("p")).toBe(1);
    await expect(c.client.publishAsync("p", "x", { qos: 1 })).rejects.toMatchObject({ code: 0x87 });
    await service.grantPermission("restperm", "sendToGroup");
    await c.client.publishAsync("p", "x", { qos: 1 });
    expect((await c.next()).payload.toString()).toBe("x");
    await service.revokePermission("restperm", "sendToGroup");
    expect(await service.hasPermission("restperm", "sendToGroup")).toBe(false);
    await expect(c.client.publishAsync("p", "y", { qos: 1 })).rejects.toMatchObject({ code: 0x87 });
  });

  it("closeConnection sends a 5.0 client DISCONNECT (Administrative action) and ends the session", async () => {
    const c = await connectMqtt(await url(), {
      protocolVersion: 5,
      clientId: "restclose",
      clean: false,
      properties: { sessionExpiryInterval: 30 },
    });
    const disconnect = new Promise<{ reasonCode?: number; properties?: { reasonString?: string } }>((resolve) =>
      c.client.once("disconnect", resolve),
    );
    await service.closeConnection("restclose", { reason: "maintenance" });
    const packet = await disconnect;
    expect(packet.reasonCode).toBe(0x98);
    expect(packet.properties?.reasonString).toBe("maintenance");
    // "Ends the specified sessions": a persistent session is gone too.
    expect(await service.connectionExists("restclose")).toBe(false);
  });

  it("closeAllConnections and user closes reach 3.1.1 clients (the socket closes)", async () => {
    const c = await connectMqtt(await url([], "closer"), { protocolVersion: 4, clientId: "restclose4" });
    const closed = new Promise<void>((resolve) => c.client.once("close", () => resolve()));
    await service.closeUserConnections("closer");
    await closed;
    expect(await service.userExists("closer")).toBe(false);
  });
});
