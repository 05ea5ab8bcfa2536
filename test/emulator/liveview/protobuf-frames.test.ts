// The live view shows protobuf frames decoded: what a protobuf client asked for, in the same terms as json
// frames (type, group, event, data type, ack id), never the message body.
import { afterAll, beforeAll, expect, it } from "vitest";
import { WebPubSubServiceClient } from "../../../src/index";
import { startEmulator, type Emulator, type EmulatorEvent } from "../../../src/emulator/index";
import { summarise } from "../../../src/emulator/liveview/summary";
import { ProtobufClient, protobufReliableName } from "../../helpers/protobuf";

let emulator: Emulator;
let service: WebPubSubServiceClient;
const events: EmulatorEvent[] = [];
let stop: () => void;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  service = new WebPubSubServiceClient(emulator.connectionString, "lv");
  stop = emulator.watch((event) => events.push(event));
});
afterAll(async () => {
  stop();
  await emulator.close();
});

async function frames(count: number): Promise<(EmulatorEvent & { kind: "frame" })[]> {
  const deadline = Date.now() + 5000;
  const found = () => events.filter((e): e is EmulatorEvent & { kind: "frame" } => e.kind === "frame");
  while (found().length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return found();
}

it("each protobuf request appears as its type, group or event, data type and ids", async () => {
  const { url } = await service.getClientAccessToken({ roles: ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"] });
  const client = new ProtobufClient(url, protobufReliableName);
  await client.opened;
  await client.next();
  client.send({ joinGroupMessage: { group: "g", ackId: 1 } });
  client.send({ sendToGroupMessage: { group: "g", ackId: 2, noEcho: true, data: { jsonData: '{"secret":1}' } } });
  client.send({ eventMessage: { event: "e", data: { binaryData: Buffer.from([1]) } } });
  client.send({ sequenceAckMessage: { sequenceId: 4 } });
  client.ws.socket.send(Buffer.from([0xff]));
  const seen = (await frames(5)).map((e, i) => summarise(e, i, 0));
  expect(
    seen.map(({ type, group, event, dataType, ackId, sequenceId, noEcho }) => ({
      type,
      group,
      event,
      dataType,
      ackId,
      sequenceId,
      noEcho,
    })),
  ).toEqual([
    { type: "joinGroup", group: "g", ackId: 1 },
    { type: "sendToGroup", group: "g", dataType: "json", ackId: 2, noEcho: true },
    { type: "event", event: "e", dataType: "binary" },
    { type: "sequenceAck", sequenceId: 4 },
    { type: "invalid protobuf" },
  ]);
  // The body never reaches the feed.
  expect(JSON.stringify(seen)).not.toContain("secret");
  client.ws.socket.terminate();
});
