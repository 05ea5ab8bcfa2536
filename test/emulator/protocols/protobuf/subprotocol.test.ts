// protobuf.webpubsub.azure.v1 as the reference page (reference-protobuf-webpubsub-subprotocol) describes it,
// driven by a client whose codec is protobufjs loading the emulator's .proto (test/helpers/protobuf.ts).
import { WebPubSubServiceClient as AzureServiceClient } from "@azure/web-pubsub";
import protobuf from "protobufjs";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../../../src/emulator/index";
import { startRecordingServer, type RecordedRequest } from "../../../helpers/recordingServer";
import { WebPubSubServiceClient } from "../../../../src/index";
import { closeAllMqtt, connectMqtt } from "../../../helpers/mqtt";
import { anyBytes, decodeAny, decodeDown, ProtobufClient, protobufName, type Down } from "../../../helpers/protobuf";

let emulator: Emulator;
let azure: AzureServiceClient;
let handler: Awaited<ReturnType<typeof startRecordingServer>>;
const clients: ProtobufClient[] = [];
const allRoles = ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"];

beforeAll(async () => {
  // An event handler that answers `echo` with JSON built from what it got, and everything else with 204.
  handler = await startRecordingServer((req: RecordedRequest, res) => {
    if (req.method === "OPTIONS") {
      res.setHeader("webhook-allowed-origin", "*");
      return void res.end();
    }
    if (req.headers["ce-eventname"] === "connect") {
      res.setHeader("content-type", "application/json");
      return void res.end(JSON.stringify({ subprotocol: "protobuf.reliable.webpubsub.azure.v1" }));
    }
    if (req.headers["ce-eventname"] === "echo") {
      res.setHeader("content-type", "application/json");
      return void res.end(JSON.stringify({ got: req.body.toString("base64") }));
    }
    res.statusCode = 204;
    res.end();
  });
  emulator = await startEmulator({
    port: 0,
    hubs: {
      pb: { url: `${handler.url}/{event}`, systemEvents: [] },
      pick: { url: `${handler.url}/{event}`, systemEvents: ["connect"] },
    },
  });
  azure = new AzureServiceClient(emulator.connectionString, "pb", {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
});
afterAll(async () => {
  for (const c of clients) c.ws.socket.terminate();
  await emulator.close();
  await handler.close();
});

/** A connected protobuf client and the connected system message it got first. */
async function connect(
  options: { userId?: string; roles?: string[]; groups?: string[] } = {},
  protocol = protobufName,
) {
  const { url } = await azure.getClientAccessToken({ roles: allRoles, ...options });
  const client = new ProtobufClient(url, protocol);
  clients.push(client);
  await client.opened;
  expect(client.ws.socket.protocol).toBe(protocol);
  const connected = (await client.next()).systemMessage?.connectedMessage;
  if (connected === undefined) throw new Error("the first frame is not the connected message");
  return { client, connected };
}

const ackOf = (m: Down) => m.ackMessage;

describe("connect", () => {
  it("the handshake answers with the protobuf subprotocol; the first frame is a binary ConnectedMessage", async () => {
    const { connected } = await connect({ userId: "ada" });
    expect(connected.userId).toBe("ada");
    expect(connected.connectionId).toMatch(/\S/);
    // Not reliable: no reconnection token.
    expect(connected.reconnectionToken).toBe("");
  });

  it("a WebSocket ping is answered with a pong (the subprotocol has no ping message of its own)", async () => {
    const { client } = await connect();
    const pong = new Promise<Buffer>((resolve) => client.ws.socket.once("pong", resolve));
    client.ws.socket.ping(Buffer.from("hi"));
    expect((await pong).toString()).toBe("hi");
  });
});

describe("groups", () => {
  it("join and leave with ack ids are acked; a repeated ack id is Duplicate", async () => {
    const { client } = await connect();
    client.send({ joinGroupMessage: { group: "g", ackId: 1 } });
    expect(ackOf(await client.next())).toEqual({ ackId: "1", success: true });
    client.send({ leaveGroupMessage: { group: "g", ackId: 2 } });
    expect(ackOf(await client.next())?.success).toBe(true);
    client.send({ joinGroupMessage: { group: "g", ackId: 1 } });
    expect(ackOf(await client.next())?.error?.name).toBe("Duplicate");
  });

  it("sendToGroup reaches members as a DataMessage from the group, without a sequence id; noEcho skips the sender", async () => {
    const { client: a } = await connect({ userId: "a", groups: ["room"] });
    const { client: b } = await connect({ groups: ["room"] });
    a.send({ sendToGroupMessage: { group: "room", data: { textData: "hello" }, ackId: 5 } });
    const hello = { from: "group", group: "room", data: { textData: "hello", data: "textData" } };
    // The sender is a member too: it gets the message and the ack.
    const own = [await a.next(), await a.next()];
    expect(own.find((m) => m.message === "ackMessage")?.ackMessage?.success).toBe(true);
    expect(own.find((m) => m.message === "dataMessage")?.dataMessage).toEqual(hello);
    expect((await b.next()).dataMessage).toEqual(hello);
    a.send({ sendToGroupMessage: { group: "room", data: { binaryData: Buffer.from([1, 2]) }, noEcho: true } });
    expect(Buffer.from((await b.next()).dataMessage?.data?.binaryData ?? [])).toEqual(Buffer.from([1, 2]));
    // The sender got nothing: the next thing it sees is the ack of a later request.
    a.send({ joinGroupMessage: { group: "other", ackId: 6 } });
    expect(ackOf(await a.next())?.ackId).toBe("6");
  });

  it("protobuf data arrives as the same google.protobuf.Any; json_data as json_data", async () => {
    const { client: a } = await connect({ groups: ["pbroom"] });
    const any = anyBytes("type.googleapis.com/test.MyMessage", Buffer.from([8, 1]));
    a.send({ sendToGroupMessage: { group: "pbroom", data: { protobufData: decodeAny(any) } } });
    const pb = (await a.next()).dataMessage?.data?.protobufData;
    expect({ type_url: pb?.type_url, value: Buffer.from(pb?.value ?? []) }).toEqual(decodeAny(any));
    a.send({ sendToGroupMessage: { group: "pbroom", data: { jsonData: '{"a":[1,2]}' } } });
    expect((await a.next()).dataMessage?.data).toEqual({ jsonData: '{"a":[1,2]}', data: "jsonData" });
  });

  it("bad requests are refused with an ack: no data, JSON that is not JSON, an empty group name", async () => {
    const { client } = await connect({ groups: ["x"] });
    client.send({ sendToGroupMessage: { group: "x", ackId: 1 } });
    expect(ackOf(await client.next())?.error?.message).toMatch(/needs data/);
    client.send({ sendToGroupMessage: { group: "x", ackId: 2, data: { jsonData: "{oops" } } });
    expect(ackOf(await client.next())?.error).toMatchObject({
      name: "Forbidden",
      message: "json_data is not valid JSON.",
    });
    client.send({ joinGroupMessage: { group: "", ackId: 3 } });
    expect(ackOf(await client.next())?.error?.name).toBe("Forbidden");
  });
});

describe("permissions (the roles table of the reference page, and wildcard roles)", () => {
  it("without roles a client may not join or send; a role naming one group opens only that group", async () => {
    const { client } = await connect({ roles: ["webpubsub.joinLeaveGroup.only", "webpubsub.sendToGroups.chat-*"] });
    client.send({ joinGroupMessage: { group: "only", ackId: 1 } });
    expect(ackOf(await client.next())?.success).toBe(true);
    client.send({ joinGroupMessage: { group: "another", ackId: 2 } });
    expect(ackOf(await client.next())).toMatchObject({ success: false, error: { name: "Forbidden" } });
    client.send({ sendToGroupMessage: { group: "chat-1", ackId: 3, data: { textData: "t" } } });
    expect(ackOf(await client.next())?.success).toBe(true);
    client.send({ sendToGroupMessage: { group: "chat.1", ackId: 4, data: { textData: "t" } } });
    expect(ackOf(await client.next())?.error?.name).toBe("Forbidden");
    const { client: none } = await connect({ roles: [] });
    none.send({ sendToGroupMessage: { group: "chat-1", ackId: 1, data: { textData: "t" } } });
    expect(ackOf(await none.next())?.error?.name).toBe("Forbidden");
  });

  it("a permission granted by REST applies at once", async () => {
    const { client, connected } = await connect({ roles: [] });
    await azure.grantPermission(connected.connectionId, "joinLeaveGroup", { targetName: "late" });
    client.send({ joinGroupMessage: { group: "late", ackId: 1 } });
    expect(ackOf(await client.next())?.success).toBe(true);
  });
});

describe("events to the event handler (content type per data type)", () => {
  const cases: [string, Record<string, unknown>, string, Buffer][] = [
    ["text", { textData: "text data" }, "text/plain", Buffer.from("text data")],
    ["binary", { binaryData: Buffer.from([1, 2, 3]) }, "application/octet-stream", Buffer.from([1, 2, 3])],
    ["json", { jsonData: '{"hello":"world"}' }, "application/json", Buffer.from('{"hello":"world"}')],
  ];
  const any = anyBytes("type.googleapis.com/azure.webpubsub.TestMessage", Buffer.from([8, 1]));
  cases.push(["protobuf", { protobufData: decodeAny(any) }, "application/x-protobuf", any]);

  for (const [name, data, contentType, body] of cases) {
    it(`${name} data reaches the handler as ${contentType}; the handler's JSON reply comes back from the server`, async () => {
      const { client, connected } = await connect({ userId: "eve" });
      client.send({ eventMessage: { event: "echo", data, ackId: 9 } });
      expect(ackOf(await client.next())).toMatchObject({ ackId: "9", success: true });
      const reply = await client.next();
      expect(reply.dataMessage?.from).toBe("server");
      expect(JSON.parse(reply.dataMessage?.data?.jsonData ?? "")).toEqual({ got: body.toString("base64") });
      const request = handler.requests.filter((r) => r.headers["ce-connectionid"] === connected.connectionId).at(-1);
      expect(request?.headers["content-type"]).toBe(contentType);
      expect(request?.headers["ce-subprotocol"]).toBe(protobufName);
      expect(request?.headers["ce-type"]).toBe("azure.webpubsub.user.echo");
    });
  }
});

describe("the server side", () => {
  it("REST sends arrive from the server (or from the group for group sends), in each content type", async () => {
    const { client, connected } = await connect({ groups: ["news"] });
    await azure.sendToConnection(connected.connectionId, "plain", { contentType: "text/plain" });
    expect((await client.next()).dataMessage).toEqual({
      from: "server",
      data: { textData: "plain", data: "textData" },
    });
    await azure.group("news").sendToAll({ n: 1 });
    expect((await client.next()).dataMessage).toEqual({
      from: "group",
      group: "news",
      data: { jsonData: '{"n":1}', data: "jsonData" },
    });
  });

  it("closeConnection sends a DisconnectedMessage with the reason, then closes", async () => {
    const { client, connected } = await connect();
    await azure.closeConnection(connected.connectionId, { reason: "maintenance" });
    expect((await client.next()).systemMessage?.disconnectedMessage).toEqual({ reason: "maintenance" });
    expect((await client.ws.closed).code).toBe(1000);
  });

  it("a frame that is not an UpstreamMessage closes the connection (1007)", async () => {
    const { client } = await connect();
    client.ws.socket.send(Buffer.from([0x0a, 0xff, 0xff]));
    expect((await client.ws.closed).code).toBe(1007);
  });

  it("hostile frames (groups nested 300 000 deep, a truncated length) end that connection only", async () => {
    const { client } = await connect();
    // Field 9, wire type 3 (start group), over and over: a decoder that recursed per group would overflow.
    client.ws.socket.send(Buffer.alloc(300_000, 0x4b));
    expect((await client.ws.closed).code).toBe(1007);
    const { client: other } = await connect();
    other.ws.socket.send(Buffer.from([0x0a, 0x80, 0x80, 0x04]));
    expect((await other.ws.closed).code).toBe(1007);
    const { client: fine } = await connect();
    fine.send({ joinGroupMessage: { group: "still", ackId: 1 } });
    expect(ackOf(await fine.next())?.success).toBe(true);
  });

  it("a message the reference pages do not define (a group-state request of the newest client preview) closes it too", async () => {
    const { client } = await connect();
    // setGroupState as @azure/web-pubsub-client-protobuf 1.0.0-beta.5 writes it (its test vectors): field 15.
    client.ws.socket.send(Buffer.from("eg0KCWNoYXQtcm9vbRAC", "base64"));
    expect((await client.ws.closed).code).toBe(1007);
  });
});

it("an int32 ack id (the 2021 .proto of reference-protobuf-webpubsub-subprotocol) comes back as sent, negative too", async () => {
  // The older field list has `int32 ack_id`; a negative int32 is a 10-byte varint on the wire.
  const old = protobuf.parse(`syntax = "proto3";
    message UpstreamMessage { oneof message { JoinGroupMessage join_group_message = 6; }
      message JoinGroupMessage { string group = 1; optional int32 ack_id = 2; } }
    message DownstreamMessage { oneof message { AckMessage ack_message = 1; }
      message AckMessage { int32 ack_id = 1; bool success = 2; } }`).root;
  const Up = old.lookupType("UpstreamMessage");
  const DownOld = old.lookupType("DownstreamMessage");
  const { client } = await connect();
  client.ws.socket.send(Up.encode(Up.fromObject({ joinGroupMessage: { group: "neg", ackId: -5 } })).finish());
  const frame = await client.ws.next();
  expect(DownOld.toObject(DownOld.decode(frame.data as Buffer))).toEqual({ ackMessage: { ackId: -5, success: true } });
});

it("Microsoft's @azure/web-pubsub-client speaks json; the emulator still serves it beside protobuf clients", async () => {
  const { client } = await connect({ groups: ["mixed"] });
  const { url } = await azure.getClientAccessToken({ roles: allRoles });
  const json = new WebSocket(url, "json.webpubsub.azure.v1");
  await new Promise((resolve) => json.once("message", resolve));
  json.send(JSON.stringify({ type: "sendToGroup", group: "mixed", dataType: "text", data: "from json" }));
  expect((await client.next()).dataMessage?.data?.textData).toBe("from json");
  json.terminate();
});

it("a connect handler may pick a protobuf subprotocol among those offered", async () => {
  const picker = new AzureServiceClient(emulator.connectionString, "pick", { allowInsecureConnection: true });
  const { url } = await picker.getClientAccessToken();
  const socket = new WebSocket(url, ["json.webpubsub.azure.v1", "protobuf.reliable.webpubsub.azure.v1"]);
  const first = await new Promise<Buffer>((resolve, reject) => {
    socket.once("message", (data: Buffer) => resolve(data));
    socket.once("error", reject);
  });
  expect(socket.protocol).toBe("protobuf.reliable.webpubsub.azure.v1");
  expect(decodeDown(first).systemMessage?.connectedMessage?.reconnectionToken).toMatch(/\S/);
  const connect = handler.requests.find((r) => r.headers["ce-eventname"] === "connect");
  expect(JSON.parse(connect?.body.toString() ?? "{}")).toMatchObject({
    subprotocols: ["json.webpubsub.azure.v1", "protobuf.reliable.webpubsub.azure.v1"],
  });
  socket.terminate();
});

it("protobuf data from MQTT that is not a google.protobuf.Any reaches protobuf clients as binary_data", async () => {
  const { client } = await connect({ groups: ["iot"] });
  const { url } = await new WebPubSubServiceClient(emulator.connectionString, "pb").getClientAccessToken({
    clientProtocol: "mqtt",
    roles: allRoles,
  });
  const mqtt = await connectMqtt(url, { protocolVersion: 5, clientId: "pbmqtt" });
  const junk = Buffer.from([0x0a, 0x05, 0x41]);
  await mqtt.client.publishAsync("iot", junk, { qos: 1, properties: { contentType: "application/x-protobuf" } });
  const data = (await client.next()).dataMessage?.data;
  expect(data?.data).toBe("binaryData");
  expect(Buffer.from(data?.binaryData ?? [])).toEqual(junk);
  await closeAllMqtt();
});
