// Child process for the batch-memory benchmark: sendMany of N small messages from a generator
// (concurrency 64) to the bench server at argv[2]; samples RSS every 100 ms; prints one JSON line.
import { connectionStringFor, HUB, importWebpubsub, sleep } from "./util.mjs";

const port = Number(process.argv[2]);
const total = Number(process.argv[3]);
const mode = process.argv[4] ?? "sendMany"; // "loop": 64 plain workers calling sendToAll, for reference
const { WebPubSubServiceClient, sendMany } = await importWebpubsub();
const client = new WebPubSubServiceClient(connectionStringFor(port), HUB);
await client.sendToAll({ warm: true }); // first request compiles the HTTP parser etc.: not the batch's cost
globalThis.gc?.();
await sleep(200);
const baseline = process.memoryUsage();
let peakRss = baseline.rss;
let peakHeap = baseline.heapUsed;
let samples = 0;
const timer = setInterval(() => {
  const m = process.memoryUsage();
  samples++;
  if (m.rss > peakRss) peakRss = m.rss;
  if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
}, 100);

function* messages() {
  for (let i = 0; i < total; i++) yield { message: { i, type: "batch", text: "hello from sendMany" } };
}
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let result;
if (mode === "loop") {
  const it = messages();
  let succeeded = 0;
  const worker = async () => {
    for (let n = it.next(); !n.done; n = it.next()) {
      await client.sendToAll(n.value.message);
      succeeded++;
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  result = { succeeded, failed: 0 };
} else {
  result = await sendMany(client, messages(), { concurrency: 64 });
}
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
clearInterval(timer);
const end = process.memoryUsage();
peakRss = Math.max(peakRss, end.rss);
peakHeap = Math.max(peakHeap, end.heapUsed);
await client.close();
console.log(
  JSON.stringify({
    mode,
    total,
    succeeded: result.succeeded,
    failed: result.failed,
    ms,
    rate: (result.succeeded * 1000) / ms,
    cpuPerMsg: (cpu.user + cpu.system) / total,
    baselineRss: baseline.rss,
    peakRss,
    endRss: end.rss,
    baselineHeap: baseline.heapUsed,
    peakHeap,
    samples,
  }),
);
process.exit(0);
