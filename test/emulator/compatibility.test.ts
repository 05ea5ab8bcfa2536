// Microsoft's own SDKs against our emulator: @azure/web-pubsub for every REST call, and
// @azure/web-pubsub-client (reliable JSON protocol) for the client side, including recovery.
import { AzureKeyCredential } from "@azure/core-auth";
import { WebPubSubServiceClient as AzureServiceClient, odata as azureOdata } from "@azure/web-pubsub";
import { WebPubSubClient } from "@azure/web-pubsub-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index";
import { WebPubSubServiceClient } from "../../src/index";
import { TestSocket } from "../helpers/ws";

let emulator: Emulator;
let azure: AzureServiceClient;
const clients: WebPubSubClient[] = [];
const sockets: TestSocket[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  azure = new AzureServiceClient(emulator.connectionString, "ms", {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
});
afterAll(async () => {
  for (const c of clients) c.stop();
  for (const s of sockets) s.close();
  await emulator.close();
});

/** A simple WebSocket client connected with a token minted by Microsoft's SDK. */
async function simpleClient(
  options: { userId?: string; groups?: string[] } = {},
): Promise<{ socket: TestSocket; id: string }> {
  const before = new Set(emulator.connections("ms").map((c) => c.connectionId));
  const { url } = await azure.getClientAccessToken(options);
  const socket = new TestSocket(url);
  sockets.push(socket);
  await socket.opened;
  const list = await emulator.waitForConnections("ms", (l) => l.some((c) => !before.has(c.connectionId)));
  return { socket, id: (list.find((c) => !before.has(c.connectionId)) as { connectionId: string }).connectionId };
}

function microsoftClient(url: string | (() => Promise<string>)): WebPubSubClient {
  const client =
    typeof url === "string"
      ? new WebPubSubClient(url, {
          reconnectRetryOptions: { maxRetries: 5, retryDelayInMs: 50, mode: "Fixed" },
          messageRetryOptions: { maxRetries: 0 },
        })
      : new WebPubSubClient(
          { getClientAccessUrl: url },
          {
            reconnectRetryOptions: { maxRetries: 5, retryDelayInMs: 50, mode: "Fixed" },
            messageRetryOptions: { maxRetries: 0 },
          },
        );
  clients.push(client);
  return client;
}

function nextEvent<T>(
  client: WebPubSubClient,
  event: "connected" | "server-message" | "group-message" | "disconnected" | "stopped",
): Promise<T> {
  return new Promise((resolve) => {
    const listener = (e: T) => {
      (client.off as (e: string, l: (x: T) => void) => void)(event, listener);
      resolve(e);
    };
    (client.on as (e: string, l: (x: T) => void) => void)(event, listener);
  });
}

describe("@azure/web-pubsub against the emulator", () => {
  it("sends to all, a group, a user and a connection (JSON, text, binary) and they arrive", async () => {
    const a = await simpleClient({ userId: "alice", groups: ["g1"] });
    await azure.sendToAll({ hello: "all" });
    expect(JSON.parse(String((await a.socket.next()).data))).toEqual({ hello: "all" });
    await azure.sendToAll("plain", { contentType: "text/plain" });
    expect(await a.socket.next()).toEqual({ data: "plain", binary: false });
    await azure.sendToAll(new Uint8Array([1, 2, 3]).buffer);
    const bin = await a.socket.next();
    expect(bin.binary).toBe(true);
    expect([...(bin.data as Buffer)]).toEqual([1, 2, 3]);
    await azure.group("g1").sendToAll("to group", { contentType: "text/plain" });
    expect((await a.socket.next()).data).toBe("to group");
    await azure.sendToUser("alice", { to: "alice" });
    expect(JSON.parse(String((await a.socket.next()).data))).toEqual({ to: "alice" });
    await azure.sendToConnection(a.id, "direct", { contentType: "text/plain" });
    expect((await a.socket.next()).data).toBe("direct");
    a.socket.close();
  });

  it("filters, excludes and TTL options are understood", async () => {
    const a = await simpleClient({ userId: "fa", groups: ["fg"] });
    const b = await simpleClient({ userId: "fb" });
    await azure.sendToAll("only fa", {
      contentType: "text/plain",
      filter: azureOdata`userId eq ${"fa"}`,
      messageTtlSeconds: 60,
    });
    await azure.sendToAll("not b", { contentType: "text/plain", excludedConnections: [b.id] });
    await azure.sendToAll("everyone", { contentType: "text/plain" });
    expect((await a.socket.next()).data).toBe("only fa");
    expect((await a.socket.next()).data).toBe("not b");
    expect((await a.socket.next()).data).toBe("everyone");
    expect((await b.socket.next()).data).toBe("everyone");
    a.socket.close();
    b.socket.close();
  });

  it("membership, existence, permissions and closing behave as the service's", async () => {
    const a = await simpleClient({ userId: "member" });
    expect(await azure.connectionExists(a.id)).toBe(true);
    expect(await azure.userExists("member")).toBe(true);
    expect(await azure.userExists("nobody")).toBe(false);
    expect(await azure.groupExists("club")).toBe(false);
    await azure.group("club").addConnection(a.id);
    expect(await azure.groupExists("club")).toBe(true);
    await azure.group("club").addUser("member");
    const members = [];
    for await (const m of await azure.group("club").listConnections()) members.push(m);
    expect(members).toEqual([{ connectionId: a.id, userId: "member" }]);
    await azure.group("club").removeUser("member");
    expect(await azure.groupExists("club")).toBe(false);
    await azure.addConnectionsToGroups(["x1", "x2"], azureOdata`userId eq ${"member"}`);
    expect(
      emulator
        .connections("ms")
        .find((c) => c.connectionId === a.id)
        ?.groups.sort(),
    ).toEqual(["x1", "x2"]);
    await azure.removeConnectionsFromGroups(["x1"], azureOdata`userId eq ${"member"}`);
    await azure.removeConnectionFromAllGroups(a.id);
    await azure.removeUserFromAllGroups("member");
    expect(emulator.connections("ms").find((c) => c.connectionId === a.id)?.groups).toEqual([]);

    await azure.grantPermission(a.id, "sendToGroup", { targetName: "club" });
    expect(await azure.hasPermission(a.id, "sendToGroup", { targetName: "club" })).toBe(true);
    expect(await azure.hasPermission(a.id, "joinLeaveGroup")).toBe(false);
    await azure.revokePermission(a.id, "sendToGroup", { targetName: "club" });
    expect(await azure.hasPermission(a.id, "sendToGroup", { targetName: "club" })).toBe(false);

    await azure.closeConnection(a.id, { reason: "bye" });
    expect(await a.socket.closed).toMatchObject({ code: 1000 });
    expect(await azure.connectionExists(a.id)).toBe(false);

    const u = await simpleClient({ userId: "closer" });
    await azure.closeUserConnections("closer");
    await u.socket.closed;
    const g = await simpleClient({ groups: ["cg"] });
    await azure.group("cg").closeAllConnections();
    await g.socket.closed;
    const all = await simpleClient();
    await azure.closeAllConnections();
    await all.socket.closed;
  });

  it("service errors come back as Azure RestErrors with the status", async () => {
    await expect(azure.group("g").addConnection("no-such-connection")).rejects.toMatchObject({
      name: "RestError",
      statusCode: 404,
    });
    await expect(azure.grantPermission("no-such-connection", "joinLeaveGroup")).rejects.toMatchObject({
      statusCode: 404,
    });
    const wrongKey = new AzureServiceClient(emulator.endpoint, new AzureKeyCredential("X".repeat(44)), "ms", {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    });
    await expect(wrongKey.sendToAll("x")).rejects.toMatchObject({ statusCode: 401 });
  });

  it("a client token minted by Microsoft's SDK and one minted by ours are both accepted with the same rights", async () => {
    const ours = new WebPubSubServiceClient(emulator.connectionString, "ms");
    for (const source of [azure, ours]) {
      const { url } = await source.getClientAccessToken({ userId: "both", roles: ["webpubsub.joinLeaveGroup.room"] });
      const socket = new TestSocket(url, "json.webpubsub.azure.v1");
      sockets.push(socket);
      expect(await socket.nextJson()).toMatchObject({ type: "system", event: "connected", userId: "both" });
      socket.send({ type: "joinGroup", group: "room", ackId: 1 });
      expect(await socket.nextJson()).toEqual({ type: "ack", ackId: 1, success: true });
      socket.send({ type: "joinGroup", group: "other", ackId: 2 });
      expect(await socket.nextJson()).toMatchObject({
        type: "ack",
        ackId: 2,
        success: false,
        error: { name: "Forbidden" },
      });
      socket.close();
    }
    await ours.close();
  });
});

describe("@azure/web-pubsub-client against the emulator, with tokens minted by our SDK", () => {
  let ours: WebPubSubServiceClient;
  beforeAll(() => {
    ours = new WebPubSubServiceClient(emulator.connectionString, "ms");
  });
  afterAll(() => ours.close());

  it("two clients join a group, exchange group messages and receive server messages", async () => {
    const alice = microsoftClient(
      (
        await ours.getClientAccessToken({
          userId: "alice",
          roles: ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"],
        })
      ).url,
    );
    const bob = microsoftClient(
      (await ours.getClientAccessToken({ userId: "bob", roles: ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"] }))
        .url,
    );
    const aliceConnected = nextEvent<{ connectionId: string; userId: string }>(alice, "connected");
    await alice.start();
    await bob.start();
    expect(await aliceConnected).toMatchObject({ userId: "alice" });
    await alice.joinGroup("chat");
    await bob.joinGroup("chat");

    const atBob = nextEvent<{ message: { group: string; fromUserId: string; data: unknown; dataType: string } }>(
      bob,
      "group-message",
    );
    await alice.sendToGroup("chat", "hi bob", "text");
    expect((await atBob).message).toMatchObject({
      group: "chat",
      fromUserId: "alice",
      data: "hi bob",
      dataType: "text",
    });

    const jsonAtAlice = nextEvent<{ message: { data: unknown } }>(alice, "group-message");
    await bob.sendToGroup("chat", { n: 1 }, "json", { noEcho: true });
    expect((await jsonAtAlice).message.data).toEqual({ n: 1 });

    const server = nextEvent<{ message: { data: unknown; dataType: string } }>(bob, "server-message");
    await azure.sendToUser("bob", { from: "server" });
    expect((await server).message).toMatchObject({ data: { from: "server" }, dataType: "json" });

    // A REST send to a group reaches PubSub clients as a group message (from: "group", no fromUserId), as
    // the service's response schema says, so Microsoft's client raises group-message, not server-message.
    const viaOurs = nextEvent<{ message: { group: string; fromUserId?: string; data: unknown; dataType: string } }>(
      alice,
      "group-message",
    );
    const notServer: unknown[] = [];
    alice.on("server-message", (e) => notServer.push(e.message.data));
    await ours.group("chat").sendToAll("from our SDK", { contentType: "text/plain" });
    const viaGroup = (await viaOurs).message;
    expect(viaGroup).toMatchObject({ group: "chat", data: "from our SDK", dataType: "text" });
    expect(viaGroup.fromUserId).toBeUndefined();
    expect(notServer).toEqual([]);
    alice.stop();
    bob.stop();
  });

  it("a permission the token lacks is refused with an ack error", async () => {
    const client = microsoftClient((await ours.getClientAccessToken({ userId: "limited" })).url);
    await client.start();
    await expect(client.joinGroup("secret")).rejects.toMatchObject({ name: "SendMessageError" });
    client.stop();
  });

  it("recovers the same connection after the socket is cut, without losing messages", async () => {
    const client = microsoftClient(
      async () => (await ours.getClientAccessToken({ userId: "roamer", roles: ["webpubsub.joinLeaveGroup"] })).url,
    );
    const connected = nextEvent<{ connectionId: string }>(client, "connected");
    await client.start();
    const { connectionId } = await connected;
    await client.joinGroup("live");
    const received: unknown[] = [];
    client.on("server-message", (e) => received.push(e.message.data));
    const groupReceived: unknown[] = [];
    client.on("group-message", (e) => groupReceived.push(e.message.data));

    expect(emulator.dropConnection(connectionId)).toBe(true);
    // Sent while the client is away: the emulator keeps it for the recovering connection.
    await azure.sendToUser("roamer", { seq: 1 });
    await expect.poll(() => received, { timeout: 5000 }).toEqual([{ seq: 1 }]);
    expect(await azure.connectionExists(connectionId)).toBe(true);
    await azure.group("live").sendToAll({ seq: 2 });
    await expect.poll(() => groupReceived, { timeout: 5000 }).toEqual([{ seq: 2 }]);
    client.stop();
  });

  it("reconnects with a new connection when the old one cannot be recovered", async () => {
    const client = microsoftClient(async () => (await ours.getClientAccessToken({ userId: "phoenix" })).url);
    const first = nextEvent<{ connectionId: string }>(client, "connected");
    await client.start();
    const { connectionId } = await first;
    const disconnected = nextEvent<unknown>(client, "disconnected");
    const second = nextEvent<{ connectionId: string }>(client, "connected");
    await azure.closeConnection(connectionId, { reason: "kicked" });
    await disconnected;
    const again = await second;
    expect(again.connectionId).not.toBe(connectionId);
    const got = nextEvent<{ message: { data: unknown } }>(client, "server-message");
    await azure.sendToConnection(again.connectionId, "welcome back", { contentType: "text/plain" });
    expect((await got).message.data).toBe("welcome back");
    client.stop();
  });
});
