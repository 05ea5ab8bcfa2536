// Rehearse network drops with Microsoft's @azure/web-pubsub-client (json.reliable, its default protocol):
// abrupt drops (no close frame) are recovered on the same connection without losing or duplicating a message;
// a 1008 close makes the client start a new connection. Copy a block into your own test suite.
//
// Run from a fresh clone: npm ci && npm run build, then: npx tsx samples/faults/reliable-client-drops.ts
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { WebPubSubClient } from "@azure/web-pubsub-client";
import { WebPubSubServiceClient } from "webpubsub";
import { startEmulator } from "webpubsub/emulator";

await using emulator = await startEmulator({ port: 0 });
const service = new WebPubSubServiceClient(emulator.connectionString, "feed");
const client = new WebPubSubClient(
  { getClientAccessUrl: async () => (await service.getClientAccessToken({ userId: "alice" })).url },
  {
    reconnectRetryOptions: { retryDelayInMs: 200, mode: "Fixed" },
    // Short keep-alive timers suit tests: the client's keep-alive tasks sleep a full interval after stop() (its
    // timeout monitor a third of keepAliveTimeoutInMs), which would hold the process open for 40 s by default.
    keepAliveIntervalInMs: 1000,
    keepAliveTimeoutInMs: 3000,
  },
);
const connections: string[] = [];
const received: number[] = [];
client.on("connected", (e) => connections.push(e.connectionId));
client.on("server-message", (e) => received.push((e.message.data as { n: number }).n));
await client.start();

// 1. The network drops every 300 ms while 50 messages are sent: each arrives once, in order.
const drops = emulator.faults.add({ kind: "drop", hub: "feed", everyMs: 300 });
for (let n = 0; n < 50; n++) {
  await service.sendToUser("alice", { n });
  await sleep(20);
}
drops.remove();
for (let waited = 0; received.length < 50 && waited < 15_000; waited += 100) await sleep(100);
assert.deepEqual(
  received,
  Array.from({ length: 50 }, (_, n) => n),
);
assert.equal(connections.length, 1, "recovered the same connection every time");
console.log(`ok: ${drops.hits} abrupt drops, 50 messages received once each, in order, on one connection`);

// 2. The service closes with 1008 (policy): the connection cannot be recovered, the client starts a new one.
emulator.faults.add({ kind: "drop", hub: "feed", closeCode: 1008 });
for (let waited = 0; connections.length < 2 && waited < 10_000; waited += 100) await sleep(100);
assert.equal(connections.length, 2);
assert.notEqual(connections[1], connections[0]);
console.log(`ok: after a 1008 close the client connected again as ${connections[1]}`);

client.stop();
await service.close();
