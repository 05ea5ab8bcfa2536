// The published types, as TypeScript users resolve them: the packed tarball checked by
// @arethetypeswrong/cli, and a consumer project importing every subpath compiled under each module resolution.
// node10 (`"module": "commonjs"` with no moduleResolution) ignores `exports`, so the subpaths rely on
// package.json's `typesVersions`; without it every subpath but the root fails with TS2307.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = resolve(__dirname, "../..");
const ourModules = join(root, "node_modules");
const subpaths = [
  "webpubsub",
  "webpubsub/emulator",
  "webpubsub/token",
  "webpubsub/express",
  "webpubsub/fastify",
  "webpubsub/handler",
];
let sandbox: string;
let tarball: string;

beforeAll(async () => {
  // One `npm pack` for every test: what the registry would serve, not the checkout.
  sandbox = mkdtempSync(join(tmpdir(), "webpubsub-types-"));
  const { stdout } = await run("npm", ["pack", "--silent", "--pack-destination", sandbox], { cwd: root });
  tarball = join(sandbox, stdout.trim().split("\n").pop()!);
  const project = join(sandbox, "consumer");
  const modules = join(project, "node_modules");
  mkdirSync(modules, { recursive: true });
  await run("tar", ["-xzf", tarball, "-C", project]);
  renameSync(join(project, "package"), join(modules, "webpubsub"));
  // Everything else (typescript, @types/node, express/fastify types, our runtime deps) comes from our own
  // node_modules, linked entry by entry so that `webpubsub` is the unpacked tarball and not this checkout.
  for (const name of readdirSync(ourModules)) {
    if (name === "webpubsub" || name.startsWith(".")) continue;
    symlinkSync(join(ourModules, name), join(modules, name), "dir");
  }
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  const source = `
import { WebPubSubServiceClient, type WebPubSubServiceClientOptions } from "webpubsub";
import { startEmulator, type EmulatorOptions } from "webpubsub/emulator";
import { mintClientAccessToken, type MintClientAccessTokenOptions } from "webpubsub/token";
import { WebPubSubEventHandler as ExpressHandler, type WebPubSubEventHandlerOptions } from "webpubsub/express";
import { WebPubSubEventHandler as FastifyHandler, type ConnectRequest } from "webpubsub/fastify";
import { createNegotiateHandler, type UserEventRequest } from "webpubsub/handler";

export type Used = [WebPubSubServiceClientOptions, EmulatorOptions, MintClientAccessTokenOptions,
  WebPubSubEventHandlerOptions, ConnectRequest, UserEventRequest];
export const values = [WebPubSubServiceClient, startEmulator, mintClientAccessToken, ExpressHandler,
  FastifyHandler, createNegotiateHandler];
// Each value is really typed (an \`any\` from a lost declaration would make these directives unused errors).
// @ts-expect-error a class is not a string
export const a: string = WebPubSubServiceClient;
// @ts-expect-error a function is not a string
export const b: string = startEmulator;
// @ts-expect-error a function is not a string
export const c: string = mintClientAccessToken;
// @ts-expect-error a class is not a string
export const d: string = ExpressHandler;
// @ts-expect-error a class is not a string
export const e: string = FastifyHandler;
// @ts-expect-error a function is not a string
export const f: string = createNegotiateHandler;
`;
  for (const file of ["index.ts", "index.cts", "index.mts"]) writeFileSync(join(project, file), source);
}, 120_000);

afterAll(() => {
  if (sandbox) rmSync(sandbox, { recursive: true, force: true });
});

describe("@arethetypeswrong/cli on the packed tarball", () => {
  it("reports no problem for any of the six entries", async () => {
    const attw = join(ourModules, "@arethetypeswrong", "cli", "dist", "index.js");
    // attw exits 1 when it finds problems; the JSON on stdout says which, so read it either way.
    const out = await run(process.execPath, [attw, tarball, "--format", "json"], { maxBuffer: 64 << 20 }).catch(
      (e: { stdout: string }) => e,
    );
    const report = JSON.parse(out.stdout) as {
      problems: Record<string, unknown[]> | unknown[];
      analysis: { entrypoints: Record<string, { resolutions: Record<string, { resolution?: { fileName: string } }> }> };
    };
    expect(report.problems).toEqual({});
    const entries = report.analysis.entrypoints;
    for (const path of subpaths) {
      const entry = entries[path === "webpubsub" ? "." : `./${path.slice("webpubsub/".length)}`];
      expect(entry, path).toBeDefined();
      // node10 loads the CommonJS build at run time, so its declarations are the CommonJS ones (.d.cts) for
      // the subpaths; the root keeps its historic `types` field.
      expect(entry!.resolutions.node10!.resolution?.fileName, path).toMatch(/\.d\.c?ts$/);
    }
  }, 120_000);
});

describe("a consumer project importing every subpath compiles", () => {
  const base = { strict: true, skipLibCheck: false, noEmit: true, target: "es2022", types: ["node"] };
  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    // esModuleInterop (what `tsc --init` sets) because fastify's pino types default-import a CommonJS module.
    ["node10 (module commonjs, no moduleResolution)", { module: "commonjs", esModuleInterop: true }, ["index.ts"]],
    [
      "node16, from CommonJS (.cts) and ESM (.mts)",
      { module: "node16", moduleResolution: "node16" },
      ["index.cts", "index.mts"],
    ],
    ["bundler", { module: "esnext", moduleResolution: "bundler" }, ["index.ts"]],
  ];
  it.each(cases)(
    "%s",
    async (_name, options, files) => {
      const project = join(sandbox, "consumer");
      const config = `tsconfig.${String(options.module)}.json`;
      writeFileSync(join(project, config), JSON.stringify({ compilerOptions: { ...base, ...options }, files }));
      const tsc = join(ourModules, "typescript", "bin", "tsc");
      const result = await run(process.execPath, [tsc, "-p", config], { cwd: project }).catch(
        (e: { stdout: string; stderr: string }) => e,
      );
      expect(`${result.stdout}${result.stderr}`).toBe("");
    },
    120_000,
  );
});
