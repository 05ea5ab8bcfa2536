// What the emulator benchmarks drive: `ws` clients opened in batches, each counting the round a fan-out message
// carries, and the live view opened the way its page opens it.
import WebSocket from "ws";
import { sleep, startChild } from "./util.mjs";

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
 * Opens the live view as its page does, from its own process (bench/liveview-page-proc.mjs), as a browser
 * tab would. `close()` closes it and resolves to how many events, bytes and state polls it received.
 */
export async function openLiveView(url, connections) {
  const page = await startChild("liveview-page-proc.mjs", [url, String(connections)]);
  return {
    async close() {
      const stats = await page.ask("close");
      await page.close();
      return stats;
    },
  };
}
