// 5. Emulator fan-out: N `ws` clients on the emulator (child process), time one sendToAll until the last
// client has it; floor: a bare `ws` server in a child process broadcasting on HTTP POST.
import os from "node:os";
import { Pool } from "undici";
import WebSocket from "ws";
import { HUB, fmt, fmtBytes, importWebpubsub, median, ratio, sleep, startChild, table } from "./util.mjs";

export const name = "fanout";
export const title = "Emulator fan-out (one sendToAll to N WebSocket clients)";

const BATCH = 500;
const JSON_PROTOCOL = "json.webpubsub.azure.v1";
const PROTOBUF = "protobuf.webpubsub.azure.v1";

async function connectAll(url, n, subprotocol) {
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
    await Promise.all(batch);
  }
  const connectMs = performance.now() - t0;
  return { sockets, state, connectMs };
}

async function measureTarget({ label, proc, makeUrl, makeSend, n, rounds, log, subprotocol }) {
  const child = await proc();
  const sender = await makeSend(child);
  try {
    const rssBefore = await child.rss();
    const { sockets, state, connectMs } = await connectAll(await makeUrl(child), n, subprotocol);
    await sleep(300);
    const rssConnected = await child.rss();
    // The server's own CPU time per send (emulator children only): steadier than wall time on a busy machine.
    const cpu = async () => (subprotocol === undefined ? 0 : (await child.ask("cpu")).cpuUs);
    const c0 = await cpu();
    const times = await sendRounds({ label, sender, state, n, rounds, warmUp: true });
    const cpuMs = ((await cpu()) - c0) / 1000 / (rounds + 1);
    const rssAfter = await child.rss();
    const res = {
      n,
      connectMs,
      connPerSec: (n * 1000) / connectMs,
      ms: median(times),
      times,
      rssBefore,
      rssConnected,
      rssAfter,
      perConn: (rssConnected - rssBefore) / n,
      cpuMs,
    };
    log(
      `  ${label} N=${fmt(n)}: fan-out ${fmt(res.ms, 1)} ms (rounds ${times.map((t) => t.toFixed(0)).join("/")}), ` +
        `connect ${fmt(res.connPerSec)} conn/s, RSS ${fmtBytes(rssBefore)} → ${fmtBytes(rssConnected)} → ${fmtBytes(rssAfter)}`,
    );
    for (const ws of sockets) ws.terminate();
    return res;
  } finally {
    await sender.close();
    await child.close();
  }
}

let nextRound = 0;
/** Sends `rounds` messages one after another; each time is send → the last client has it. */
async function sendRounds({ label, sender, state, n, rounds, warmUp }) {
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
async function openLiveView(url, connections) {
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

/**
 * One emulator (live view enabled), N clients: fan-out with the page closed and open, alternating
 * `cycles` times so both see the same machine load (the machine is shared; load drifts).
 */
async function measureLiveView({ n, rounds, cycles, log, makeSend, makeUrl }) {
  const child = await startChild("emulator-proc.mjs", [], { env: { BENCH_UI: "1" } });
  const sender = await makeSend(child);
  try {
    const { sockets, state } = await connectAll(await makeUrl(child), n);
    await sleep(300);
    const label = "live view";
    await sendRounds({ label, sender, state, n, rounds: 1, warmUp: false });
    // Warm-up: the first fetch() in this process loads its HTTP stack; keep that out of the figures.
    const warm = await openLiveView(child.info.liveViewUrl, n);
    await sendRounds({ label, sender, state, n, rounds: 1, warmUp: false });
    await warm.close();
    const closed = [];
    const open = [];
    let events = 0;
    let polls = 0;
    let rssClosed = 0;
    let rssOpen = 0;
    // The emulator's own CPU time over each phase's rounds: far less sensitive to a busy machine than wall time.
    const cpu = async () => (await child.ask("cpu")).cpuUs;
    let cpuClosed = 0;
    let cpuOpen = 0;
    const closedPhase = async () => {
      const c0 = await cpu();
      closed.push(...(await sendRounds({ label, sender, state, n, rounds, warmUp: false })));
      cpuClosed += (await cpu()) - c0;
      rssClosed = Math.max(rssClosed, await child.rss());
    };
    const openPhase = async () => {
      const page = await openLiveView(child.info.liveViewUrl, n);
      await sleep(500);
      const c0 = await cpu();
      open.push(...(await sendRounds({ label, sender, state, n, rounds, warmUp: false })));
      cpuOpen += (await cpu()) - c0;
      rssOpen = Math.max(rssOpen, await child.rss());
      await sleep(200);
      events += page.stats.events;
      polls += page.stats.polls;
      await page.close();
      await sleep(500);
    };
    // Alternate which phase goes first, so neither always follows the other.
    for (let cycle = 0; cycle < cycles; cycle++) {
      if (cycle % 2 === 0) {
        await closedPhase();
        await openPhase();
      } else {
        await openPhase();
        await closedPhase();
      }
    }
    const res = {
      n,
      closedMs: median(closed),
      openMs: median(open),
      closed,
      open,
      events,
      polls,
      rssClosed,
      rssOpen,
      cpuClosedMs: cpuClosed / 1000 / closed.length,
      cpuOpenMs: cpuOpen / 1000 / open.length,
    };
    log(
      `  live view N=${fmt(n)}: fan-out closed ${fmt(res.closedMs, 1)} ms (${closed.map((t) => t.toFixed(0)).join("/")}), ` +
        `open ${fmt(res.openMs, 1)} ms (${open.map((t) => t.toFixed(0)).join("/")}), pages got ${events} events and ${polls} state polls, ` +
        `emulator CPU per send ${fmt(res.cpuClosedMs, 1)} ms closed / ${fmt(res.cpuOpenMs, 1)} ms open`,
    );
    for (const ws of sockets) ws.terminate();
    return res;
  } finally {
    await sender.close();
    await child.close();
  }
}

export async function run({ quick, log }) {
  const loadBefore = os.loadavg()[0];
  const { WebPubSubServiceClient } = await importWebpubsub();
  const sizes = quick ? [1000] : [1000, 10000];
  const rounds = quick ? 3 : 5;
  const emulatorTarget = {
    label: "emulator",
    proc: () => startChild("emulator-proc.mjs"),
    makeSend: async (child) => {
      const client = new WebPubSubServiceClient(child.info.connectionString, HUB);
      return { send: (msg) => client.sendToAll(msg), close: () => client.close() };
    },
    makeUrl: async (child) => {
      const client = new WebPubSubServiceClient(child.info.connectionString, HUB);
      const { url } = await client.getClientAccessToken();
      await client.close();
      return url;
    },
  };
  const floorTarget = {
    label: "bare ws floor",
    proc: () => startChild("ws-floor-proc.mjs"),
    makeSend: async (child) => {
      const pool = new Pool(`http://127.0.0.1:${child.info.port}`);
      return {
        send: async (msg) => {
          const r = await pool.request({
            method: "POST",
            path: "/",
            body: JSON.stringify(msg),
            headers: { "content-type": "application/json" },
          });
          await r.body.dump();
          if (r.statusCode !== 202) throw new Error(`floor status ${r.statusCode}`);
        },
        close: () => pool.close(),
      };
    },
    makeUrl: async (child) => `ws://127.0.0.1:${child.info.port}/client/hubs/${HUB}`,
  };

  const rows = [];
  const protocolRows = [];
  const memRows = [];
  const viewRows = [];
  for (const n of sizes) {
    const e = await measureTarget({ ...emulatorTarget, n, rounds, log });
    const f = await measureTarget({ ...floorTarget, n, rounds, log });
    // The same send to PubSub clients: json.webpubsub.azure.v1 and protobuf.webpubsub.azure.v1, back to back.
    const j = await measureTarget({
      ...emulatorTarget,
      label: "emulator json",
      subprotocol: JSON_PROTOCOL,
      n,
      rounds,
      log,
    });
    const p = await measureTarget({
      ...emulatorTarget,
      label: "emulator protobuf",
      subprotocol: PROTOBUF,
      n,
      rounds,
      log,
    });
    protocolRows.push([
      fmt(n),
      fmt(j.ms, 1),
      fmt(p.ms, 1),
      ratio(p.ms, j.ms),
      fmt(j.cpuMs, 1),
      fmt(p.cpuMs, 1),
      ratio(p.cpuMs, j.cpuMs),
      fmt(j.connPerSec),
      fmt(p.connPerSec),
      fmtBytes(j.perConn),
      fmtBytes(p.perConn),
    ]);
    const v = await measureLiveView({ ...emulatorTarget, n, rounds: quick ? 3 : 5, cycles: quick ? 2 : 4, log });
    viewRows.push([
      fmt(n),
      fmt(v.closedMs, 1),
      fmt(v.openMs, 1),
      ratio(v.openMs, v.closedMs),
      fmt(v.cpuClosedMs, 1),
      fmt(v.cpuOpenMs, 1),
      ratio(v.cpuOpenMs, v.cpuClosedMs),
      fmt(v.events),
      fmtBytes(v.rssClosed),
      fmtBytes(v.rssOpen),
    ]);
    rows.push([
      fmt(n),
      fmt(e.ms, 1),
      fmt(f.ms, 1),
      ratio(e.ms, f.ms),
      fmt(e.connPerSec),
      fmt(f.connPerSec),
      ratio(f.connPerSec, e.connPerSec),
    ]);
    memRows.push([
      fmt(n),
      fmtBytes(e.rssBefore),
      fmtBytes(e.rssConnected),
      fmtBytes(e.rssAfter),
      fmtBytes(e.perConn),
      fmtBytes(f.rssConnected),
      fmtBytes(f.perConn),
      ratio(e.rssConnected, f.rssConnected),
    ]);
  }
  return {
    tables: [
      {
        title: `Fan-out latency (send → last client received, median of ${rounds} sends after 1 warm-up) and connect rate`,
        markdown: table(
          [
            "clients",
            "emulator ms",
            "bare ws floor ms",
            "emulator / floor (time)",
            "emulator connect/s",
            "floor connect/s",
            "floor / emulator (connect rate)",
          ],
          rows,
        ),
      },
      {
        title: "Fan-out to PubSub clients by subprotocol (same sendToAll, same run)",
        markdown: table(
          [
            "clients",
            "json ms",
            "protobuf ms",
            "protobuf / json (time)",
            "json emulator CPU ms per send",
            "protobuf emulator CPU ms per send",
            "protobuf / json (CPU)",
            "json connect/s",
            "protobuf connect/s",
            "json RSS per connection",
            "protobuf RSS per connection",
          ],
          protocolRows,
        ),
      },
      {
        title: "Server process RSS",
        markdown: table(
          [
            "clients",
            "emulator idle",
            "emulator connected",
            "emulator after sends",
            "emulator per connection",
            "floor connected",
            "floor per connection",
            "emulator / floor (connected RSS)",
          ],
          memRows,
        ),
      },
      {
        title: "Fan-out with the live view open (same emulator and clients; page closed and open in alternation)",
        markdown: table(
          [
            "clients",
            "page closed ms (median)",
            "page open ms (median)",
            "open / closed (time)",
            "emulator CPU ms per send, closed",
            "emulator CPU ms per send, open",
            "open / closed (CPU)",
            "events the pages received",
            "RSS page closed",
            "RSS page open",
          ],
          viewRows,
        ),
      },
    ],
    notes: [
      `Machine load (1-minute load average) at the start and end of this section: ${loadBefore.toFixed(1)} and ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores; times from a busy machine vary by tens of percent between runs, so compare figures within one run.`,
      `Clients are \`ws\` sockets in the bench process (opened ${BATCH} at a time, all sharing one client-access URL); servers run in their own child process, started fresh per measurement.`,
      "By subprotocol: each client counts a round when the frame's bytes contain it (no decoding on the client side, as for simple clients): a json client gets a JSON envelope, a protobuf client a DataMessage with the JSON in json_data. The emulator encodes each message once per subprotocol.",
      "Emulator started with recordMessages: false. The emulator send is a webpubsub REST sendToAll; the floor send is an undici POST whose body the ws server broadcasts with ws.send() per client.",
      "Times include the REST round trip and the clients' own receive processing (same for both); the machine has 2 cores shared by clients and server.",
      `Live view: the emulator runs with ui: true; the page is opened the way the browser opens it (its event feed read as it arrives, and its state poll, which lists every connection: every 3 s, 10 s at 10k connections), from the bench process. The page is opened and closed ${quick ? 2 : 4} times (each opening replays the history); each median is over all rounds of its state.`,
    ],
  };
}
