// An MQTT device beside a Web PubSub (JSON subprotocol) client in one hub. The device (MQTT.js, MQTT 5 over WebSocket)
// publishes a reading to topic "readings"; a Web PubSub client that joined group "readings" receives it
// (topic = group); the server then sends the device a command with a REST group send to "commands".
// Run: WebPubSubConnectionString="Endpoint=...;AccessKey=...;Version=1.0;" npx tsx samples/mqtt/sensor.ts [hub]
import mqtt from "mqtt";
import { WebPubSubServiceClient } from "webpubsub";
import WebSocket from "ws";

const connectionString = process.env["WebPubSubConnectionString"];
if (!connectionString) throw new Error("Set WebPubSubConnectionString (try `npx webpubsub emulator`).");
const hub = process.argv[2] ?? "sensors";
const service = new WebPubSubServiceClient(connectionString, hub);

// MQTT clients have no permissions by default: the token grants them (howto-connect-mqtt-websocket-client).
const device = await service.getClientAccessToken({
  clientProtocol: "mqtt",
  userId: "thermometer-1",
  roles: ["webpubsub.sendToGroup.readings", "webpubsub.joinLeaveGroup.commands"],
});
// The client ID is the connection id: 1-128 characters of 0-9, a-z, A-Z.
const sensor = await mqtt.connectAsync(device.url, {
  protocolVersion: 5,
  clientId: "thermometer1",
  reconnectPeriod: 0,
});
await sensor.subscribeAsync("commands", { qos: 1 });
const command = new Promise<string>((resolve) =>
  sensor.on("message", (topic, payload) => topic === "commands" && resolve(payload.toString())),
);

// The dashboard speaks json.webpubsub.azure.v1 (what @azure/web-pubsub-client speaks too).
const dashboard = new WebSocket(
  (await service.getClientAccessToken({ roles: ["webpubsub.joinLeaveGroup.readings"] })).url,
  "json.webpubsub.azure.v1",
);
const frames: Record<string, unknown>[] = [];
const nextFrame = (match: (f: Record<string, unknown>) => boolean) =>
  new Promise<Record<string, unknown>>((resolve) => {
    const check = () => {
      const i = frames.findIndex(match);
      if (i < 0) return void dashboard.once("message", check);
      resolve(frames.splice(i, 1)[0] as Record<string, unknown>);
    };
    check();
  });
dashboard.on("message", (data) => frames.push(JSON.parse((data as Buffer).toString()) as Record<string, unknown>));
await new Promise((resolve) => dashboard.once("open", resolve));
dashboard.send(JSON.stringify({ type: "joinGroup", group: "readings", ackId: 1 }));
await nextFrame((f) => f["type"] === "ack" && f["ackId"] === 1);
const reading = nextFrame((f) => f["type"] === "message" && f["group"] === "readings");

// MQTT 5's content type becomes the Web PubSub data type (reference-mqtt-cross-protocol-communication).
await sensor.publishAsync("readings", JSON.stringify({ celsius: 21.5 }), {
  qos: 1,
  properties: { contentType: "application/json" },
});
const message = await reading;
console.log(`dashboard received (${String(message["dataType"])}):`, JSON.stringify(message["data"]));

await service.group("commands").sendToAll("calibrate", { contentType: "text/plain" });
console.log("sensor received command:", await command);

dashboard.close();
await sensor.endAsync();
await service.close();
