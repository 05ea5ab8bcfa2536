import { readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

// Tests run the sources: give them the version tsup puts into the build (src/internal/version.ts).
const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as { version: string };

export default defineConfig({
  define: { __WEBPUBSUB_VERSION__: JSON.stringify(version) },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Memory assertions in the reliability suites collect garbage first.
    poolOptions: { forks: { execArgv: ["--expose-gc"] } },
  },
});
