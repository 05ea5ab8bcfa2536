// The README's Express snippet compiles as shown: tsc (strict, the project's settings) on the block, with
// "webpubsub" resolved to this package's build as an installed package would be.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { runNode } from "../helpers/spawn";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(root, "samples", ".readme-express-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("the README's Express snippet type-checks as written", async () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Event handlers, Express and Fastify"));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(block).toContain('from "webpubsub/express"');
  // .mts: an ES module without a package.json of its own, so "webpubsub" resolves to this package.
  writeFileSync(join(dir, "snippet.mts"), block!);
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        types: ["node"],
        skipLibCheck: true,
        esModuleInterop: true,
      },
      files: ["snippet.mts"],
    }),
  );
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const result = await runNode([tsc, "-p", join(dir, "tsconfig.json")]);
  expect(result.stdout + result.stderr).toBe("");
  expect(result.code).toBe(0);
}, 120_000);
