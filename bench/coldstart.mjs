// 3. Cold start: fresh `node` processes; (a) import only, (b) import + construct + first send, (c) the same in
// an app that registered an OpenTelemetry tracer provider first. webpubsub is measured with both Node
// transports: the default build (undici pool) and the fetch build (dist/web, what the `webpubsub-fetch`
// condition selects).
import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import path from "node:path";
import {
  DIST_INDEX,
  HUB,
  ROOT,
  azureEntry,
  connectionStringFor,
  fmt,
  median,
  ratio,
  startBenchServer,
  table,
} from "./util.mjs";

export const name = "coldstart";
export const title = "Cold start (fresh node process)";

const AZURE = "@azure/web-pubsub";

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

// What an app with tracing does before it touches the SDK: load the OpenTelemetry API and SDK and register a
// provider (here with no exporter, so spans are recorded and dropped). Not timed: it is the app's own start-up.
const registerTracing =
  `const otel = await import("@opentelemetry/api"); ` +
  `const { BasicTracerProvider } = await import("@opentelemetry/sdk-trace-base"); ` +
  `if (!otel.trace.setGlobalTracerProvider(new BasicTracerProvider())) throw new Error("provider not registered"); `;

export async function run({ log }) {
  const rounds = 7;
  const specs = {
    webpubsub: pathToFileURL(DIST_INDEX).href,
    fetch: pathToFileURL(path.join(ROOT, "dist", "web", "index.js")).href,
    azure: pathToFileURL(azureEntry()).href,
  };
  const importScript = (spec) =>
    `const t0 = performance.now(); await import(${JSON.stringify(spec)}); ` +
    `console.log(JSON.stringify({ ms: performance.now() - t0 }));`;

  const server = await startBenchServer();
  const cs = connectionStringFor(server.port);
  const sendScript = (spec, azure, traced) =>
    (traced ? registerTracing : "") +
    `const c0 = process.cpuUsage(); const t0 = performance.now(); const m = await import(${JSON.stringify(spec)}); ` +
    `const t1 = performance.now(); ` +
    `const c = new m.WebPubSubServiceClient(${JSON.stringify(cs)}, ${JSON.stringify(HUB)}${azure ? ", { allowInsecureConnection: true }" : ""}); ` +
    `await c.sendToAll({ hello: "world" }); ` +
    `const cpu = process.cpuUsage(c0); ` +
    `console.log(JSON.stringify({ ms: performance.now() - t0, importMs: t1 - t0, cpuMs: (cpu.user + cpu.system) / 1000 })); process.exit(0);`;

  const contenders = ["webpubsub", "fetch", "azure"];
  const empty = () => Object.fromEntries(contenders.map((k) => [k, []]));
  const res = { imp: empty(), send: empty(), traced: empty(), node: [] };
  try {
    for (const k of contenders) await runNode(importScript(specs[k])); // warm the OS file cache for all
    await runNode(registerTracing + "console.log('{}')");
    for (let r = 0; r < rounds; r++) {
      // Rotate the order so no contender always runs first.
      const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]);
      res.node.push(await runNode(`console.log(JSON.stringify({ ms: 0 }))`));
      for (const k of order) res.imp[k].push(await runNode(importScript(specs[k])));
      for (const k of order) res.send[k].push(await runNode(sendScript(specs[k], k === "azure", false)));
      for (const k of order) res.traced[k].push(await runNode(sendScript(specs[k], k === "azure", true)));
    }
  } finally {
    await server.close();
  }
  const med = (arr, f) => median(arr.map(f));
  const stats = (arr) => ({ ms: med(arr, (x) => x.ms), wall: med(arr, (x) => x.wall), cpu: med(arr, (x) => x.cpuMs) });
  const m = {
    imp: Object.fromEntries(contenders.map((k) => [k, stats(res.imp[k])])),
    send: Object.fromEntries(contenders.map((k) => [k, stats(res.send[k])])),
    traced: Object.fromEntries(contenders.map((k) => [k, stats(res.traced[k])])),
    nodeWall: med(res.node, (x) => x.wall),
  };
  // The same ratio per round (each round runs every contender back to back), so a drift in the machine's
  // speed between rounds cancels out: the range says how steady it was.
  const perRound = (kind, k) => res[kind][k].map((x, i) => x.ms / res[kind].azure[i].ms);
  const range = (values) => `${fmt(Math.min(...values), 2)}–${fmt(Math.max(...values), 2)}`;
  log(
    `  import: webpubsub ${fmt(m.imp.webpubsub.ms, 1)} ms (fetch build ${fmt(m.imp.fetch.ms, 1)} ms), ${AZURE} ${fmt(m.imp.azure.ms, 1)} ms; ` +
      `import+construct+first send: webpubsub ${fmt(m.send.webpubsub.ms, 1)} ms (fetch build ${fmt(m.send.fetch.ms, 1)} ms), ${AZURE} ${fmt(m.send.azure.ms, 1)} ms ` +
      `(webpubsub/${AZURE} per round ${range(perRound("send", "webpubsub"))}); with a tracer provider: webpubsub ${fmt(m.traced.webpubsub.ms, 1)} ms, ` +
      `${AZURE} ${fmt(m.traced.azure.ms, 1)} ms (per round ${range(perRound("traced", "webpubsub"))})`,
  );
  const row = (label, pick, digits = 1) => [
    label,
    fmt(pick(m, "webpubsub"), digits),
    fmt(pick(m, "fetch"), digits),
    fmt(pick(m, "azure"), digits),
    ratio(pick(m, "webpubsub"), pick(m, "azure")),
    ratio(pick(m, "azure"), pick(m, "webpubsub")),
  ];
  const rows = [
    row("(a) await import()", (x, k) => x.imp[k].ms),
    row("(a) whole process (spawn → exit)", (x, k) => x.imp[k].wall),
    row("(b) import + construct + first sendToAll", (x, k) => x.send[k].ms),
    row("(b) the same, CPU ms in the process", (x, k) => x.send[k].cpu),
    row("(b) whole process (spawn → exit)", (x, k) => x.send[k].wall),
    row("(c) as (b), tracer provider registered", (x, k) => x.traced[k].ms),
    row("(c) the same, CPU ms in the process", (x, k) => x.traced[k].cpu),
    ["bare `node -e` process (reference)", fmt(m.nodeWall, 1), fmt(m.nodeWall, 1), fmt(m.nodeWall, 1), "", ""],
  ];
  const perRoundTable = table(
    ["measure", "webpubsub / @azure/web-pubsub, each round (min–max)", "fetch build / @azure/web-pubsub, each round"],
    [
      [
        "(b) import + construct + first sendToAll",
        range(perRound("send", "webpubsub")),
        range(perRound("send", "fetch")),
      ],
      [
        "(c) as (b), tracer provider registered",
        range(perRound("traced", "webpubsub")),
        range(perRound("traced", "fetch")),
      ],
    ],
  );
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
            "webpubsub / @azure/web-pubsub",
            "@azure/web-pubsub / webpubsub",
          ],
          rows,
        ),
      },
      { title: "Cold start ratios per round (the contenders run back to back in each round)", markdown: perRoundTable },
    ],
    notes: [
      "Timers run inside the child around the dynamic import (ESM entry of each package); the first send goes to the separate local 202 server.",
      "(c): before the timer starts, the child loads @opentelemetry/api and @opentelemetry/sdk-trace-base and registers a BasicTracerProvider (the app's own start-up, the same for all). webpubsub then records its spans; @azure/web-pubsub traces through OpenTelemetry only with @azure/opentelemetry-instrumentation-azure-sdk, which is not installed. In (a) and (b) @opentelemetry/api is installed but nothing registers a provider.",
      "The fetch build is dist/web/index.js (fetch + WebCrypto), what Deno, Bun, workerd and edge runtimes load, and what a Node bundle gets with `--conditions=webpubsub-fetch`; on Node its first send also loads Node's built-in fetch.",
      "The (b) whole-process time of webpubsub includes ~90 ms of process teardown after process.exit() that any undici request causes (a bare undici Pool request + exit shows the same); node:http, which @azure/web-pubsub uses, does not. So (b) in-process time is the fairer startup-latency number.",
    ],
  };
}
