// Child process for the fan-out benchmark: starts the emulator (dist/emulator.js) on port 0 and prints
// {"connectionString","port","liveViewUrl"}; a stdin line "rss" prints {"rss"}, "cpu" prints {"cpuUs"}. BENCH_UI=1 turns the live view on.
import { createInterface } from "node:readline";
import { importEmulator } from "./util.mjs";

const { startEmulator } = await importEmulator();
// recordMessages off, as the emulator's docs advise for load tests.
const emulator = await startEmulator({
  port: 0,
  recordMessages: process.env.BENCH_RECORD === "1",
  ui: process.env.BENCH_UI === "1",
});
console.log(
  JSON.stringify({
    connectionString: emulator.connectionString,
    port: emulator.port,
    liveViewUrl: emulator.liveViewUrl,
  }),
);
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "rss") console.log(JSON.stringify({ rss: process.memoryUsage().rss }));
  if (line.trim() === "cpu") {
    const { user, system } = process.cpuUsage();
    console.log(JSON.stringify({ cpuUs: user + system }));
  }
});
const stop = () => emulator.close().finally(() => process.exit(0));
process.stdin.on("end", stop);
process.on("SIGTERM", stop);
