// Shared helpers for the benchmarks (plain Node ESM, no build step).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";
import { createRequire } from "node:module";

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(BENCH_DIR, "..");
export const DIST_INDEX = path.join(ROOT, "dist", "index.js");
export const DIST_EMULATOR = path.join(ROOT, "dist", "emulator.js");
export const ACCESS_KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
export const HUB = "bench";
export const API_VERSION = "2024-12-01";

export const connectionStringFor = (port) => `Endpoint=http://127.0.0.1:${port};AccessKey=${ACCESS_KEY};Version=1.0;`;

export function checkDist() {
  const missing = [DIST_INDEX, DIST_EMULATOR].filter((p) => !existsSync(p));
  if (missing.length) {
    console.error(
      `bench: build output missing (${missing.map((p) => path.relative(ROOT, p)).join(", ")}).\n` +
        `Run \`npm run build\` first; the benchmarks measure dist/ and never build it themselves.`,
    );
    process.exit(1);
  }
}

export const importWebpubsub = () => import(pathToFileURL(DIST_INDEX).href);
export const importEmulator = () => import(pathToFileURL(DIST_EMULATOR).href);

/** Absolute path of @azure/web-pubsub's ESM entry, resolved from the project root. */
export function azureEntry() {
  const require = createRequire(path.join(ROOT, "package.json"));
  const pkgJson = require.resolve("@azure/web-pubsub/package.json");
  const pkg = require(pkgJson);
  const rel = pkg.exports?.["."]?.import?.default ?? pkg.module ?? pkg.main;
  return path.join(path.dirname(pkgJson), rel);
}
export const importAzure = () => import(pathToFileURL(azureEntry()).href);

export function median(values) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function fmt(n, digits = 0) {
  if (n === undefined || n === null || Number.isNaN(n)) return "n/a";
  if (!Number.isFinite(n)) return String(n);
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
export const ratio = (a, b) => (b > 0 && Number.isFinite(a) && Number.isFinite(b) ? `${fmt(a / b, 2)}×` : "n/a");
export const fmtBytes = (b) =>
  b === undefined || Number.isNaN(b)
    ? "n/a"
    : b >= 1 << 20
      ? `${fmt(b / (1 << 20), 1)} MiB`
      : b >= 1024
        ? `${fmt(b / 1024, 1)} KiB`
        : `${b} B`;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `total` calls of `fn` with `concurrency` workers; returns wall ms and client CPU µs. */
export async function runConcurrent(fn, total, concurrency) {
  let next = 0;
  let errors = 0;
  let firstError;
  const worker = async () => {
    while (next < total) {
      next++;
      try {
        await fn();
      } catch (e) {
        errors++;
        firstError ??= e;
      }
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (errors) throw new Error(`${errors}/${total} calls failed; first: ${firstError?.stack ?? firstError}`);
  return { ms, cpuUs: cpu.user + cpu.system, rate: (total * 1000) / ms, cpuPerReq: (cpu.user + cpu.system) / total };
}

/**
 * Spawns `node <script>` and resolves once it printed its first stdout line (parsed as JSON when possible).
 * The returned handle can send stdin lines and await reply lines.
 */
export function startChild(script, args = [], { env, nodeArgs = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, path.join(BENCH_DIR, script), ...args], {
      stdio: ["pipe", "pipe", "inherit"],
      env: { ...process.env, ...env },
    });
    const rl = createInterface({ input: child.stdout });
    const waiters = [];
    let first = true;
    rl.on("line", (line) => {
      let value = line;
      try {
        value = JSON.parse(line);
      } catch {
        // not JSON: handed on as the line itself
      }
      if (first) {
        first = false;
        resolve(handle);
        handle.info = value;
        return;
      }
      const w = waiters.shift();
      if (w) w(value);
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (first) reject(new Error(`${script} exited with ${code} before it was ready`));
    });
    const handle = {
      child,
      info: undefined,
      ask(line) {
        return new Promise((res) => {
          waiters.push(res);
          child.stdin.write(line + "\n");
        });
      },
      async rss() {
        const v = await handle.ask("rss");
        return typeof v === "object" ? v.rss : Number(v);
      },
      close() {
        return new Promise((res) => {
          if (child.exitCode !== null || child.signalCode) return res();
          child.once("exit", () => res());
          child.kill("SIGTERM");
        });
      },
    };
  });
}

/** The separate target HTTP server (bench/server.mjs). */
export async function startBenchServer() {
  const h = await startChild("server.mjs");
  h.port = h.info.port;
  return h;
}

export function table(headers, rows) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}
