// Rehearse an outage window: for 2 s every new WebSocket connection is refused (503). A client whose
// connection ends meanwhile keeps retrying (@azure/web-pubsub-client's autoReconnect) and gets back in once
// the window ends. Copy it into your own test suite.
//
// Run from a fresh clone: npm ci && npm run build, then: npx tsx samples/faults/refused-window.ts
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { WebPubSubClient } from "@azure/web-pubsub-client";
import { WebPubSubServiceClient } from "webpubsub";
import { startEmulator, type EmulatorEvent } from "webpubsub/emulator";

await using emulator = await startEmulator({ port: 0 });
const injected: EmulatorEvent[] = [];
emulator.watch((event) => {
  if (event.kind === "fault") injected.push(event);
});
const service = new WebPubSubServiceClient(emulator.connectionString, "lobby");
const client = new WebPubSubClient(
  { getClientAccessUrl: async () => (await service.getClientAccessToken({ userId: "bob" })).url },
  {
    autoReconnect: true,
    reconnectRetryOptions: { maxRetries: 100, retryDelayInMs: 250, mode: "Fixed" },
    // Short keep-alive timers suit tests: the client's keep-alive tasks sleep a full interval after stop() (its
    // timeout monitor a third of keepAliveTimeoutInMs), which would hold the process open for 40 s by default.
    keepAliveIntervalInMs: 1000,
    keepAliveTimeoutInMs: 3000,
  },
);
const connectedAt: number[] = [];
client.on("connected", () => connectedAt.push(Date.now()));
await client.start();

const outage = emulator.faults.add({ kind: "refuse", hub: "lobby", durationMs: 2000 });
const outageEnds = Date.now() + 2000;
// The service ends the connection for good (1008), so the client must make a new one: refused until the end.
emulator.faults.add({ kind: "drop", hub: "lobby", closeCode: 1008 });
for (let waited = 0; connectedAt.length < 2 && waited < 15_000; waited += 100) await sleep(100);
assert.equal(connectedAt.length, 2, "autoReconnect got back in");
assert.ok((connectedAt[1] as number) >= outageEnds - 50, "not before the window ended");
assert.ok(outage.hits >= 1, "at least one attempt was refused");
console.log(
  `ok: ${outage.hits} attempts refused, reconnected ${(connectedAt[1] as number) - outageEnds} ms after the window`,
);
console.log(`ok: the feed shows ${injected.length} injected faults`);

client.stop();
await service.close();
