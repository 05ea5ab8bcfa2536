// Wildcard group roles exactly as concept-wildcard-group-roles (Jan 2026) defines them, driven by PubSub
// clients holding tokens minted by Microsoft's SDK; the permission REST calls through Microsoft's SDK.
import { WebPubSubServiceClient as AzureServiceClient } from "@azure/web-pubsub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../../src/emulator/index";
import { TestSocket } from "../../helpers/ws";

let emulator: Emulator;
let azure: AzureServiceClient;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  azure = new AzureServiceClient(emulator.connectionString, "wild", {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
});
afterAll(async () => {
  for (const s of sockets) s.socket.terminate();
  await emulator.close();
});

async function pubsub(roles: string[]): Promise<{
  socket: TestSocket;
  id: string;
  ask: (frame: Record<string, unknown>) => Promise<Record<string, unknown>>;
}> {
  const { url } = await azure.getClientAccessToken({ roles });
  const socket = new TestSocket(url, "json.webpubsub.azure.v1");
  sockets.push(socket);
  const id = String((await socket.nextJson())["connectionId"]);
  let ackId = 0;
  const ask = async (frame: Record<string, unknown>) => {
    socket.send({ ...frame, ackId: ++ackId });
    // Group messages sent by the other test client may arrive in between: the answer is the ack.
    let reply = await socket.nextJson();
    while (reply["type"] === "message") reply = await socket.nextJson();
    return reply;
  };
  return { socket, id, ask };
}

// The docs' examples, plus the escape rules.
const examples: [string, string[], string[]][] = [
  ["chat-*", ["chat-1", "chat-room", "chat-"], ["chat.1", "xchat-1", "chat-a.b"]],
  ["clientA.*", ["clientA.alpha", "clientA.1"], ["clientA.alpha.room1", "clientB.alpha"]],
  ["clientA.**", ["clientA.alpha", "clientA.alpha.room1"], ["clientB.anything"]],
  [
    "clientA.rooms.?1",
    ["clientA.rooms.a1", "clientA.rooms.11"],
    ["clientA.rooms.1", "clientA.rooms.a.1", "clientA.rooms..1"],
  ],
  ["literal\\*star", ["literal*star"], ["literalXstar", "literal\\*star"]],
  ["project\\*123", ["project*123"], ["project1123"]],
  ["a\\?b", ["a?b"], ["axb"]],
  ["back\\\\slash", ["back\\slash"], ["back\\\\slash"]],
];

describe("wildcard roles", () => {
  it.each(examples)("%s", async (pattern, yes, no) => {
    const join = await pubsub([`webpubsub.joinLeaveGroups.${pattern}`]);
    const send = await pubsub([`webpubsub.sendToGroups.${pattern}`]);
    for (const group of yes) {
      expect(await join.ask({ type: "joinGroup", group }), `${pattern} should match ${group}`).toMatchObject({
        success: true,
      });
      expect(await send.ask({ type: "sendToGroup", group, dataType: "text", data: "x" })).toMatchObject({
        success: true,
      });
    }
    for (const group of no) {
      expect(await join.ask({ type: "joinGroup", group }), `${pattern} should not match ${group}`).toMatchObject({
        success: false,
        error: { name: "Forbidden" },
      });
      expect(await send.ask({ type: "sendToGroup", group, dataType: "text", data: "x" })).toMatchObject({
        success: false,
        error: { name: "Forbidden" },
      });
    }
    join.socket.close();
    send.socket.close();
  });

  it("a pattern with more than five * (those of ** included) grants nothing; five is fine", async () => {
    const six = await pubsub(["webpubsub.joinLeaveGroups.**.**.**"]);
    expect(await six.ask({ type: "joinGroup", group: "a.b.c" })).toMatchObject({
      success: false,
      error: { name: "Forbidden" },
    });
    const five = await pubsub(["webpubsub.joinLeaveGroups.**.**.*"]);
    expect(await five.ask({ type: "joinGroup", group: "a.b.c" })).toMatchObject({ success: true });
  });

  it("a 1024-character group against the nastiest legal patterns answers in milliseconds, and others are served meanwhile", async () => {
    const patterns = ["*a*a*a*a*b", "**a**a*b", "?*?*?*?*?*b", "**.**.*b"];
    const c = await pubsub(patterns.map((p) => `webpubsub.sendToGroups.${p}`));
    const bystander = await pubsub([]);
    const group = "a".repeat(1024);
    const started = performance.now();
    for (let i = 0; i < 20; i++)
      expect(await c.ask({ type: "sendToGroup", group, dataType: "text", data: "x" })).toMatchObject({
        success: false,
      });
    expect(
      await c.ask({ type: "sendToGroup", group: `${"a".repeat(1023)}b`, dataType: "text", data: "x" }),
    ).toMatchObject({ success: true });
    bystander.socket.send({ type: "ping" });
    expect(await bystander.socket.nextJson()).toEqual({ type: "pong" });
    // Twenty-one checks of four patterns: a backtracking matcher needs hours, a linear one well under a second.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("wildcard roles and the permission REST calls", () => {
  it("revoking without targetName also takes away what a wildcard role in the token granted", async () => {
    const c = await pubsub(["webpubsub.sendToGroups.room-*", "webpubsub.joinLeaveGroups.room-*"]);
    expect(await azure.hasPermission(c.id, "sendToGroup", { targetName: "room-1" })).toBe(true);
    expect(await c.ask({ type: "sendToGroup", group: "room-1", dataType: "text", data: "x" })).toMatchObject({
      success: true,
    });
    await azure.revokePermission(c.id, "sendToGroup");
    expect(await azure.hasPermission(c.id, "sendToGroup", { targetName: "room-1" })).toBe(false);
    expect(await c.ask({ type: "sendToGroup", group: "room-1", dataType: "text", data: "x" })).toMatchObject({
      success: false,
      error: { name: "Forbidden" },
    });
    // The other permission is untouched.
    expect(await c.ask({ type: "joinGroup", group: "room-2" })).toMatchObject({ success: true });
  });

  it("the permission REST calls refuse wildcard patterns with 400", async () => {
    const c = await pubsub([]);
    for (const call of [
      () => azure.grantPermission(c.id, "sendToGroup", { targetName: "room-*" }),
      () => azure.revokePermission(c.id, "joinLeaveGroup", { targetName: "a.**" }),
      () => azure.hasPermission(c.id, "sendToGroup", { targetName: "room-?" }),
    ]) {
      await expect(call()).rejects.toMatchObject({ statusCode: 400 });
    }
    expect(await c.ask({ type: "sendToGroup", group: "room-1", dataType: "text", data: "x" })).toMatchObject({
      success: false,
    });
  });
});
