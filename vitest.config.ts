import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Memory assertions in the reliability suites collect garbage first.
    poolOptions: { forks: { execArgv: ["--expose-gc"] } },
  },
});
