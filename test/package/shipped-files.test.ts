// What a fresh clone and an installed package get: a LICENSE for the declared license, no pointers to
// source maps that are not shipped, and a suite that passes without Chromium (skipping the browser test
// with a notice) but fails without it under CI=true.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runNode } from "../helpers/spawn";

const root = fileURLToPath(new URL("../..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { license: string; files: string[] };

function shippedJs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return shippedJs(path);
    return /\.(c?js|d\.c?ts)$/.test(entry.name) ? [path] : [];
  });
}

describe("a fresh clone and the shipped files", () => {
  it("has an MIT LICENSE matching package.json, and ships it", () => {
    expect(pkg.license).toBe("MIT");
    expect(readFileSync(join(root, "LICENSE"), "utf8")).toMatch(
      /^MIT License\n[\s\S]*Permission is hereby granted, free of charge/,
    );
    expect(pkg.files).toContain("LICENSE");
  });

  it("no shipped file points at a source map (none are shipped)", () => {
    const files = shippedJs(join(root, "dist"));
    expect(files.length).toBeGreaterThan(10);
    expect(files.filter((f) => readFileSync(f, "utf8").includes("sourceMappingURL"))).toEqual([]);
  });

  it("no shipped file names a path inside undici (Deno and some bundlers refuse deep imports)", () => {
    const files = shippedJs(join(root, "dist")).filter((f) => !/\.d\.c?ts$/.test(f));
    expect(files.filter((f) => /["']undici\/[^"']/.test(readFileSync(f, "utf8")))).toEqual([]);
    // The Node transport's Pool comes pre-bundled in one file instead.
    expect(files.some((f) => /vendor[\\/]undici-pool\.js$/.test(f))).toBe(true);
  });

  it("without Chromium the browser test is skipped with a one-line notice; with CI=true it fails", async () => {
    const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
    const args = [vitest, "run", "test/samples/chat.browser.test.ts"];
    const env = { CHROMIUM_PATH: "/nonexistent", CI: "", WEBPUBSUB_REQUIRE_CHROMIUM: "" };
    const [local, ci] = await Promise.all([runNode(args, { env }), runNode(args, { env: { ...env, CI: "true" } })]);
    expect(local.code, local.stdout + local.stderr).toBe(0);
    expect(local.stderr).toMatch(
      /^\[skipped\] Chromium not found \(looked in \/nonexistent\); install it with: .*CHROMIUM_PATH.*$/m,
    );
    expect(ci.code).not.toBe(0);
  }, 120_000);
});
