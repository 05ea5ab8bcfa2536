// Rehearse a network drop with MQTT.js: the socket is cut without a close frame; MQTT.js reconnects with the
// same client id and clean: false, gets its persistent session back (CONNACK sessionPresent) within the
// session expiry, and receives the QoS 1 message sent while it was away. Copy it into your own test suite.
//
// Run from a fresh clone: npm ci && npm run build, then: npx tsx samples/faults/mqtt-session.ts
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import mqtt from "mqtt";
import { WebPubSubServiceClient } from "webpubsub";
import { startEmulator } from "webpubsub/emulator";

await using emulator = await startEmulator({ port: 0, mqttSessionExpiryMs: 30_000 });
const service = new WebPubSubServiceClient(emulator.connectionString, "sensors");
const { url } = await service.getClientAccessToken({
  clientProtocol: "mqtt",
  roles: ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"],
});

// MQTT 5: clean: false and a Session Expiry Interval (seconds) ask the service to keep the session after a drop.
const client = mqtt.connect(url, {
  protocolVersion: 5,
  clientId: "sensor1",
  clean: false,
  properties: { sessionExpiryInterval: 20 },
  reconnectPeriod: 300,
});
const connacks: boolean[] = [];
const received: string[] = [];
client.on("connect", (connack) => connacks.push(connack.sessionPresent));
client.on("message", (_topic, payload) => received.push(payload.toString()));
await new Promise((resolve) => client.once("connect", resolve));
await client.subscribeAsync("alerts", { qos: 1 });

// Cut the socket. While MQTT.js is away, a message is published to its topic (a group) over REST.
using _offline = emulator.faults.add({ kind: "refuse", protocol: "mqtt", durationMs: 1000 });
emulator.faults.add({ kind: "drop", protocol: "mqtt" });
await sleep(100);
await service.group("alerts").sendToAll("temperature high", { contentType: "text/plain" });

for (let waited = 0; received.length === 0 && waited < 10_000; waited += 100) await sleep(100);
assert.deepEqual(received, ["temperature high"]);
assert.equal(connacks.length, 2, "MQTT.js reconnected once");
assert.equal(connacks[1], true, "the broker kept the session (sessionPresent)");
console.log("ok: MQTT.js reconnected, its session was present, and it received what was sent while away");

await client.endAsync();
await service.close();
