// The cross-protocol delivery table of docs/protocols.md, cell by cell: every data type, sent by every kind
// of sender (json, json.reliable, protobuf, protobuf.reliable, MQTT 5 / 3.1.1, REST), reaches every kind of
// receiver (simple, json, json.reliable, protobuf, protobuf.reliable, MQTT 5 / 3.1.1) in the form the
// reference pages give; events reach the event handler in the listed content type. The table in the docs is
// rendered from `table` below and must match it.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../../src/emulator/index";
import { WebPubSubServiceClient } from "../../../src/index";
import { closeAllMqtt, connectMqtt, type TestMqtt } from "../../helpers/mqtt";
import {
  anyBytes,
  decodeAny,
  ProtobufClient,
  protobufName,
  protobufReliableName,
  type Down,
} from "../../helpers/protobuf";
import { startRecordingServer } from "../../helpers/recordingServer";
import { TestSocket } from "../../helpers/ws";

type DataType = "text" | "binary" | "json" | "protobuf";
type Sender = "json" | "json.reliable" | "protobuf" | "protobuf.reliable" | "MQTT 5" | "MQTT 3.1.1" | "REST";
type Receiver = "simple" | "json" | "json.reliable" | "protobuf" | "protobuf.reliable" | "MQTT 5" | "MQTT 3.1.1";

const any = anyBytes("type.googleapis.com/azure.webpubsub.TestMessage", Buffer.from([8, 1]));
/** The data each row sends, as bytes (what every protocol carries: UTF-8 for text and JSON, the Any for protobuf). */
const bytesOf: Record<DataType, Buffer> = {
  text: Buffer.from("héllo"),
  binary: Buffer.from([1, 2, 3, 255]),
  json: Buffer.from('{"a":[1,"x"]}'),
  protobuf: any,
};
const contentTypes: Record<DataType, string> = {
  text: "text/plain",
  binary: "application/octet-stream",
  json: "application/json",
  protobuf: "application/x-protobuf",
};

/** The documented cells: how each sender sends a data type, and what each receiver gets. */
const table: Record<DataType, { sent: Record<string, string>; received: Record<string, string> }> = {
  text: {
    sent: {
      json: '`"dataType": "text"`, a string',
      protobuf: "`text_data`",
      MQTT: "MQTT 5 content type `text/plain`",
      REST: "`Content-Type: text/plain`",
    },
    received: {
      simple: "a text frame",
      json: '`"dataType": "text"`, the string',
      protobuf: "`text_data`",
      "MQTT 5": "the UTF-8 bytes, content type `text/plain`",
      "MQTT 3.1.1": "the UTF-8 bytes",
      handler: "`text/plain`",
    },
  },
  binary: {
    sent: {
      json: '`"dataType": "binary"`, base64',
      protobuf: "`binary_data`",
      MQTT: "`application/octet-stream`, no content type, or any MQTT 3.1.1 publish",
      REST: "`Content-Type: application/octet-stream`",
    },
    received: {
      simple: "a binary frame",
      json: '`"dataType": "binary"`, base64',
      protobuf: "`binary_data`",
      "MQTT 5": "the bytes, content type `application/octet-stream`",
      "MQTT 3.1.1": "the bytes",
      handler: "`application/octet-stream`",
    },
  },
  json: {
    sent: {
      json: '`"dataType": "json"` (or none), the value inline',
      protobuf: "`json_data` (a JSON text)",
      MQTT: "`application/json` (must be valid JSON)",
      REST: "`Content-Type: application/json`",
    },
    received: {
      simple: "a text frame: the JSON text",
      json: '`"dataType": "json"`, the value inline',
      protobuf: "`json_data`: the JSON text (see note 1)",
      "MQTT 5": "the JSON text, content type `application/json`",
      "MQTT 3.1.1": "the JSON text",
      handler: "`application/json`",
    },
  },
  protobuf: {
    sent: {
      json: '`"dataType": "protobuf"`, base64 of a serialized `google.protobuf.Any`',
      protobuf: "`protobuf_data` (an `Any`)",
      MQTT: "`application/x-protobuf`: a serialized `Any`",
      REST: "not accepted (415): REST takes the three types above",
    },
    received: {
      simple: "a binary frame: the serialized `Any`",
      json: '`"dataType": "protobuf"`, base64 of the serialized `Any`',
      protobuf: "`protobuf_data`: the same `Any`",
      "MQTT 5": "the serialized `Any`, content type `application/x-protobuf`",
      "MQTT 3.1.1": "the serialized `Any`",
      handler: "`application/x-protobuf` (the serialized `Any`)",
    },
  },
};

const columns: [string, string][] = [
  ["sent by json / json.reliable", "sent.json"],
  ["sent by protobuf / protobuf.reliable", "sent.protobuf"],
  ["sent by MQTT", "sent.MQTT"],
  ["sent by REST", "sent.REST"],
  ["simple client receives", "received.simple"],
  ["json / json.reliable receive", "received.json"],
  ["protobuf / protobuf.reliable receive", "received.protobuf"],
  ["MQTT 5 receives", "received.MQTT 5"],
  ["MQTT 3.1.1 receives", "received.MQTT 3.1.1"],
  ["event handler receives (events)", "received.handler"],
];

/** The markdown table docs/protocols.md carries. */
function renderTable(): string {
  const rows = [
    `| data type | ${columns.map(([h]) => h).join(" | ")} |`,
    `| --- | ${columns.map(() => "---").join(" | ")} |`,
  ];
  for (const [type, cells] of Object.entries(table)) {
    const values = columns.map(([, path]) => {
      const [side, key] = path.split(".", 2) as ["sent" | "received", string];
      return cells[side][path.slice(side.length + 1)] ?? key;
    });
    rows.push(`| ${type === "json" ? "JSON" : type} | ${values.join(" | ")} |`);
  }
  return rows.join("\n");
}

let emulator: Emulator;
let service: WebPubSubServiceClient;
let handler: Awaited<ReturnType<typeof startRecordingServer>>;
const sockets: TestSocket[] = [];
const roles = ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"];
const hub = "mapping";
const group = "map";

beforeAll(async () => {
  handler = await startRecordingServer((req, res) => {
    if (req.method === "OPTIONS") res.setHeader("webhook-allowed-origin", "*");
    else res.statusCode = 204;
    res.end();
  });
  emulator = await startEmulator({ port: 0, hubs: { [hub]: { url: `${handler.url}/{event}`, systemEvents: [] } } });
  service = new WebPubSubServiceClient(emulator.connectionString, hub);
});
afterAll(async () => {
  for (const s of sockets) s.socket.terminate();
  await closeAllMqtt();
  await emulator.close();
  await handler.close();
});

async function wsUrl(groups: string[] = []): Promise<string> {
  return (await service.getClientAccessToken({ roles, groups })).url;
}

async function jsonSocket(protocol: string | undefined, groups: string[] = []): Promise<TestSocket> {
  const socket = new TestSocket(await wsUrl(groups), protocol);
  sockets.push(socket);
  await socket.opened;
  if (protocol !== undefined) await socket.next(); // the connected message
  return socket;
}

async function protobufSocket(protocol: string, groups: string[] = []): Promise<ProtobufClient> {
  const client = new ProtobufClient(await wsUrl(groups), protocol);
  sockets.push(client.ws);
  await client.opened;
  await client.next();
  return client;
}

async function mqttClient(version: 4 | 5, clientId: string, subscribe: boolean): Promise<TestMqtt> {
  const { url } = await service.getClientAccessToken({ clientProtocol: "mqtt", roles });
  const client = await connectMqtt(url, { protocolVersion: version, clientId });
  if (subscribe) await client.client.subscribeAsync(group, { qos: 0 });
  return client;
}

interface Receivers {
  simple: TestSocket;
  json: TestSocket;
  "json.reliable": TestSocket;
  protobuf: ProtobufClient;
  "protobuf.reliable": ProtobufClient;
  "MQTT 5": TestMqtt;
  "MQTT 3.1.1": TestMqtt;
}

const jsonData = (type: DataType): unknown =>
  type === "json"
    ? (JSON.parse(bytesOf.json.toString()) as unknown)
    : type === "text"
      ? bytesOf.text.toString()
      : bytesOf[type].toString("base64");

const protobufData = (type: DataType): Record<string, unknown> =>
  type === "text"
    ? { textData: bytesOf.text.toString() }
    : type === "json"
      ? { jsonData: bytesOf.json.toString() }
      : type === "binary"
        ? { binaryData: bytesOf.binary }
        : { protobufData: decodeAny(any) };

/** Checks what one receiver got against its cell. */
async function check(receivers: Receivers, receiver: Receiver, type: DataType): Promise<void> {
  const bytes = bytesOf[type];
  switch (receiver) {
    case "simple": {
      const frame = await receivers.simple.next();
      const binary = type === "binary" || type === "protobuf";
      expect(frame.binary).toBe(binary);
      expect(binary ? Buffer.compare(frame.data as Buffer, bytes) : frame.data).toBe(binary ? 0 : bytes.toString());
      return;
    }
    case "json":
    case "json.reliable": {
      const frame = await receivers[receiver].nextJson();
      const { sequenceId, ...rest } = frame;
      expect(rest).toEqual({ type: "message", from: "group", group, dataType: type, data: jsonData(type) });
      expect(typeof sequenceId).toBe(receiver === "json" ? "undefined" : "number");
      return;
    }
    case "protobuf":
    case "protobuf.reliable": {
      const m = (await receivers[receiver].next()).dataMessage as NonNullable<Down["dataMessage"]>;
      expect([m.from, m.group, m.data?.data]).toEqual(["group", group, Object.keys(protobufData(type))[0]]);
      const value = m.data?.[m.data.data as "textData"] as unknown;
      if (type === "protobuf") {
        const sent = value as { type_url: string; value: Uint8Array };
        expect({ type_url: sent.type_url, value: Buffer.from(sent.value) }).toEqual(decodeAny(any));
      } else if (type === "binary") expect(Buffer.from(value as Uint8Array)).toEqual(bytes);
      else expect(value).toBe(bytes.toString());
      expect(m.sequenceId === undefined).toBe(receiver === "protobuf");
      return;
    }
    case "MQTT 5":
    case "MQTT 3.1.1": {
      const got = await receivers[receiver].next();
      expect([got.topic, Buffer.compare(got.payload, bytes)]).toEqual([group, 0]);
      if (receiver === "MQTT 5") expect(got.packet.properties?.contentType).toBe(contentTypes[type]);
      return;
    }
  }
}

/** Sends one data type from one kind of sender; false when that sender cannot send it. */
async function send(senders: Record<Sender, unknown>, sender: Sender, type: DataType): Promise<boolean> {
  const bytes = bytesOf[type];
  switch (sender) {
    case "json":
    case "json.reliable":
      (senders[sender] as TestSocket).send({ type: "sendToGroup", group, dataType: type, data: jsonData(type) });
      return true;
    case "protobuf":
    case "protobuf.reliable":
      (senders[sender] as ProtobufClient).send({ sendToGroupMessage: { group, data: protobufData(type) } });
      return true;
    case "MQTT 5":
      await (senders[sender] as TestMqtt).client.publishAsync(group, bytes, {
        qos: 1,
        properties: { contentType: contentTypes[type] },
      });
      return true;
    case "MQTT 3.1.1":
      if (type !== "binary") return false;
      await (senders[sender] as TestMqtt).client.publishAsync(group, bytes, { qos: 1 });
      return true;
    case "REST":
      if (type === "protobuf") return false;
      if (type === "binary") await service.group(group).sendToAll(bytes);
      else if (type === "json") await service.group(group).sendToAll(JSON.parse(bytes.toString()) as object);
      else await service.group(group).sendToAll(bytes.toString(), { contentType: "text/plain" });
      return true;
  }
}

const types: DataType[] = ["text", "binary", "json", "protobuf"];

describe("cross-protocol delivery (docs/protocols.md)", () => {
  let receivers: Receivers;
  let senders: Record<Sender, unknown>;

  beforeAll(async () => {
    receivers = {
      simple: await jsonSocket(undefined, [group]),
      json: await jsonSocket("json.webpubsub.azure.v1", [group]),
      "json.reliable": await jsonSocket("json.reliable.webpubsub.azure.v1", [group]),
      protobuf: await protobufSocket(protobufName, [group]),
      "protobuf.reliable": await protobufSocket(protobufReliableName, [group]),
      "MQTT 5": await mqttClient(5, "mapreceiver5", true),
      "MQTT 3.1.1": await mqttClient(4, "mapreceiver3", true),
    };
    senders = {
      json: await jsonSocket("json.webpubsub.azure.v1"),
      "json.reliable": await jsonSocket("json.reliable.webpubsub.azure.v1"),
      protobuf: await protobufSocket(protobufName),
      "protobuf.reliable": await protobufSocket(protobufReliableName),
      "MQTT 5": await mqttClient(5, "mapsender5", false),
      "MQTT 3.1.1": await mqttClient(4, "mapsender3", false),
      REST: service,
    };
  });

  const allSenders: Sender[] = [
    "json",
    "json.reliable",
    "protobuf",
    "protobuf.reliable",
    "MQTT 5",
    "MQTT 3.1.1",
    "REST",
  ];
  const allReceivers = Object.keys({
    simple: 0,
    json: 0,
    "json.reliable": 0,
    protobuf: 0,
    "protobuf.reliable": 0,
    "MQTT 5": 0,
    "MQTT 3.1.1": 0,
  }) as Receiver[];

  // MQTT 3.1.1 has no content type (its publishes are binary); REST takes no protobuf (tested below).
  const cannot = (sender: Sender, type: DataType) =>
    (sender === "MQTT 3.1.1" && type !== "binary") || (sender === "REST" && type === "protobuf");
  for (const type of types)
    for (const sender of allSenders.filter((s) => !cannot(s, type)))
      it(`${type} from ${sender} reaches every receiver as its cell says`, async () => {
        expect(await send(senders, sender, type)).toBe(true);
        for (const receiver of allReceivers) await check(receivers, receiver, type);
      });

  it("protobuf data from REST is refused (415): the REST API takes text/plain, application/json, octet-stream", async () => {
    const res = await fetch(`${emulator.endpoint}/api/hubs/${hub}/groups/${group}/:send?api-version=2024-12-01`, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf", authorization: `Bearer ${await restToken()}` },
      body: new Uint8Array(any),
    });
    expect(res.status).toBe(415);
  });

  for (const type of types)
    it(`${type} events reach the event handler as ${contentTypes[type]}, from json, protobuf and MQTT 5 clients`, async () => {
      const json = senders.json as TestSocket;
      json.send({ type: "event", event: "mapev", dataType: type, data: jsonData(type) });
      (senders.protobuf as ProtobufClient).send({ eventMessage: { event: "mapev", data: protobufData(type) } });
      await (senders["MQTT 5"] as TestMqtt).client.publishAsync("$webpubsub/server/events/mapev", bytesOf[type], {
        qos: 1,
        properties: { contentType: contentTypes[type] },
      });
      const deadline = Date.now() + 5000;
      const events = () => handler.requests.filter((r) => r.headers["ce-eventname"] === "mapev");
      while (events().length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const got = events().splice(0);
      handler.requests.length = 0;
      expect(got.map((r) => r.headers["ce-subprotocol"]).sort()).toEqual(
        ["json.webpubsub.azure.v1", "mqtt", protobufName].sort(),
      );
      for (const r of got) {
        expect(r.headers["content-type"]?.split(";")[0]).toBe(contentTypes[type]);
        expect(Buffer.compare(r.body, bytesOf[type])).toBe(0);
      }
    });
});

it("docs/protocols.md carries this table", () => {
  const docs = readFileSync(new URL("../../../docs/protocols.md", import.meta.url), "utf8");
  expect(docs).toContain(renderTable());
});

/** A REST token the way the service's REST API takes one (audience: the request URL). */
async function restToken(): Promise<string> {
  const { SignJWT } = await import("jose");
  const { defaultAccessKey } = await import("../../../src/emulator/index");
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setAudience(`${emulator.endpoint}/api/hubs/${hub}/groups/${group}/:send?api-version=2024-12-01`)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + 300)
    .sign(new TextEncoder().encode(defaultAccessKey));
}
