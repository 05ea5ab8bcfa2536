import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Plugin } from "esbuild";
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

const src = resolve(dirname(fileURLToPath(import.meta.url)), "src");

// The build for every runtime but Node: where a module `x.ts` has a sibling `x.web.ts`, the web build uses
// the sibling (`internal/platform.ts` → node:crypto; `platform.web.ts` → WebCrypto; the undici transport →
// fetch), so that build holds no `node:` module and no undici at all.
const webVariants: Plugin = {
  name: "webpubsub-web-variants",
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!args.importer.startsWith(src)) return undefined;
      const variant = `${resolve(dirname(args.importer), args.path)}.web.ts`;
      return existsSync(variant) ? { path: variant } : undefined;
    });
  },
};

// mqtt-packet (a devDependency) and its dozen CommonJS dependencies are bundled once into
// dist/vendor/mqtt-packet.cjs, which the emulator imports on its first MQTT connection: installing
// webpubsub does not pull them in, and being CommonJS that file keeps its own require() for Node built-ins.
const vendoredMqttPacket: Plugin = {
  name: "webpubsub-vendored-mqtt-packet",
  setup(build) {
    build.onResolve({ filter: /^mqtt-packet$/ }, () => ({ path: "./vendor/mqtt-packet.cjs", external: true }));
  },
};

export default defineConfig([
  {
    entry,
    format: ["esm"],
    dts: true,
    splitting: true,
    // No source maps: they are not shipped, so no build may point at one (no sourceMappingURL comments).
    sourcemap: false,
    clean: true,
    target: "node20",
    platform: "node",
    esbuildPlugins: [vendoredMqttPacket],
  },
  {
    // jose 6 and p-retry 7 are ESM-only; Node 20.18 cannot require() them, so the CJS build carries its own copy.
    entry,
    format: ["cjs"],
    dts: true,
    // No source maps: they are not shipped, so no build may point at one (no sourceMappingURL comments).
    sourcemap: false,
    target: "node20",
    platform: "node",
    noExternal: ["jose", "p-retry", "is-network-error"],
    esbuildPlugins: [vendoredMqttPacket],
  },
  {
    entry: { "vendor/mqtt-packet": "src/vendor/mqtt-packet.ts" },
    format: ["cjs"],
    sourcemap: false,
    target: "node20",
    platform: "node",
  },
  {
    // dist/web: the fetch + WebCrypto build of the main entry, chosen by the workerd, edge-light, deno, bun,
    // browser and worker conditions (and by `webpubsub-fetch` for a small Node bundle). Its types are
    // dist/index.d.ts: the API is the same.
    entry: { "web/index": "src/index.ts" },
    format: ["esm"],
    // No source maps: they are not shipped, so no build may point at one (no sourceMappingURL comments).
    sourcemap: false,
    target: "es2022",
    platform: "neutral",
    esbuildPlugins: [webVariants],
  },
  {
    entry: { cli: "src/cli/index.ts" },
    format: ["esm"],
    target: "node20",
    platform: "node",
    banner: { js: "#!/usr/bin/env node" },
    esbuildPlugins: [vendoredMqttPacket],
  },
]);
