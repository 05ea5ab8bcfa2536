// How each runtime is found, and how the scenario app (fixture/app.mjs) is loaded into it: the way a user's
// project would load it, resolving `webpubsub` through a node_modules link to this checkout, so the package's
// export conditions choose the build.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { optionalBinary, type OptionalBinary } from "../helpers/optionalBinary";

export const root = resolve(__dirname, "../..");
const modules = join(root, "node_modules");

export interface RuntimeHost {
  /** http://127.0.0.1:<port> serving fixture/app.mjs's fetch handler. */
  readonly origin: string;
  stop(): Promise<void>;
}

export interface Runtime {
  readonly name: string;
  readonly binary: OptionalBinary;
  /** What `navigator.userAgent` (or `EdgeRuntime`) says there: proves the handler's reply came from this runtime. */
  readonly userAgent: RegExp;
  start(sandbox: string): Promise<RuntimeHost>;
}

/** A folder that depends on `webpubsub` (linked to this checkout) and holds the scenario files. */
export function makeSandbox(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "webpubsub-runtime-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(root, join(dir, "node_modules", "webpubsub"), "dir");
  // edge-runtime's host runs on Node and imports the edge-runtime package itself.
  symlinkSync(join(modules, "edge-runtime"), join(dir, "node_modules", "edge-runtime"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type: "module" }));
  const fixture = join(__dirname, "fixture");
  for (const file of readdirSync(fixture)) copyFileSync(join(fixture, file), join(dir, file));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Bundles `entry` as the platform's own tooling does: wrangler for workerd, Next.js for edge functions. */
export async function bundle(
  sandbox: string,
  entry: string,
  conditions: string[],
  format: "esm" | "iife",
  out: string,
): Promise<string> {
  const result = await build({
    entryPoints: [join(sandbox, entry)],
    absWorkingDir: sandbox,
    bundle: true,
    format,
    platform: "neutral",
    conditions,
    mainFields: ["browser", "module", "main"],
    target: "es2022",
    minify: true,
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.text;
  writeFileSync(join(sandbox, out), code);
  return code;
}

/** Starts `command`, waits for the `{"port":N}` line it prints (on stdout, or on fd 3 for workerd). */
function serve(name: string, command: string, args: string[], cwd: string, portFromFd3 = false): Promise<RuntimeHost> {
  const child: ChildProcess = spawn(command, args, {
    cwd,
    stdio: ["ignore", "pipe", "pipe", portFromFd3 ? "pipe" : "ignore"],
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" },
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise<RuntimeHost>((resolvePort, reject) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start within 20 s:\n${output}`)), 20_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    let lines = "";
    const onData = (chunk: Buffer) => {
      lines += chunk.toString();
      const match = /\{"(?:port|event)"[^\n]*\}/.exec(lines);
      if (match === null) return;
      const parsed = JSON.parse(match[0]) as { port: number };
      clearTimeout(timer);
      resolvePort({
        origin: `http://127.0.0.1:${parsed.port}`,
        stop: async () => {
          child.kill("SIGTERM");
          const killer = setTimeout(() => child.kill("SIGKILL"), 2000);
          await exited;
          clearTimeout(killer);
        },
      });
    };
    (portFromFd3 ? (child.stdio[3] as NodeJS.ReadableStream) : child.stdout!).on("data", onData);
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    child.once("exit", (code) => fail(new Error(`${name} exited with ${String(code)} before listening:\n${output}`)));
  });
}

const env = process.env;

export const deno: Runtime = {
  name: "Deno",
  userAgent: /^Deno\/2\./,
  binary: optionalBinary(
    "deno",
    [env["DENO_BIN"], join(modules, "@deno/linux-x64-glibc/deno"), join(modules, "deno/deno")],
    "npm ci (the deno package's @deno/<platform> binary)",
  ),
  // No --allow-env, --allow-sys or --allow-write: the SDK needs the network and to read its own files only.
  start: (sandbox) =>
    serve("deno", deno.binary.path!, ["run", "--allow-net", "--allow-read", "host.deno.mjs"], sandbox),
};

export const bun: Runtime = {
  name: "Bun",
  userAgent: /^Bun\/1\./,
  binary: optionalBinary(
    "bun",
    [env["BUN_BIN"], join(modules, "bun/bin/bun.exe"), join(modules, "@oven/bun-linux-x64/bin/bun")],
    "npm ci (the bun package's @oven/bun-<platform> binary)",
  ),
  start: (sandbox) => serve("bun", bun.binary.path!, ["host.bun.mjs"], sandbox),
};

const workerdBinary = optionalBinary(
  "workerd",
  [env["WORKERD_BIN"], join(modules, "@cloudflare/workerd-linux-64/bin/workerd")],
  "npm ci (the workerd package's @cloudflare/workerd-<platform> binary)",
);

/**
 * Bundles `entry` (in `sandbox`) as wrangler does and serves it with workerd on a free loopback port, with
 * `vars` as text bindings (env.NAME).
 */
export async function startWorker(
  sandbox: string,
  entry: string,
  vars: Record<string, string> = {},
): Promise<RuntimeHost> {
  await bundle(sandbox, entry, ["workerd", "worker", "browser"], "esm", "worker.bundle.js");
  const bindings = Object.entries(vars).map(
    ([name, text]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(text)})`,
  );
  // No nodejs_compat flag: the Worker gets no node: modules, as in a default Cloudflare project. Outbound
  // fetch may reach loopback (the emulator), which workerd's default "internet" service refuses.
  writeFileSync(
    join(sandbox, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = (modules = [(name = "worker", esModule = embed "worker.bundle.js")], compatibilityDate = "2025-09-01", bindings = [${bindings.join(", ")}], globalOutbound = "loopback")),
    (name = "loopback", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);
`,
  );
  return serve("workerd", workerdBinary.path!, ["serve", "config.capnp", "--control-fd=3"], sandbox, true);
}

export const workerd: Runtime = {
  name: "workerd",
  userAgent: /^Cloudflare-Workers$/,
  binary: workerdBinary,
  start: (sandbox) => startWorker(sandbox, "worker.mjs"),
};

export const edgeRuntime: Runtime = {
  name: "edge-runtime",
  userAgent: /^edge-runtime$/,
  binary: optionalBinary(
    "edge-runtime",
    [join(modules, "edge-runtime/dist/index.js")],
    "npm ci (the edge-runtime package)",
  ),
  start: async (sandbox) => {
    await bundle(sandbox, "edge.mjs", ["edge-light", "worker", "browser"], "iife", "edge.bundle.js");
    return serve("edge-runtime", process.execPath, ["host.edge.mjs"], sandbox);
  },
};
