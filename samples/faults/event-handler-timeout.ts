// Rehearse a slow event handler: the emulator is told to time out the `message` event of an Express app
// (webpubsub/express). As the service documents (reference-cloud-events: a user event that does not succeed
// drops the connection), the client's sendEvent is acked with a `Timeout` error, the connection is dropped,
// and the app's handler receives the `disconnected` event. Copy it into your own test suite.
//
// Run from a fresh clone: npm ci && npm run build, then: npx tsx samples/faults/event-handler-timeout.ts
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { SendMessageError, WebPubSubClient } from "@azure/web-pubsub-client";
import express from "express";
import { WebPubSubServiceClient, parseConnectionString } from "webpubsub";
import { startEmulator } from "webpubsub/emulator";
import { WebPubSubEventHandler } from "webpubsub/express";

const hub = "support";
await using emulator = await startEmulator({ port: 0 });

// The app: an Express event handler that answers every message.
const disconnects: { connectionId: string; reason: string | undefined }[] = [];
const handler = new WebPubSubEventHandler(hub, {
  path: "/eventhandler/",
  accessKeys: [parseConnectionString(emulator.connectionString).accessKey],
  handleUserEvent: (_request, response) => response.success("thanks", "text"),
  onDisconnected: ({ context, reason }) => void disconnects.push({ connectionId: context.connectionId, reason }),
});
const app = express();
app.use(handler.getMiddleware());
const server = app.listen(0, "127.0.0.1");
await new Promise((resolve) => server.once("listening", resolve));
emulator.setHub(hub, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/eventhandler/` });

const service = new WebPubSubServiceClient(emulator.connectionString, hub);
const client = new WebPubSubClient(
  { getClientAccessUrl: async () => (await service.getClientAccessToken({ userId: "erin" })).url },
  // No message retries: the client would otherwise resend on the dropped connection and report that instead.
  {
    autoReconnect: false,
    messageRetryOptions: { maxRetries: 0 },
    // Short keep-alive timers suit tests: the client's keep-alive tasks sleep a full interval after stop() (its
    // timeout monitor a third of keepAliveTimeoutInMs), which would hold the process open for 40 s by default.
    keepAliveIntervalInMs: 1000,
    keepAliveTimeoutInMs: 3000,
  },
);
const clientDisconnects: (string | undefined)[] = [];
client.on("disconnected", (e) => clientDisconnects.push(e.message?.message));
const { connectionId } = await new Promise<{ connectionId: string }>((resolve) => {
  client.on("connected", resolve);
  void client.start();
});

// Healthy first: the handler's reply comes back.
await client.sendEvent("message", "hello", "text");

// Now every `message` event times out after 500 ms.
using _slow = emulator.faults.add({ kind: "eventHandler", hub, event: "message", timeout: true, timeoutAfterMs: 500 });
const error = await client.sendEvent("message", "are you there?", "text").catch((e: unknown) => e);
assert.ok(error instanceof SendMessageError, `expected a SendMessageError, got ${String(error)}`);
assert.equal(error.errorDetail?.name, "Timeout");
console.log(`ok: the client's sendEvent failed with ${error.errorDetail?.name}: ${error.errorDetail?.message}`);

for (let waited = 0; disconnects.length === 0 && waited < 10_000; waited += 100)
  await new Promise((r) => setTimeout(r, 100));
assert.equal(disconnects[0]?.connectionId, connectionId);
console.log(`ok: the Express handler received disconnected (${disconnects[0]?.reason})`);
for (let waited = 0; clientDisconnects.length === 0 && waited < 10_000; waited += 100)
  await new Promise((r) => setTimeout(r, 100));
assert.equal(clientDisconnects.length, 1);
console.log("ok: the client saw its connection dropped");

client.stop();
await service.close();
server.closeAllConnections();
await new Promise((resolve) => server.close(resolve));
