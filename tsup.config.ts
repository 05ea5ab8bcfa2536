import { defineConfig } from "tsup";

// Public entry points. Each one is also listed in package.json "exports" and has an API report.
const entry = {
  index: "src/index.ts",
  emulator: "src/emulator/index.ts",
  token: "src/token/index.ts",
  express: "src/express/index.ts",
  fastify: "src/fastify/index.ts",
  handler: "src/handler/index.ts",
};

export default defineConfig([
  {
    entry,
    format: ["esm"],
    dts: true,
    splitting: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    platform: "node",
  },
  {
    // jose 6 and p-retry 7 are ESM-only; Node 20.18 cannot require() them, so the CJS build carries its own copy.
    entry,
    format: ["cjs"],
    dts: true,
    sourcemap: true,
    target: "node20",
    platform: "node",
    noExternal: ["jose", "p-retry", "is-network-error"],
  },
  {
    entry: { cli: "src/cli/index.ts" },
    format: ["esm"],
    target: "node20",
    platform: "node",
    banner: { js: "#!/usr/bin/env node" },
  },
]);
