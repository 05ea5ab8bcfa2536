// protobuf.reliable.webpubsub.azure.v1 as reference-protobuf-reliable-webpubsub-subprotocol and the client
// spec (1.4 recovery, 3.2 sequence ids) describe it; the machinery is json.reliable's, so this checks the
// protobuf wire and that recovery behaves the same. Client codec: protobufjs (test/helpers/protobuf.ts).
import { WebPubSubServiceClient as AzureServiceClient } from "@azure/web-pubsub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../../../src/emulator/index";
import { startRecordingServer } from "../../../helpers/recordingServer";
import { ProtobufClient, protobufReliableName, type Down } from "../../../helpers/protobuf";

let emulator: Emulator;
let azure: AzureServiceClient;
let handler: Awaited<ReturnType<typeof startRecordingServer>>;
const clients: ProtobufClient[] = [];

beforeAll(async () => {
  handler = await startRecordingServer((req, res) => {
    if (req.method === "OPTIONS") {
      res.setHeader("webhook-allowed-origin", "*");
      return void res.end();
    }
    res.setHeader("content-type", "text/plain");
    res.end("reply");
  });
  emulator = await startEmulator({ port: 0, hubs: { rel: { url: `${handler.url}/{event}`, systemEvents: [] } } });
  azure = new AzureServiceClient(emulator.connectionString, "rel", {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
});
afterAll(async () => {
  for (const c of clients) c.ws.socket.terminate();
  await emulator.close();
  await handler.close();
});

const base = () => `${emulator.endpoint.replace(/^http/, "ws")}/client/hubs/rel`;

function open(url: string, protocol = protobufReliableName): ProtobufClient {
  const client = new ProtobufClient(url, protocol);
  clients.push(client);
  return client;
}

async function connect(groups: string[] = []) {
  const { url } = await azure.getClientAccessToken({
    userId: "rel-user",
    groups,
    roles: ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"],
  });
  const client = open(url);
  await client.opened;
  const connected = (await client.next()).systemMessage?.connectedMessage;
  if (connected === undefined) throw new Error("no connected message");
  return { client, connected };
}

const seq = (m: Down) => m.dataMessage?.sequenceId;
const recoverUrl = (c: { connectionId: string; reconnectionToken: string }) =>
  `${base()}?awps_connection_id=${encodeURIComponent(c.connectionId)}&awps_reconnection_token=${encodeURIComponent(c.reconnectionToken)}`;

/**
 * Recovers a dropped connection. The client may see its socket closed before the emulator does; until the
 * emulator has, a recovery attempt is refused (1008), so try again for a while.
 */
async function recover(c: { connectionId: string; reconnectionToken: string }): Promise<ProtobufClient> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const back = open(recoverUrl(c));
    const outcome = await Promise.race([back.opened.then(() => "open"), back.ws.closed.then(() => "closed")]);
    // A refused recovery opens and is then closed at once with 1008; an accepted one stays open.
    const refused = await Promise.race([
      back.ws.closed.then(({ code }) => code === 1008),
      new Promise<boolean>((r) => setTimeout(() => r(false), 200)),
    ]);
    if (outcome === "open" && !refused) return back;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("recovery kept being refused");
}

describe("sequence ids", () => {
  it("the connected message carries a reconnection token; every DataMessage a sequence id from 1 up", async () => {
    const { client, connected } = await connect(["s"]);
    expect(connected.reconnectionToken).toMatch(/\S/);
    await azure.sendToConnection(connected.connectionId, "one", { contentType: "text/plain" });
    await azure.group("s").sendToAll({ two: 2 });
    expect(seq(await client.next())).toBe("1");
    expect(seq(await client.next())).toBe("2");
    // An event handler's reply is a message too, and is numbered.
    client.send({ eventMessage: { event: "ask", data: { textData: "?" }, ackId: 1 } });
    const frames = [await client.next(), await client.next()];
    expect(frames.find((m) => m.message === "ackMessage")?.ackMessage?.ackId).toBe("1");
    expect(frames.find((m) => m.message === "dataMessage")?.dataMessage).toEqual({
      from: "server",
      data: { textData: "reply", data: "textData" },
      sequenceId: "3",
    });
  });
});

describe("recovery (client-spec 1.4)", () => {
  it("after a drop, the client recovers with its token: unacknowledged messages come again, acknowledged ones not, groups kept", async () => {
    const { client, connected } = await connect(["keep"]);
    for (const text of ["a", "b", "c"])
      await azure.sendToConnection(connected.connectionId, text, { contentType: "text/plain" });
    for (let i = 0; i < 3; i++) await client.next();
    client.send({ sequenceAckMessage: { sequenceId: 2 } });
    // The ack is processed before the REST call below, which reaches the emulator later.
    await azure.group("other").sendToAll("noise", { contentType: "text/plain" });
    client.ws.socket.terminate();
    await client.ws.closed;
    await azure.group("keep").sendToAll("while away", { contentType: "text/plain" });

    const back = await recover(connected);
    expect(back.ws.socket.protocol).toBe(protobufReliableName);
    const c = await back.next();
    expect(c.dataMessage).toMatchObject({ sequenceId: "3", data: { textData: "c" } });
    const d = await back.next();
    expect(d.dataMessage).toMatchObject({
      from: "group",
      group: "keep",
      sequenceId: "4",
      data: { textData: "while away" },
    });
    // Still the same connection, still in its group, still acking.
    back.send({ sendToGroupMessage: { group: "keep", ackId: 7, data: { textData: "me" }, noEcho: true } });
    expect((await back.next()).ackMessage).toMatchObject({ ackId: "7", success: true });
    expect(await azure.connectionExists(connected.connectionId)).toBe(true);
  });

  it("a wrong reconnection token, or a connection that closed normally, fails recovery with 1008", async () => {
    const { client, connected } = await connect();
    const wrong = open(recoverUrl({ ...connected, reconnectionToken: "not-it" }));
    expect((await wrong.ws.closed).code).toBe(1008);
    client.ws.socket.close(1000);
    await client.ws.closed;
    const late = open(recoverUrl(connected));
    expect((await late.ws.closed).code).toBe(1008);
  });

  it("recovery must offer the subprotocol the connection had (a json.reliable socket cannot take it over)", async () => {
    const { client, connected } = await connect();
    client.ws.socket.terminate();
    await client.ws.closed;
    const other = open(recoverUrl(connected), "json.reliable.webpubsub.azure.v1");
    expect((await other.ws.closed).code).toBe(1008);
  });
});
