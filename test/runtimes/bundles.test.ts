// What each runtime's bundler makes of `import { WebPubSubServiceClient } from "webpubsub"` (issue #11 item 4):
// the export conditions pick the fetch + WebCrypto build for Workers and edge functions, and for a Node
// function that asks for it with one flag; those bundles hold no node: module and no undici, and stay small.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, type Platform } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tsBlockUnder } from "../helpers/markdown";
import { root } from "./runtimes";

let sandbox: string;
beforeAll(() => {
  sandbox = mkdtempSync(join(tmpdir(), "webpubsub-bundle-"));
  mkdirSync(join(sandbox, "node_modules"));
  symlinkSync(root, join(sandbox, "node_modules", "webpubsub"), "dir");
  writeFileSync(
    join(sandbox, "function.mjs"),
    `import { WebPubSubServiceClient } from "webpubsub";\nexport const handler = (cs) => new WebPubSubServiceClient(cs, "hub").sendToAll({ hello: "world" });\n`,
  );
});
afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

async function bundle(
  platform: Platform,
  conditions: string[],
): Promise<{ code: string; bytes: number; inputs: string[] }> {
  const result = await build({
    entryPoints: [join(sandbox, "function.mjs")],
    absWorkingDir: sandbox,
    bundle: true,
    minify: true,
    format: "esm",
    platform,
    conditions,
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.text;
  return { code, bytes: result.outputFiles[0]!.contents.byteLength, inputs: Object.keys(result.metafile.inputs) };
}

const KiB = 1024;

describe("bundles", () => {
  it.each([
    ["a Cloudflare Worker (wrangler's conditions), at most 50 KiB", "browser", ["workerd", "worker"], 50],
    ["a Vercel edge function (Next.js's conditions), at most 50 KiB", "browser", ["edge-light", "worker"], 50],
    ["a Deno bundle, at most 50 KiB", "neutral", ["deno"], 50],
    ["a Node function with --conditions=webpubsub-fetch, at most 60 KiB", "node", ["webpubsub-fetch"], 60],
  ] as const)("%s: the fetch build, no node: modules, no undici", async (_name, platform, conditions, maxKiB) => {
    const { code, bytes, inputs } = await bundle(platform, [...conditions]);
    expect(inputs.some((file) => file.includes("dist/web/index.js"))).toBe(true);
    expect(inputs.filter((file) => /undici|node:/.test(file))).toEqual([]);
    expect(code).not.toMatch(/["']node:|\brequire\(["']/);
    expect(bytes).toBeLessThanOrEqual(maxKiB * KiB);
  });

  it("a plain Node bundle still gets the undici build", async () => {
    const { inputs } = await bundle("node", []);
    expect(inputs.some((file) => file.includes("dist/web/"))).toBe(false);
    expect(inputs.some((file) => file.includes("undici"))).toBe(true);
  });
});

describe("export conditions", () => {
  it("every runtime condition of the main entry points at the fetch build, which exists, with the same types", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      exports: Record<string, Record<string, unknown>>;
    };
    const main = pkg.exports["."]!;
    for (const condition of [
      "workerd",
      "edge-light",
      "deno",
      "bun",
      "webpubsub-fetch",
      "worker",
      "browser",
      "default",
    ]) {
      expect(main[condition], condition).toEqual({ types: "./dist/index.d.ts", default: "./dist/web/index.js" });
    }
    // Node (import and require) keeps the undici build; the runtime conditions come before "node", which
    // Deno and Bun also match.
    const order = Object.keys(main);
    expect(order.indexOf("deno")).toBeLessThan(order.indexOf("node"));
    expect(order.indexOf("bun")).toBeLessThan(order.indexOf("node"));
    expect(main["node"]).toEqual({
      import: { types: "./dist/index.d.ts", default: "./dist/index.js" },
      require: { types: "./dist/index.d.cts", default: "./dist/index.cjs" },
    });
    expect(existsSync(join(root, "dist/web/index.js"))).toBe(true);
  });
});

describe("docs/runtimes.md", () => {
  it("the Worker example bundles for a Worker as written: the fetch build, no node: module", async () => {
    const code = tsBlockUnder("docs/runtimes.md", "A Worker (or any fetch-style handler)");
    writeFileSync(join(sandbox, "readme-worker.ts"), code);
    const result = await build({
      entryPoints: [join(sandbox, "readme-worker.ts")],
      absWorkingDir: sandbox,
      bundle: true,
      format: "esm",
      platform: "browser",
      conditions: ["workerd", "worker"],
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((file) => file.includes("dist/web/index.js"))).toBe(true);
    expect(inputs.some((file) => file.includes("dist/handler.js"))).toBe(true);
    expect(result.outputFiles[0]!.text).not.toMatch(/["']node:/);
  });
});
