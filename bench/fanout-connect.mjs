// Connect rate and memory per connection: N `ws` clients connect to a bare `ws` server, to the emulator, and to
// the emulator with its live view open (the page's event feed and state poll running). Rounds alternate the
// order of the three, so each sees the same machine load; each figure is the median over the rounds.
import { connectAll, openLiveView } from "./ws-clients.mjs";
import { HUB, fmt, fmtBytes, median, ratio, sleep, startChild } from "./util.mjs";

const warmUp = 200;

async function oneRound({ target, n, emulatorUrl }) {
  const child =
    target === "floor"
      ? await startChild("ws-floor-proc.mjs")
      : await startChild("emulator-proc.mjs", [], { env: { BENCH_UI: target === "liveview" ? "1" : "0" } });
  let page;
  try {
    const url = target === "floor" ? `ws://127.0.0.1:${child.info.port}/client/hubs/${HUB}` : await emulatorUrl(child);
    if (target === "liveview") page = await openLiveView(child.info.liveViewUrl, n);
    // Warm-up: the first connections compile each server's code paths; the rate asked for is the steady one.
    const warm = await connectAll(url, warmUp);
    for (const ws of warm.sockets) ws.terminate();
    await sleep(300);
    const rssBefore = await child.rss();
    const cpuBefore = (await child.ask("cpu")).cpuUs;
    const { sockets, connectMs } = await connectAll(url, n);
    const cpuUs = (await child.ask("cpu")).cpuUs - cpuBefore;
    await sleep(500);
    const rssConnected = await child.rss();
    for (const ws of sockets) ws.terminate();
    const seen = await page?.close();
    page = undefined;
    return {
      connPerSec: (n * 1000) / connectMs,
      cpuPerConnUs: cpuUs / n,
      rssBefore,
      rssConnected,
      perConn: (rssConnected - rssBefore) / n,
      events: seen?.events ?? 0,
    };
  } finally {
    await page?.close();
    await child.close();
  }
}

const targets = ["floor", "emulator", "liveview"];

/** Rounds of the three targets in rotating order; the medians of each. */
export async function measureConnects({ n, rounds, log, emulatorUrl }) {
  const results = { floor: [], emulator: [], liveview: [] };
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(i + r) % targets.length];
      const res = await oneRound({ target, n, emulatorUrl });
      results[target].push(res);
      log(
        `  connect ${target} N=${fmt(n)} round ${r + 1}: ${fmt(res.connPerSec)} conn/s, server CPU ${fmt(res.cpuPerConnUs, 1)} µs/connect, ` +
          `RSS ${fmtBytes(res.rssBefore)} → ${fmtBytes(res.rssConnected)} (${fmtBytes(res.perConn)} per connection)` +
          (target === "liveview" ? `, page got ${res.events} events` : ""),
      );
    }
  }
  const summary = {};
  for (const t of targets) {
    const rs = results[t];
    summary[t] = {
      connPerSec: median(rs.map((x) => x.connPerSec)),
      cpuPerConnUs: median(rs.map((x) => x.cpuPerConnUs)),
      perConn: median(rs.map((x) => x.perConn)),
      rssConnected: median(rs.map((x) => x.rssConnected)),
    };
  }
  return summary;
}

export const connectHeaders = [
  "clients",
  "bare ws connect/s",
  "emulator connect/s",
  "emulator + live view connect/s",
  "bare ws / emulator (connect rate)",
  "bare ws / emulator + live view (connect rate)",
  "server CPU µs per connect: bare ws / emulator / + live view",
  "bare ws RSS per connection",
  "emulator RSS per connection",
  "emulator + live view RSS per connection",
  "emulator / bare ws (RSS per connection)",
  "emulator + live view / bare ws (RSS per connection)",
];

export function connectRow(n, { floor, emulator, liveview }) {
  return [
    fmt(n),
    fmt(floor.connPerSec),
    fmt(emulator.connPerSec),
    fmt(liveview.connPerSec),
    ratio(floor.connPerSec, emulator.connPerSec),
    ratio(floor.connPerSec, liveview.connPerSec),
    `${fmt(floor.cpuPerConnUs)} / ${fmt(emulator.cpuPerConnUs)} / ${fmt(liveview.cpuPerConnUs)}`,
    fmtBytes(floor.perConn),
    fmtBytes(emulator.perConn),
    fmtBytes(liveview.perConn),
    ratio(emulator.perConn, floor.perConn),
    ratio(liveview.perConn, floor.perConn),
  ];
}
