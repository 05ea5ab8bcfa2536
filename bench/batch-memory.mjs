// 6. Batch memory: sendMany of 100k small messages (quick: 20k) from a generator, concurrency 64, to the
// separate bench server; peak RSS over baseline (sampled every 100 ms) and messages/s. Runs in a fresh
// child process so the numbers are not polluted by the other benchmarks.
import { fmt, fmtBytes, median, startBenchServer, startChild, table } from "./util.mjs";

export const name = "batch-memory";
export const title = "sendMany batch memory (generator source, concurrency 64)";

export async function run({ quick, log }) {
  const total = quick ? 20_000 : 100_000;
  const rounds = quick ? 1 : 3;
  const server = await startBenchServer();
  const all = { sendMany: [], loop: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      for (const mode of ["sendMany", "loop"]) {
        const results = all[mode];
        const child = await startChild("batch-memory-proc.mjs", [String(server.port), String(total), mode], {
          nodeArgs: ["--expose-gc"],
        });
        const res = child.info;
        await child.close();
        if (res.failed) throw new Error(`${res.failed} of ${total} sends failed`);
        log(
          `  round ${r + 1} ${mode}: ${fmt(res.rate)} msg/s, peak RSS +${fmtBytes(res.peakRss - res.baselineRss)} ` +
            `(baseline ${fmtBytes(res.baselineRss)}, peak ${fmtBytes(res.peakRss)}), peak heap +${fmtBytes(res.peakHeap - res.baselineHeap)}, ${fmt(res.cpuPerMsg, 1)} CPU µs/msg`,
        );
        results.push(res);
      }
    }
  } finally {
    await server.close();
  }
  const row = (label, results) => {
    const med = (f) => median(results.map(f));
    return [
      label,
      fmt(total),
      fmt(med((x) => x.rate)),
      fmtBytes(med((x) => x.baselineRss)),
      fmtBytes(med((x) => x.peakRss)),
      fmtBytes(med((x) => x.peakRss - x.baselineRss)),
      fmtBytes(med((x) => x.peakHeap - x.baselineHeap)),
      fmt(
        med((x) => x.cpuPerMsg),
        1,
      ),
      fmt(
        med((x) => x.ms / 1000),
        2,
      ),
    ];
  };
  const rows = [row("sendMany(generator)", all.sendMany), row("reference: 64 workers × client.sendToAll", all.loop)];
  const rate = (m) => median(all[m].map((x) => x.rate));
  log(`  sendMany / plain loop throughput: ${fmt(rate("sendMany") / rate("loop"), 2)}×`);
  return {
    tables: [
      {
        title: `sendMany (median of ${rounds} fresh process${rounds > 1 ? "es" : ""})`,
        markdown: table(
          [
            "method",
            "messages",
            "messages/s",
            "baseline RSS",
            "peak RSS",
            "peak RSS − baseline",
            "peak heapUsed − baseline",
            "CPU µs/msg",
            "elapsed s",
          ],
          rows,
        ),
      },
    ],
    notes: [
      `sendMany / plain-loop throughput: ${fmt(rate("sendMany") / rate("loop"), 2)}× (the plain loop has no per-item results, retries-at-batch-level or progress).`,
      "Baseline is taken after importing, constructing the client, one warm-up send and a forced GC; RSS and heapUsed are sampled every 100 ms (plus once at the end).",
    ],
  };
}
