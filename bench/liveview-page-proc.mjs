// The live view page for the emulator benchmarks, in its own process as a browser tab would be (so reading the
// feed does not slow the bench process that opens the WebSocket clients). Opens the event feed (Server-Sent
// Events, read as fast as they come) and the state poll (every 3 s, or 1 ms per connection when there are more:
// 10 s at 10k, as the page does). Args: <live view URL> <connections>. Prints {} once the feed is open; a
// stdin line "close" closes it and prints {"events","bytes","polls"}.
import { createInterface } from "node:readline";

const [url, connections] = process.argv.slice(2);
const base = new URL(url);
const auth = { authorization: `Bearer ${base.searchParams.get("token")}` };
const controller = new AbortController();
const stats = { events: 0, bytes: 0, polls: 0 };
const response = await fetch(new URL("/ui/api/events", base), { headers: auth, signal: controller.signal });
if (response.status !== 200) throw new Error(`live view feed answered ${response.status}`);
const reading = (async () => {
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body) {
      const text = decoder.decode(chunk, { stream: true });
      stats.bytes += chunk.length;
      stats.events += (text.match(/"kind":/g) ?? []).length;
    }
  } catch {
    // aborted when the page closes
  }
})();
const poll = async () => {
  const r = await fetch(new URL("/ui/api/state?hub=&filter=", base), {
    headers: auth,
    signal: controller.signal,
  }).catch(() => undefined);
  if (r) {
    await r.arrayBuffer().catch(() => {});
    stats.polls++;
  }
};
await poll();
const timer = setInterval(poll, Math.min(30_000, Math.max(3000, Number(connections))));
console.log("{}");
createInterface({ input: process.stdin }).on("line", async (line) => {
  if (line.trim() !== "close") return;
  clearInterval(timer);
  controller.abort();
  await reading;
  console.log(JSON.stringify(stats));
  process.exit(0);
});
