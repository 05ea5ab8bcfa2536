// Rehearse REST throttling and an outage with the emulator's faults: our WebPubSubServiceClient waits out a
// 429's Retry-After and succeeds; when the service never answers it fails with a TimeoutError at its deadline;
// sendMany pauses the whole batch for a throttle and resumes. Copy a block into your own test suite.
//
// Run from a fresh clone: npm ci && npm run build, then: npx tsx samples/faults/throttled-rest.ts
import assert from "node:assert/strict";
import { sendMany, TimeoutError, WebPubSubServiceClient } from "webpubsub";
import { startEmulator } from "webpubsub/emulator";

await using emulator = await startEmulator({ port: 0 });
const service = new WebPubSubServiceClient(emulator.connectionString, "orders");

// 1. Throttled: the next two sends answer 429 with Retry-After: 1. The client waits 1 s each time, then succeeds.
{
  using throttle = emulator.faults.add({
    kind: "rest",
    operation: "sendToAll",
    status: 429,
    retryAfterSeconds: 1,
    count: 2,
  });
  const started = Date.now();
  await service.sendToAll({ order: 1 });
  assert.equal(throttle.hits, 2);
  assert.ok(Date.now() - started >= 1900, "the client waited out both Retry-After headers");
  console.log(`ok: sendToAll succeeded after ${throttle.hits} throttles (${Date.now() - started} ms)`);
}

// 2. Outage: calls are never answered. The call fails with a TimeoutError at its deadline, not later.
{
  using _outage = emulator.faults.add({ kind: "rest", hang: true, durationMs: 10_000 });
  const impatient = new WebPubSubServiceClient(emulator.connectionString, "orders", {
    timeoutInMs: 500,
    totalTimeoutInMs: 2000,
  });
  const started = Date.now();
  const error = await impatient.sendToUser("alice", { order: 2 }).catch((e: unknown) => e);
  assert.ok(error instanceof TimeoutError, `expected a TimeoutError, got ${String(error)}`);
  assert.ok(Date.now() - started < 10_000);
  console.log(`ok: the outage surfaced as ${error.name} after ${Date.now() - started} ms`);
  await impatient.close();
}

// 3. sendMany: a throttle pauses the batch (no item hammers the service on its own), then it resumes.
{
  using _throttle = emulator.faults.add({
    kind: "rest",
    operation: "sendToUser",
    status: 429,
    retryAfterSeconds: 1,
    count: 3,
  });
  const items = Array.from({ length: 50 }, (_, i) => ({ userId: `user${i}`, message: { order: i } }));
  const result = await sendMany(service, items, { concurrency: 8 });
  assert.equal(result.succeeded, 50);
  assert.equal(result.failed, 0);
  assert.ok(result.throttledMs >= 900, "the batch paused for the Retry-After");
  console.log(
    `ok: sendMany sent ${result.succeeded} items, paused ${Math.round(result.throttledMs)} ms for throttling`,
  );
}

await service.close();
