// 3. Cold start: fresh `node` processes; (a) import only, (b) import + construct + first send.
import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import { DIST_INDEX, HUB, ROOT, anchorEntry, connectionStringFor, fmt, median, ratio, startBenchServer, table } from "./util.mjs";

export const name = "coldstart";
export const title = "Cold start (fresh node process)";

function runNode(script) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
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

  const res = { imp: { webpubsub: [], anchor: [], node: [] }, send: { webpubsub: [], anchor: [] } };
  try {
    await runNode(importScript(specs.webpubsub)); // warm the OS file cache for both
    await runNode(importScript(specs.anchor));
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? ["anchor", "webpubsub"] : ["webpubsub", "anchor"];
      res.imp.node.push(await runNode(`console.log(JSON.stringify({ ms: 0 }))`));
      for (const k of order) res.imp[k].push(await runNode(importScript(specs[k])));
      for (const k of order) res.send[k].push(await runNode(sendScript(specs[k], k === "anchor")));
    }
  } finally {
    await server.close();
  }
  const med = (arr, f) => median(arr.map(f));
  const m = {
    imp: {
      webpubsub: { ms: med(res.imp.webpubsub, (x) => x.ms), wall: med(res.imp.webpubsub, (x) => x.wall) },
      anchor: { ms: med(res.imp.anchor, (x) => x.ms), wall: med(res.imp.anchor, (x) => x.wall) },
    },
    send: {
      webpubsub: { ms: med(res.send.webpubsub, (x) => x.ms), wall: med(res.send.webpubsub, (x) => x.wall) },
      anchor: { ms: med(res.send.anchor, (x) => x.ms), wall: med(res.send.anchor, (x) => x.wall) },
    },
    nodeWall: med(res.imp.node, (x) => x.wall),
  };
  log(
    `  import: webpubsub ${fmt(m.imp.webpubsub.ms, 1)} ms, anchor ${fmt(m.imp.anchor.ms, 1)} ms (${ratio(m.imp.anchor.ms, m.imp.webpubsub.ms)}); ` +
      `import+construct+first send: webpubsub ${fmt(m.send.webpubsub.ms, 1)} ms, anchor ${fmt(m.send.anchor.ms, 1)} ms (${ratio(m.send.anchor.ms, m.send.webpubsub.ms)})`,
  );
  const rows = [
    ["(a) await import()", fmt(m.imp.webpubsub.ms, 1), fmt(m.imp.anchor.ms, 1), ratio(m.imp.anchor.ms, m.imp.webpubsub.ms)],
    ["(a) whole process (spawn → exit)", fmt(m.imp.webpubsub.wall, 1), fmt(m.imp.anchor.wall, 1), ratio(m.imp.anchor.wall, m.imp.webpubsub.wall)],
    ["(b) import + construct + first sendToAll", fmt(m.send.webpubsub.ms, 1), fmt(m.send.anchor.ms, 1), ratio(m.send.anchor.ms, m.send.webpubsub.ms)],
    ["(b) whole process (spawn → exit)", fmt(m.send.webpubsub.wall, 1), fmt(m.send.anchor.wall, 1), ratio(m.send.anchor.wall, m.send.webpubsub.wall)],
    ["bare `node -e` process (reference)", fmt(m.nodeWall, 1), fmt(m.nodeWall, 1), ""],
  ];
  return {
    tables: [
      {
        title: `Cold start, ms (median of ${rounds} fresh processes each)`,
        markdown: table(["measure", "webpubsub ms", "@azure/web-pubsub ms", "anchor / webpubsub"], rows),
      },
    ],
    notes: [
      "Timers run inside the child around the dynamic import (ESM entry of each package); the first send goes to the separate local 202 server.",
      "The (b) whole-process time of webpubsub includes ~90 ms of process teardown after process.exit() that any undici request causes (a bare undici Pool request + exit shows the same); node:http, which the anchor uses, does not. So (b) in-process time is the fairer startup-latency number.",
    ],
  };
}
