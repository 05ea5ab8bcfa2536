// Our SDK against the emulator, end to end, for every REST call, with real WebSocket clients.
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestError, WebPubSubServiceClient, odata } from "../../../src/index";
import { startEmulator, type Emulator } from "../../../src/emulator/index";
import { TestSocket, refusedStatus } from "../../helpers/ws";

let emulator: Emulator;
let client: WebPubSubServiceClient;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  client = new WebPubSubServiceClient(emulator.connectionString, "e2e", { retryOptions: { maxRetries: 0 } });
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await client.close();
  await emulator.close();
});

async function simple(userId?: string, groups?: string[]): Promise<{ socket: TestSocket; id: string }> {
  const before = new Set(emulator.connections("e2e").map((c) => c.connectionId));
  const { url } = await client.getClientAccessToken({
    ...(userId === undefined ? {} : { userId }),
    ...(groups === undefined ? {} : { groups }),
  });
  const socket = new TestSocket(url);
  sockets.push(socket);
  await socket.opened;
  const list = await emulator.waitForConnections("e2e", (l) => l.some((c) => !before.has(c.connectionId)));
  return { socket, id: (list.find((c) => !before.has(c.connectionId)) as { connectionId: string }).connectionId };
}

async function pubsub(userId: string, roles: string[] = []): Promise<{ socket: TestSocket; id: string }> {
  const { url } = await client.getClientAccessToken({ userId, roles });
  const socket = new TestSocket(url, "json.webpubsub.azure.v1");
  sockets.push(socket);
  const connected = await socket.nextJson();
  expect(connected).toMatchObject({ type: "system", event: "connected", userId });
  return { socket, id: String(connected["connectionId"]) };
}

describe("seed flows", () => {
  it("a simple client receives the text Hello World", async () => {
    const { socket } = await simple("seed");
    await client.sendToAll("Hello World", { contentType: "text/plain" });
    expect(await socket.next()).toEqual({ data: "Hello World", binary: false });
    socket.close();
  });

  it("a PubSub client joins a group and gets its ack", async () => {
    const { socket } = await pubsub("joiner", ["webpubsub.joinLeaveGroup"]);
    socket.send({ type: "joinGroup", ackId: 1, group: "group1" });
    expect(await socket.nextJson()).toEqual({ type: "ack", ackId: 1, success: true });
    socket.send({ type: "joinGroup", ackId: 1, group: "group1" });
    expect(await socket.nextJson()).toMatchObject({
      type: "ack",
      ackId: 1,
      success: false,
      error: { name: "Duplicate" },
    });
    socket.close();
  });
});

describe("sends", () => {
  it("delivers json, text and binary to simple and PubSub clients", async () => {
    const a = await simple("s1");
    const b = await pubsub("p1");
    await client.sendToAll({ n: 1 });
    await client.sendToAll("quoted");
    await client.sendToAll(new Uint8Array([1, 2, 3]));
    expect(await a.socket.next()).toEqual({ data: '{"n":1}', binary: false });
    expect(await a.socket.next()).toEqual({ data: '"quoted"', binary: false });
    const bin = await a.socket.next();
    expect(bin.binary).toBe(true);
    expect([...(bin.data as Buffer)]).toEqual([1, 2, 3]);
    expect(await b.socket.nextJson()).toEqual({ type: "message", from: "server", dataType: "json", data: { n: 1 } });
    expect(await b.socket.nextJson()).toEqual({ type: "message", from: "server", dataType: "json", data: "quoted" });
    expect(await b.socket.nextJson()).toEqual({ type: "message", from: "server", dataType: "binary", data: "AQID" });
    a.socket.close();
    b.socket.close();
  });

  it("honours excluded, filter, user and connection targets", async () => {
    const a = await simple("alice", ["vip"]);
    const b = await simple("bob");
    await client.sendToAll("not to a", { contentType: "text/plain", excludedConnections: [a.id] });
    expect((await b.socket.next()).data).toBe("not to a");
    await client.sendToAll("vip only", { contentType: "text/plain", filter: odata`${"vip"} in groups` });
    expect((await a.socket.next()).data).toBe("vip only");
    await client.sendToUser("bob", "to bob", { contentType: "text/plain" });
    expect((await b.socket.next()).data).toBe("to bob");
    await client.sendToConnection(a.id, "to a", { contentType: "text/plain", messageTtlSeconds: 10 });
    expect((await a.socket.next()).data).toBe("to a");
    expect(a.socket.frames.length + b.socket.frames.length).toBe(0);
    expect(await emulator.nextMessage(a.id)).toMatchObject({ from: "server", dataType: "text", data: "vip only" });
    a.socket.close();
    b.socket.close();
  });

  it("rejects a bad filter with the service's 400", async () => {
    const error = (await client.sendToAll("x", { filter: "invalid filter" }).catch((e: unknown) => e)) as RestError;
    expect(error).toBeInstanceOf(RestError);
    expect(error.statusCode).toBe(400);
    expect(error.message).toContain("Invalid syntax for 'invalid filter'");
  });
});

describe("membership, existence, permissions, close", () => {
  it("groups and users", async () => {
    const a = await simple("carol");
    const group = client.group("room");
    expect(await client.groupExists("room")).toBe(false);
    await group.addConnection(a.id);
    expect(await client.groupExists("room")).toBe(true);
    await group.sendToAll("room msg", { contentType: "text/plain" });
    expect((await a.socket.next()).data).toBe("room msg");
    const members = [];
    for await (const m of group.listConnections()) members.push(m);
    expect(members).toEqual([{ connectionId: a.id, userId: "carol" }]);
    await group.removeConnection(a.id);
    expect(await client.groupExists("room")).toBe(false);
    await group.addUser("carol");
    expect(emulator.connections("e2e").find((c) => c.connectionId === a.id)?.groups).toEqual(["room"]);
    await group.removeUser("carol");
    await client.addConnectionsToGroups(["x", "y"], odata`userId eq ${"carol"}`);
    expect(
      emulator
        .connections("e2e")
        .find((c) => c.connectionId === a.id)
        ?.groups.sort(),
    ).toEqual(["x", "y"]);
    await client.removeConnectionsFromGroups(["x"], "userId eq 'carol'");
    await client.removeUserFromAllGroups("carol");
    expect(emulator.connections("e2e").find((c) => c.connectionId === a.id)?.groups).toEqual([]);
    await group.addConnection(a.id);
    await client.removeConnectionFromAllGroups(a.id);
    expect(await client.userExists("carol")).toBe(true);
    expect(await client.userExists("nobody")).toBe(false);
    expect(await client.connectionExists(a.id)).toBe(true);
    await expect(group.addConnection("missing")).rejects.toMatchObject({
      statusCode: 404,
      code: "Error.Connection.NotExisted",
    });
    await expect(group.addUser("ghost")).rejects.toMatchObject({ statusCode: 404, code: "Warning.User.NotExisted" });
    a.socket.close();
  });

  it("paging with maxPageSize and top", async () => {
    const conns = [];
    for (const i of [1, 2, 3, 4, 5]) conns.push(await simple(`pager${i}`));
    for (const c of conns) await client.group("paged").addConnection(c.id);
    const pages = [];
    for await (const page of client.group("paged").listConnections({ maxPageSize: 2 }).byPage())
      pages.push(page.length);
    expect(pages).toEqual([2, 2, 1]);
    const top = [];
    for await (const m of client.group("paged").listConnections({ maxPageSize: 2, top: 3 })) top.push(m);
    expect(top.length).toBe(3);
    for (const c of conns) c.socket.close();
  });

  it("permissions", async () => {
    const p = await pubsub("dave");
    p.socket.send({ type: "sendToGroup", group: "g1", ackId: 5, dataType: "text", data: "x" });
    expect(await p.socket.nextJson()).toMatchObject({ ackId: 5, success: false, error: { name: "Forbidden" } });
    expect(await client.hasPermission(p.id, "sendToGroup", { targetName: "g1" })).toBe(false);
    await client.grantPermission(p.id, "sendToGroup", { targetName: "g1" });
    expect(await client.hasPermission(p.id, "sendToGroup", { targetName: "g1" })).toBe(true);
    p.socket.send({ type: "sendToGroup", group: "g1", ackId: 6, dataType: "text", data: "x" });
    expect(await p.socket.nextJson()).toEqual({ type: "ack", ackId: 6, success: true });
    await client.revokePermission(p.id, "sendToGroup", { targetName: "g1" });
    expect(await client.hasPermission(p.id, "sendToGroup", { targetName: "g1" })).toBe(false);
    await expect(client.grantPermission("missing", "joinLeaveGroup")).rejects.toMatchObject({
      statusCode: 404,
      code: "Info.Connection.NotExisted",
    });
    p.socket.close();
  });

  it("close with a reason: PubSub clients get `disconnected`, then a close frame", async () => {
    const p = await pubsub("erin");
    const s = await simple("erin");
    const keep = await simple("frank");
    await client.closeUserConnections("erin", { reason: "maintenance" });
    expect(await p.socket.nextJson()).toEqual({ type: "system", event: "disconnected", message: "maintenance" });
    expect((await p.socket.closed).code).toBe(1000);
    await s.socket.closed;
    expect(await client.connectionExists(keep.id)).toBe(true);
    await client.closeAllConnections({ excluded: [keep.id] });
    expect(await client.connectionExists(keep.id)).toBe(true);
    await client.closeConnection(keep.id, { reason: "bye" });
    await keep.socket.closed;
    expect(await client.connectionExists(keep.id)).toBe(false);
    await client.group("any").closeAllConnections();
  });

  it("health, and :generateToken for Azure AD style credentials", async () => {
    expect(await client.checkHealth()).toBe(true);
    const aad = new WebPubSubServiceClient(
      emulator.endpoint,
      {
        getToken: async () => ({
          token: await new SignJWT({})
            .setProtectedHeader({ alg: "HS256" })
            .setAudience(`${emulator.endpoint}/api/hubs/e2e/:generateToken`)
            .setExpirationTime("5m")
            .sign(new TextEncoder().encode("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH")),
          expiresOnTimestamp: Date.now() + 300_000,
        }),
      },
      "e2e",
    );
    const { url } = await aad.getClientAccessToken({ userId: "aad-user" });
    await aad.close();
    const socket = new TestSocket(url, "json.webpubsub.azure.v1");
    expect(await socket.nextJson()).toMatchObject({ event: "connected", userId: "aad-user" });
    socket.close();
  });
});

describe("tokens the emulator refuses", () => {
  const key = new TextEncoder().encode("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH");
  const sign = (aud: string, exp: string | number, k = key) =>
    new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setAudience(aud).setExpirationTime(exp).sign(k);
  const ws = (token: string, hub = "e2e") =>
    `${emulator.endpoint.replace("http", "ws")}/client/hubs/${hub}?access_token=${token}`;

  it("accepts a good token in the query or in an Authorization header", async () => {
    const token = await sign(`${emulator.endpoint}/client/hubs/e2e`, "5m");
    // PubSub clients, so that acceptance is a `connected` frame (nextJson gives up after 3 s, naming it).
    const a = new TestSocket(ws(token), "json.webpubsub.azure.v1");
    const b = new TestSocket(`${emulator.endpoint.replace("http", "ws")}/client/hubs/e2e`, "json.webpubsub.azure.v1", {
      authorization: `Bearer ${token}`,
    });
    const connected = [await a.nextJson(), await b.nextJson()];
    expect(connected).toEqual([
      expect.objectContaining({ type: "system", event: "connected" }),
      expect.objectContaining({ type: "system", event: "connected" }),
    ]);
    const ids = connected.map((frame) => frame["connectionId"]);
    expect(emulator.connections("e2e").map((c) => c.connectionId)).toEqual(expect.arrayContaining(ids));
    a.close();
    b.close();
  });

  it.each([
    ["expired", async () => ws(await sign(`${emulator.endpoint}/client/hubs/e2e`, Math.floor(Date.now() / 1000) - 60))],
    [
      "wrong key",
      async () => ws(await sign(`${emulator.endpoint}/client/hubs/e2e`, "5m", new TextEncoder().encode("wrong"))),
    ],
    ["wrong hub", async () => ws(await sign(`${emulator.endpoint}/client/hubs/e2e`, "5m"), "other")],
    ["wrong audience", async () => ws(await sign("http://elsewhere/client/hubs/e2e", "5m"))],
    ["missing token", () => Promise.resolve(`${emulator.endpoint.replace("http", "ws")}/client/hubs/e2e`)],
    ["garbage token", () => Promise.resolve(ws("not.a.jwt"))],
  ])("refuses a WebSocket with a %s token (401)", async (_name, url) => {
    expect(await refusedStatus(await url())).toBe(401);
  });

  it("refuses REST calls signed with the wrong key", async () => {
    const bad = new WebPubSubServiceClient(
      emulator.connectionString.replace(/AccessKey=[^;]+/, "AccessKey=wrong"),
      "e2e",
      { retryOptions: { maxRetries: 0 } },
    );
    await expect(bad.sendToAll("x")).rejects.toMatchObject({ statusCode: 401 });
    await bad.close();
  });
});
