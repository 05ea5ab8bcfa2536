// A batch job: notify many users, with bounded concurrency, progress and a summary of failures.
// From a fresh clone, first: npm ci && npm run build (samples import the built "webpubsub" package).
// Run: WebPubSubConnectionString="..." npx tsx samples/batch/notify.ts [count]
// (without a connection string it starts the embedded emulator, so it runs anywhere)
import { fileURLToPath } from "node:url";
import { WebPubSubServiceClient, sendMany, type BatchMessage } from "webpubsub";
import { startEmulator } from "webpubsub/emulator";

/** Generates one notification per user lazily, so a million users never sit in memory at once. */
function* notifications(count: number): Generator<BatchMessage> {
  for (let i = 0; i < count; i++) {
    yield { userId: `user-${i}`, message: { kind: "digest", items: i % 7 } };
  }
}

export async function runBatch(
  connectionString: string,
  count: number,
  log: (line: string) => void = console.log,
): Promise<{ succeeded: number; failed: number }> {
  const client = new WebPubSubServiceClient(connectionString, "notifications");
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  process.once("SIGINT", onInterrupt);
  try {
    const result = await sendMany(client, notifications(count), {
      concurrency: 32,
      abortSignal: controller.signal,
      progressIntervalInMs: 500,
      onProgress: (p) =>
        log(`progress: ${p.succeeded + p.failed}/${count} done, ${p.failed} failed, ${p.throttledMs} ms throttled`),
    });
    for (const failure of result.failures.slice(0, 10))
      log(`failed: ${JSON.stringify(failure.item)}: ${(failure.error as Error).message}`);
    log(`done: ${result.succeeded} sent, ${result.failed} failed in ${result.elapsedMs} ms`);
    return { succeeded: result.succeeded, failed: result.failed };
  } finally {
    process.removeListener("SIGINT", onInterrupt);
    await client.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const count = Number(process.argv[2] ?? 10_000);
  const emulator = process.env["WebPubSubConnectionString"]
    ? undefined
    : await startEmulator({ port: 0, recordMessages: false });
  const { failed } = await runBatch(
    process.env["WebPubSubConnectionString"] || (emulator?.connectionString as string),
    count,
  );
  await emulator?.close();
  process.exitCode = failed === 0 ? 0 : 1;
}
