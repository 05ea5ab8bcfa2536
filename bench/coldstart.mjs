// 3. Cold start: fresh `node` processes; (a) import only, (b) import + construct + first send. webpubsub is
// measured with both Node transports: the default build (undici pool) and the fetch build (dist/web, what the
// `webpubsub-fetch` condition selects).
import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import path from "node:path";
import {
  DIST_INDEX,
  HUB,
  ROOT,
  anchorEntry,
  connectionStringFor,
  fmt,
  median,
  ratio,
  startBenchServer,
  table,
} from "./util.mjs";

export const name = "coldstart";
export const title = "Cold start (fresh node process)";

function runNode(script) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.once("error", reject);
    child.once("exit", (code) => {
      const wall = performance.now() - t0;
      if (code !== 0) return reject(new Error(`child exited ${code}: ${err.trim().slice(0, 500)}`));
      const last = out.trim().split("\n").pop();
      resolve({ ...JSON.parse(last), wall });
    });
  });
}

export async function run({ quick, log }) {
  const rounds = 7;
  const specs = {
    webpubsub: pathToFileURL(DIST_INDEX).href,
    fetch: pathToFileURL(path.join(ROOT, "dist", "web", "index.js")).href,
    anchor: pathToFileURL(anchorEntry()).href,
  };
  const importScript = (spec) =>
    `const t0 = performance.now(); await import(${JSON.stringify(spec)}); ` +
    `console.log(JSON.stringify({ ms: performance.now() - t0 }));`;

  const server = await startBenchServer();
  const cs = connectionStringFor(server.port);
  const sendScript = (spec, anchor) =>
    `const t0 = performance.now(); const m = await import(${JSON.stringify(spec)}); ` +
    `const t1 = performance.now(); ` +
    `const c = new m.WebPubSubServiceClient(${JSON.stringify(cs)}, ${JSON.stringify(HUB)}${anchor ? ", { allowInsecureConnection: true }" : ""}); ` +
    `await c.sendToAll({ hello: "world" }); ` +
    `console.log(JSON.stringify({ ms: performance.now() - t0, importMs: t1 - t0 })); process.exit(0);`;

  const contenders = ["webpubsub", "fetch", "anchor"];
  const res = {
    imp: { webpubsub: [], fetch: [], anchor: [], node: [] },
    send: { webpubsub: [], fetch: [], anchor: [] },
  };
  try {
    for (const k of contenders) await runNode(importScript(specs[k])); // warm the OS file cache for all
    for (let r = 0; r < rounds; r++) {
      // Rotate the order so no contender always runs first.
      const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]);
      res.imp.node.push(await runNode(`console.log(JSON.stringify({ ms: 0 }))`));
      for (const k of order) res.imp[k].push(await runNode(importScript(specs[k])));
      for (const k of order) res.send[k].push(await runNode(sendScript(specs[k], k === "anchor")));
    }
  } finally {
    await server.close();
  }
  const med = (arr, f) => median(arr.map(f));
  const stats = (arr) => ({ ms: med(arr, (x) => x.ms), wall: med(arr, (x) => x.wall) });
  const m = {
    imp: Object.fromEntries(contenders.map((k) => [k, stats(res.imp[k])])),
    send: Object.fromEntries(contenders.map((k) => [k, stats(res.send[k])])),
    nodeWall: med(res.imp.node, (x) => x.wall),
  };
  log(
    `  import: webpubsub ${fmt(m.imp.webpubsub.ms, 1)} ms (fetch build ${fmt(m.imp.fetch.ms, 1)} ms), anchor ${fmt(m.imp.anchor.ms, 1)} ms (${ratio(m.imp.anchor.ms, m.imp.webpubsub.ms)}); ` +
      `import+construct+first send: webpubsub ${fmt(m.send.webpubsub.ms, 1)} ms (fetch build ${fmt(m.send.fetch.ms, 1)} ms), anchor ${fmt(m.send.anchor.ms, 1)} ms (${ratio(m.send.anchor.ms, m.send.webpubsub.ms)})`,
  );
  const row = (label, pick) => [
    label,
    fmt(pick(m, "webpubsub"), 1),
    fmt(pick(m, "fetch"), 1),
    fmt(pick(m, "anchor"), 1),
    ratio(pick(m, "anchor"), pick(m, "webpubsub")),
  ];
  const rows = [
    row("(a) await import()", (x, k) => x.imp[k].ms),
    row("(a) whole process (spawn → exit)", (x, k) => x.imp[k].wall),
    row("(b) import + construct + first sendToAll", (x, k) => x.send[k].ms),
    row("(b) whole process (spawn → exit)", (x, k) => x.send[k].wall),
    ["bare `node -e` process (reference)", fmt(m.nodeWall, 1), fmt(m.nodeWall, 1), fmt(m.nodeWall, 1), ""],
  ];
  return {
    tables: [
      {
        title: `Cold start, ms (median of ${rounds} fresh processes each)`,
        markdown: table(
          [
            "measure",
            "webpubsub ms (undici, Node default)",
            "webpubsub ms (fetch build)",
            "@azure/web-pubsub ms",
            "anchor / webpubsub",
          ],
          rows,
        ),
      },
    ],
    notes: [
      "Timers run inside the child around the dynamic import (ESM entry of each package); the first send goes to the separate local 202 server.",
      "The fetch build is dist/web/index.js (fetch + WebCrypto), what Deno, Bun, workerd and edge runtimes load, and what a Node bundle gets with `--conditions=webpubsub-fetch`; on Node its first send also loads Node's built-in fetch.",
      "The (b) whole-process time of webpubsub includes ~90 ms of process teardown after process.exit() that any undici request causes (a bare undici Pool request + exit shows the same); node:http, which the anchor uses, does not. So (b) in-process time is the fairer startup-latency number.",
    ],
  };
}
