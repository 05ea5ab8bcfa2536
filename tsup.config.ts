import { existsSync, readFileSync } from "node:fs";
import { constants as http2Constants } from "node:http2";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Plugin } from "esbuild";
import { defineConfig, type Options } from "tsup";

// Public entry points. Each one is also listed in package.json "exports" and has an API report.
const entry = {
  index: "src/index.ts",
  emulator: "src/emulator/index.ts",
  token: "src/token/index.ts",
  express: "src/express/index.ts",
  fastify: "src/fastify/index.ts",
  handler: "src/handler/index.ts",
};

const root = dirname(fileURLToPath(import.meta.url));
const src = resolve(root, "src");

// The version users see (user agent, tracer, `webpubsub --version`) is package.json's, put in at build time.
const { version } = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as { version: string };
const define = { __WEBPUBSUB_VERSION__: JSON.stringify(version) };

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

// undici's Pool is bundled once into dist/vendor/undici-pool.js (ESM, so the ESM and CommonJS builds both
// import() it without a CommonJS export scan); the Node transport imports that file on its first request.
const vendoredUndiciPool: Plugin = {
  name: "webpubsub-vendored-undici-pool",
  setup(build) {
    build.onResolve({ filter: /\/vendor\/undici-pool$/ }, () => ({ path: "./vendor/undici-pool.js", external: true }));
  },
};
// undici's HTTP/2 client loads node:http2 (a few milliseconds of every cold start) only to read a few protocol
// constants when it loads; it connects over HTTP/2 only with `allowH2`, which webpubsub never sets. In the
// bundle it gets those constants, copied from this Node's node:http2 at build time, and node:http2 itself on
// first use of anything else.
const lazyHttp2: Plugin = {
  name: "webpubsub-lazy-http2",
  setup(build) {
    build.onResolve({ filter: /^node:http2$/ }, (args) =>
      /[\\/]undici[\\/]lib[\\/]dispatcher[\\/]client-h2\.js$/.test(args.importer)
        ? { path: args.importer, namespace: "webpubsub-lazy-http2" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "webpubsub-lazy-http2" }, (args) => {
      const all = http2Constants as Record<string, string | number>;
      const used = new Set(readFileSync(args.path, "utf8").match(/\b(?:NGHTTP2|HTTP2)_[A-Z0-9_]+\b/g) ?? []);
      const constants = Object.fromEntries([...used].filter((name) => name in all).map((name) => [name, all[name]]));
      return {
        loader: "js",
        contents: [
          `const constants = ${JSON.stringify(constants)};`,
          "let http2;",
          'module.exports = new Proxy({}, { get: (_, key) => key === "constants" ? constants : (http2 ??= require("node:http2"))[key] });',
        ].join("\n"),
      };
    });
  },
};

// undici is CommonJS: its require() calls of Node built-ins need a require in the ESM bundle.
const undiciBanner = [
  "// undici (https://github.com/nodejs/undici), MIT License, Copyright (c) Matteo Collina and Undici contributors.",
  'import { createRequire as __webpubsubCreateRequire } from "node:module";',
  "const require = __webpubsubCreateRequire(import.meta.url);",
].join("\n");

// `tsup --env.WEBPUBSUB_BUILD js` (what `npm run demo` runs first): the JavaScript without type declarations,
// and without emptying dist/ (a full build's .d.ts files stay). Declarations take most of a build's time; a demo
// needs none.
export default defineConfig((flags) => configs(flags.env?.["WEBPUBSUB_BUILD"] !== "js"));

function configs(full: boolean): Options[] {
  return [
    {
      entry,
      format: ["esm"],
      dts: full,
      splitting: true,
      // No source maps: they are not shipped, so no build may point at one (no sourceMappingURL comments).
      sourcemap: false,
      clean: full,
      target: "node20",
      platform: "node",
      define,
      esbuildPlugins: [vendoredMqttPacket, vendoredUndiciPool],
    },
    {
      // jose 6 and p-retry 7 are ESM-only; Node 20.18 cannot require() them, so the CJS build carries its own copy.
      entry,
      format: ["cjs"],
      dts: full,
      // No source maps: they are not shipped, so no build may point at one (no sourceMappingURL comments).
      sourcemap: false,
      target: "node20",
      platform: "node",
      define,
      noExternal: ["jose", "p-retry", "is-network-error"],
      esbuildPlugins: [vendoredMqttPacket, vendoredUndiciPool],
    },
    {
      entry: { "vendor/undici-pool": "src/vendor/undici-pool.ts" },
      format: ["esm"],
      sourcemap: false,
      target: "node20",
      platform: "node",
      noExternal: ["undici"],
      // `node:sqlite` and friends exist only under the `node:` prefix.
      removeNodeProtocol: false,
      minify: true,
      banner: { js: undiciBanner },
      esbuildPlugins: [lazyHttp2],
    },
    {
      entry: { "vendor/mqtt-packet": "src/vendor/mqtt-packet.ts" },
      format: ["cjs"],
      sourcemap: false,
      target: "node20",
      platform: "node",
      define,
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
      define,
      esbuildPlugins: [webVariants],
    },
    {
      entry: { cli: "src/cli/index.ts" },
      format: ["esm"],
      target: "node20",
      platform: "node",
      define,
      banner: { js: "#!/usr/bin/env node" },
      esbuildPlugins: [vendoredMqttPacket, vendoredUndiciPool],
    },
  ];
}
