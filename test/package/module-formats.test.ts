// The built package, as users load it: require() from CommonJS on this Node (20), import from ESM, and
// the main entry's module graph free of the emulator and `ws`.
import { execFile } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRecordingServer } from "../helpers/recordingServer";

const run = promisify(execFile);
const root = resolve(__dirname, "../..");
let sandbox: string;
let server: Awaited<ReturnType<typeof startRecordingServer>>;

beforeAll(async () => {
  // A project that depends on `webpubsub` (linked to this checkout's build).
  sandbox = mkdtempSync(join(tmpdir(), "webpubsub-consumer-"));
  mkdirSync(join(sandbox, "node_modules"));
  symlinkSync(root, join(sandbox, "node_modules", "webpubsub"), "dir");
  let n = 0;
  server = await startRecordingServer((req, res) => {
    res.statusCode = n++ === 0 ? 503 : 202; // the first send is retried: the retry path must work from both builds
    res.end();
  });
});
afterAll(async () => {
  await server.close();
  rmSync(sandbox, { recursive: true, force: true });
});

const script = (load: string) => `
${load}
const client = new WebPubSubServiceClient("Endpoint=${"${URL}"};AccessKey=k;Version=1.0;", "hub", { retryOptions: { retryDelayInMs: 1 } });
(async () => {
  const { url } = await client.getClientAccessToken({ userId: "u" });
  await client.sendToAll({ hello: "cjs" });
  await client.close();
  console.log(JSON.stringify({ url, isValidation: new ValidationError("m", { argument: "a" }) instanceof WebPubSubError }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe("packaging", () => {
  it("require() works on this Node (jose and p-retry are ESM-only upstream); the CJS build retries with its bundled p-retry", async () => {
    const file = join(sandbox, "consumer.cjs");
    writeFileSync(
      file,
      script(`const { WebPubSubServiceClient, ValidationError, WebPubSubError } = require("webpubsub");`).replace(
        "${URL}",
        server.url,
      ),
    );
    const { stdout } = await run(process.execPath, [file], { cwd: sandbox });
    expect(server.requests.length).toBe(2); // the 503, then its retry: p-retry ran inside the CJS build
    const cjsCode = [
      "dist/index.cjs",
      ...readdirSync(join(root, "dist"))
        .filter((f) => f.endsWith(".cjs"))
        .map((f) => `dist/${f}`),
    ]
      .map((f) => readFileSync(join(root, f), "utf8"))
      .join("\n");
    expect(cjsCode).not.toMatch(/(?:require|import)\(\s*["'](?:p-retry|is-network-error)["']/);
    expect(cjsCode).toContain("Expected `retries` to be a non-negative number."); // p-retry's own code, bundled
    const out = JSON.parse(stdout) as { url: string; isValidation: boolean };
    expect(out.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/client\/hubs\/hub\?access_token=ey/);
    expect(out.isValidation).toBe(true);
  });

  it("every subpath require()s on this Node; the CJS emulator verifies tokens (jose bundled) for the CJS client", async () => {
    const file = join(sandbox, "subpaths.cjs");
    writeFileSync(
      file,
      `const { WebPubSubServiceClient } = require("webpubsub");
const { startEmulator } = require("webpubsub/emulator");
const token = require("webpubsub/token");
const handler = require("webpubsub/handler");
const express = require("webpubsub/express");
const fastify = require("webpubsub/fastify");
(async () => {
  const emulator = await startEmulator({ port: 0 });
  const client = new WebPubSubServiceClient(emulator.connectionString, "cjs");
  await client.sendToAll({ from: "cjs" });
  const exists = await client.groupExists("none");
  const minted = await token.mintClientAccessToken({ endpoint: emulator.endpoint, accessKey: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH", hub: "cjs" });
  await client.close();
  await emulator.close();
  console.log(JSON.stringify({ exists, minted: minted.url.startsWith("ws://"), kinds: [typeof handler.WebPubSubEventHandler, typeof express.negotiate, typeof fastify.negotiate] }));
})().catch((e) => { console.error(e); process.exit(1); });`,
    );
    const { stdout } = await run(process.execPath, [file], { cwd: sandbox });
    expect(JSON.parse(stdout)).toEqual({ exists: false, minted: true, kinds: ["function", "function", "function"] });
  });

  it("import works from ESM", async () => {
    const file = join(sandbox, "consumer.mjs");
    writeFileSync(
      file,
      script(`import { WebPubSubServiceClient, ValidationError, WebPubSubError } from "webpubsub";`).replace(
        "${URL}",
        server.url,
      ),
    );
    const { stdout } = await run(process.execPath, [file], { cwd: sandbox });
    expect((JSON.parse(stdout) as { isValidation: boolean }).isValidation).toBe(true);
  });

  it("errors from the CJS and ESM copies are recognised by either copy's classes", async () => {
    const file = join(sandbox, "mixed.mjs");
    writeFileSync(
      file,
      `import { createRequire } from "node:module";
import { RestError as EsmRestError, ValidationError as EsmValidation } from "webpubsub";
const { RestError: CjsRestError, ValidationError: CjsValidation } = createRequire(import.meta.url)("webpubsub");
const e = new CjsValidation("m", { argument: "a" });
console.log(JSON.stringify([e instanceof EsmValidation, e instanceof EsmRestError, new EsmValidation("m", { argument: "a" }) instanceof CjsValidation, EsmRestError === CjsRestError]));`,
    );
    const { stdout } = await run(process.execPath, [file], { cwd: sandbox });
    expect(JSON.parse(stdout)).toEqual([true, false, true, false]);
  });

  it("the main entry never loads the emulator or ws (static module graph)", () => {
    const seen = new Set<string>();
    const externals = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = readFileSync(file, "utf8");
      for (const m of code.matchAll(
        /(?:import|export)\s*(?:[^"'()]*?\sfrom\s*)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g,
      )) {
        const spec = (m[1] ?? m[2]) as string;
        if (spec.startsWith(".")) visit(resolve(dirname(file), spec));
        else externals.add(spec);
      }
    };
    visit(join(root, "dist/index.js"));
    expect([...externals].filter((s) => s === "ws" || s.startsWith("ws/"))).toEqual([]);
    for (const file of seen) expect(readFileSync(file, "utf8")).not.toMatch(/WebSocketServer|startEmulator/);
    const cjs = readFileSync(join(root, "dist/index.cjs"), "utf8");
    expect(cjs).not.toMatch(/require\(["']ws["']\)|WebSocketServer/);
    // undici's heavy full entry is not imported either: only its Pool module, lazily.
    expect(externals.has("undici")).toBe(false);
    expect(externals.has("mqtt-packet")).toBe(false);
    // p-retry is imported only dynamically, by the first retryable failure: the happy path never loads it.
    for (const file of seen)
      expect(readFileSync(file, "utf8")).not.toMatch(/(?:import|export)\s*(?:[^"'()]*?\sfrom\s*)?["']p-retry["']/);
    expect([...seen].some((file) => /import\(\s*["']p-retry["']\s*\)/.test(readFileSync(file, "utf8")))).toBe(true);
    expect(cjs).not.toMatch(/mqtt-packet/);
  });

  it("package.json exports every entry with types for import and require", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      sideEffects: unknown;
      exports: Record<string, unknown>;
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(pkg.sideEffects).toBe(false);
    for (const [entry, target] of Object.entries(pkg.exports)) {
      if (entry === "./package.json") continue;
      const t = target as { import: { types: string; default: string }; require: { types: string; default: string } };
      for (const f of [t.import.types, t.import.default, t.require.types, t.require.default]) {
        expect(() => readFileSync(join(root, f))).not.toThrow();
      }
    }
    // mqtt-packet (the emulator's MQTT codec) is bundled into the emulator's lazily loaded chunk, so it and
    // its CommonJS dependencies are not installed with the package.
    expect(Object.keys(pkg.dependencies).sort()).toEqual(["jose", "p-retry", "undici", "ws"]);
    expect(Object.keys(pkg.devDependencies)).toContain("mqtt-packet");
  });
});
