// 5. Emulator fan-out: N `ws` clients on the emulator (child process), time one sendToAll until the last
// client has it; floor: a bare `ws` server in a child process broadcasting on HTTP POST.
import os from "node:os";
import { Pool } from "undici";
import { HUB, fmt, fmtBytes, importWebpubsub, median, ratio, sleep, startChild, table } from "./util.mjs";
import { BATCH, connectAll, sendRounds } from "./ws-clients.mjs";
import { measureLiveView } from "./fanout-liveview.mjs";
import { connectHeaders, connectRow, measureConnects } from "./fanout-connect.mjs";

export const name = "fanout";
export const title = "Emulator fan-out (one sendToAll to N WebSocket clients)";

const JSON_PROTOCOL = "json.webpubsub.azure.v1";
const PROTOBUF = "protobuf.webpubsub.azure.v1";

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
  const connectRows = [];
  const connectRounds = quick ? 2 : 9;
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
      `${fmtBytes(e.rssConnected)} → ${fmtBytes(e.rssAfter)}`,
    ]);
    const c = await measureConnects({ n, rounds: connectRounds, log, emulatorUrl: emulatorTarget.makeUrl });
    connectRows.push(connectRow(n, c));
  }
  return {
    tables: [
      {
        title: `Fan-out latency (send → last client received, median of ${rounds} sends after 1 warm-up)`,
        markdown: table(
          [
            "clients",
            "emulator ms",
            "bare ws floor ms",
            "emulator / floor (time)",
            "emulator RSS connected → after sends",
          ],
          rows,
        ),
      },
      {
        title: `Connect rate and memory per connection (median of ${connectRounds} rounds, order rotating)`,
        markdown: table(connectHeaders, connectRows),
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
      `Connect rate: ${BATCH} clients connect at a time, all with one client-access URL; rate is N over the time until the last is open, after ${200} warm-up clients came and went. Server CPU is the server process's process.cpuUsage() (all its threads) over the connect, per client. RSS per connection is (RSS with N open − RSS before) / N, read 0.5 s after the last one opened. Each round runs the three back to back, in rotating order; each figure is the median over the rounds, and each ratio the ratio of two such medians. "Live view" runs the emulator with ui: true and its page open throughout (the event feed gets one event per connection).`,
      "Times include the REST round trip and the clients' own receive processing (same for both); the machine has 2 cores shared by clients and server.",
      `Live view: the emulator runs with ui: true; the page is opened the way the browser opens it (its event feed read as it arrives, and its state poll, which lists every connection: every 3 s, 10 s at 10k connections), from a process of its own, as a browser tab would be. The page is opened and closed ${quick ? 2 : 4} times (each opening replays the history); each median is over all rounds of its state.`,
    ],
  };
}
