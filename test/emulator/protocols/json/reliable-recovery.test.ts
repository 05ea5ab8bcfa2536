// Reliable recovery as client-spec 2.1.2 defines it: the access token's `exp` is only checked when a new
// connection is made, so a token that expired after connecting does not block recovery; the reconnection
// token does. Driven by Microsoft's @azure/web-pubsub-client and by raw `ws`.
import { WebPubSubServiceClient as AzureServiceClient } from "@azure/web-pubsub";
import { WebPubSubClient } from "@azure/web-pubsub-client";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultAccessKey, startEmulator, type Emulator } from "../../../../src/emulator/index";
import { TestSocket, refusedStatus } from "../../../helpers/ws";

let emulator: Emulator;
let azure: AzureServiceClient;
const reliable = "json.reliable.webpubsub.azure.v1";

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  azure = new AzureServiceClient(emulator.connectionString, "recover", {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
});
afterAll(() => emulator.close());

/** A client URL whose token expires `seconds` from now (the emulator allows 5 s of clock skew, as jose does). */
async function shortLivedUrl(userId: string, seconds: number): Promise<string> {
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setAudience(`${emulator.endpoint}/client/hubs/recover`)
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
    .sign(new TextEncoder().encode(defaultAccessKey));
  return `${emulator.endpoint.replace(/^http/, "ws")}/client/hubs/recover?access_token=${token}`;
}

/** `count` REST sends to one connection, 50 at a time. */
async function sendEach(connectionId: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, (_, j) => azure.sendToConnection(connectionId, { i: i + j })),
    );
  }
}

describe("reliable recovery", () => {
  it("Microsoft's client recovers the same connection after its token expired, and gets what was sent meanwhile", async () => {
    const url = await shortLivedUrl("late", 1);
    const client = new WebPubSubClient(url, {
      reconnectRetryOptions: { maxRetries: 3, retryDelayInMs: 50, mode: "Fixed" },
    });
    const connections: string[] = [];
    client.on("connected", (e) => connections.push(e.connectionId));
    const received: unknown[] = [];
    client.on("server-message", (e) => received.push(e.message.data));
    await client.start();
    const [connectionId] = connections as [string];
    // Wait until the token is past its expiry and the skew allowance: a new connection with it is refused.
    await new Promise((r) => setTimeout(r, 6500));
    expect(await refusedStatus(url, reliable)).toBe(401);

    expect(emulator.dropConnection(connectionId)).toBe(true);
    await azure.sendToConnection(connectionId, { while: "away" });
    await expect.poll(() => received, { timeout: 5000 }).toEqual([{ while: "away" }]);
    expect(connections).toEqual([connectionId]);
    expect(emulator.connections("recover").find((c) => c.connectionId === connectionId)?.online).toBe(true);
    client.stop();
  }, 20_000);

  it("recovery needs no access token at all, only the reconnection token; a wrong one closes with 1008", async () => {
    const { url } = await azure.getClientAccessToken({ userId: "raw" });
    const first = new TestSocket(url, reliable);
    const connected = await first.nextJson();
    const id = String(connected["connectionId"]);
    const reconnectionToken = String(connected["reconnectionToken"]);
    first.socket.terminate();
    await emulator.waitForConnections("recover", (l) => l.some((c) => c.connectionId === id && !c.online));
    await azure.sendToConnection(id, "missed", { contentType: "text/plain" });

    const base = `${emulator.endpoint.replace(/^http/, "ws")}/client/hubs/recover`;
    const wrong = new TestSocket(
      `${base}?awps_connection_id=${encodeURIComponent(id)}&awps_reconnection_token=not-it`,
      reliable,
    );
    expect((await wrong.closed).code).toBe(1008);

    const back = new TestSocket(
      `${base}?awps_connection_id=${encodeURIComponent(id)}&awps_reconnection_token=${encodeURIComponent(reconnectionToken)}`,
      reliable,
    );
    await back.opened;
    expect(back.socket.protocol).toBe(reliable);
    expect(await back.nextJson()).toMatchObject({
      type: "message",
      from: "server",
      dataType: "text",
      data: "missed",
      sequenceId: 1,
    });
    back.close();
  });

  it("a client that never acknowledges is closed for good once 1000 messages wait (client-spec 3.2)", async () => {
    const { url } = await azure.getClientAccessToken({ userId: "silent" });
    const socket = new TestSocket(url, reliable);
    const connected = await socket.nextJson();
    const id = String(connected["connectionId"]);
    const seen: Record<string, unknown>[] = [];
    socket.socket.on("message", (d: Buffer) => seen.push(JSON.parse(d.toString()) as Record<string, unknown>));
    await sendEach(id, 1001);
    expect((await socket.closed).code).toBe(1008);
    expect(seen.filter((f) => f["type"] === "message")).toHaveLength(1000);
    expect(seen.at(-1)).toMatchObject({ type: "system", event: "disconnected" });
    expect(await azure.connectionExists(id)).toBe(false);
    // Its reconnection token no longer recovers anything.
    const base = `${emulator.endpoint.replace(/^http/, "ws")}/client/hubs/recover`;
    const back = new TestSocket(
      `${base}?awps_connection_id=${encodeURIComponent(id)}&awps_reconnection_token=${encodeURIComponent(String(connected["reconnectionToken"]))}`,
      reliable,
    );
    expect((await back.closed).code).toBe(1008);
  });

  it("a client that acknowledges as it goes is never cut off", async () => {
    const { url } = await azure.getClientAccessToken({ userId: "acker" });
    const socket = new TestSocket(url, reliable);
    const id = String((await socket.nextJson())["connectionId"]);
    let last = 0;
    socket.socket.on("message", (d: Buffer) => {
      const f = JSON.parse(d.toString()) as { sequenceId?: number };
      if (typeof f.sequenceId === "number") socket.send({ type: "sequenceAck", sequenceId: (last = f.sequenceId) });
    });
    await sendEach(id, 1200);
    await expect.poll(() => last, { timeout: 5000 }).toBe(1200);
    expect(await azure.connectionExists(id)).toBe(true);
    socket.close();
  });
});
