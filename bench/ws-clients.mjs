// What the emulator benchmarks drive: `ws` clients opened in batches, each counting the round a fan-out message
// carries, and the live view opened the way its page opens it.
import WebSocket from "ws";
import { sleep } from "./util.mjs";

export const BATCH = 500;

export async function connectAll(url, n, subprotocol) {
  const sockets = [];
  const state = { round: -1, received: 0, target: n, done: null };
  const t0 = performance.now();
  for (let i = 0; i < n; i += BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + BATCH); j++) {
      const ws = subprotocol === undefined ? new WebSocket(url) : new WebSocket(url, subprotocol);
      sockets.push(ws);
      ws.on("message", (data) => {
        // count only this round's message (JSON text inline: simple and json frames, protobuf json_data bytes)
        if (data.toString().includes(`"round":${state.round},`)) {
          if (++state.received === state.target) state.done?.();
        }
      });
      batch.push(
        new Promise((resolve, reject) => {
          ws.once("open", resolve);
          ws.once("error", reject);
          ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode} on upgrade`)));
        }),
      );
    }
    await withinMinute(Promise.all(batch), () => {
      const open = sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length;
      return `only ${open} of ${sockets.length} clients opened within 60 s (${url.replace(/\?.*$/s, "")})`;
    });
  }
  const connectMs = performance.now() - t0;
  return { sockets, state, connectMs };
}

/** A hang (a client neither opened nor refused) fails the benchmark with counts instead of stalling it. */
async function withinMinute(promise, describe) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(describe())), 60_000);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

let nextRound = 0;

/** Sends `rounds` messages one after another; each time is send → the last client has it. */
export async function sendRounds({ label, sender, state, n, rounds, warmUp }) {
  const times = [];
  for (let r = 0; r < rounds + (warmUp ? 1 : 0); r++) {
    const round = nextRound++;
    state.round = round;
    state.received = 0;
    const all = new Promise((resolve, reject) => {
      state.done = resolve;
      setTimeout(
        () => reject(new Error(`${label}: only ${state.received}/${n} clients got round ${round} within 60 s`)),
        60_000,
      ).unref();
    });
    const msg = { round, text: "fan-out benchmark message", at: Date.now() };
    const t0 = performance.now();
    await sender.send(msg);
    await all;
    const ms = performance.now() - t0;
    if (!warmUp || r > 0) times.push(ms); // the first round is a warm-up
    await sleep(100);
  }
  return times;
}

/**
 * Opens the live view as its page does: the event feed (Server-Sent Events, read as fast as they come)
 * and its state poll (every 3 s, or 1 ms per connection when there are more: 10 s at 10k, as the page
 * does). Returns how many events arrived and a function that closes it.
 */
export async function openLiveView(url, connections) {
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
  const timer = setInterval(poll, Math.min(30_000, Math.max(3000, connections)));
  return {
    stats,
    async close() {
      clearInterval(timer);
      controller.abort();
      await reading;
    },
  };
}
