// 4. Footprint: tarball size, then installed production size and package count (npm install --omit=dev).
import { execFile } from "node:child_process";
import { mkdtemp, readdir, lstat, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT, fmt, fmtBytes, ratio, table } from "./util.mjs";

export const name = "footprint";
export const title = "Install footprint (production dependencies)";

const npm = (args, cwd) =>
  new Promise((resolve, reject) => {
    execFile(
      "npm",
      args,
      {
        cwd,
        maxBuffer: 64 << 20,
        env: {
          ...process.env,
          npm_config_fund: "false",
          npm_config_audit: "false",
          npm_config_update_notifier: "false",
        },
      },
      (err, stdout, stderr) => {
        if (err)
          reject(
            new Error(
              `npm ${args.join(" ")} failed: ${(stderr || err.message).trim().split("\n").slice(-5).join(" / ")}`,
            ),
          );
        else resolve(stdout);
      },
    );
  });

/** Total bytes of regular files and number of packages (dirs with a package.json directly under a node_modules). */
async function measure(dir) {
  let bytes = 0;
  let files = 0;
  const packages = new Set();
  const walk = async (d) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        bytes += (await lstat(p)).size;
        files++;
        if (e.name === "package.json") {
          const parent = path.dirname(p);
          const up = path.basename(path.dirname(parent));
          const up2 = path.basename(path.dirname(path.dirname(parent)));
          if (up === "node_modules" || (up.startsWith("@") && up2 === "node_modules")) packages.add(parent);
        }
      }
    }
  };
  await walk(dir);
  const names = [...packages].map((p) => path.relative(dir, p));
  return { bytes, files, count: packages.size, names };
}

// What a function ships: one client call bundled with esbuild (minified), for each target. `conditions` are
// what the platform's own bundler adds: wrangler uses workerd/worker/browser; a Node function may opt into
// webpubsub's fetch build with the `webpubsub-fetch` condition.
const bundleTargets = {
  node: { platform: "node", conditions: [] },
  nodeFetch: { platform: "node", conditions: ["webpubsub-fetch"] },
  worker: { platform: "browser", conditions: ["workerd", "worker"] },
};

/** Bytes of the minified bundle, or the bundler's first error (@azure/web-pubsub cannot be bundled for a Worker). */
async function bundleSize(dir, pkg, target) {
  const { build } = await import(path.join(ROOT, "node_modules", "esbuild", "lib", "main.js"));
  const entry = path.join(dir, "function.mjs");
  const { writeFile } = await import("node:fs/promises");
  await writeFile(
    entry,
    `import { WebPubSubServiceClient } from "${pkg}";\nexport const handler = (cs) => new WebPubSubServiceClient(cs, "hub").sendToAll({ hello: "world" });\n`,
  );
  const { platform, conditions } = bundleTargets[target];
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      platform,
      conditions,
      format: "esm",
      write: false,
      absWorkingDir: dir,
      logLevel: "silent",
    });
    return result.outputFiles.reduce((sum, f) => sum + f.contents.byteLength, 0);
  } catch (e) {
    const first = e?.errors?.[0]?.text ?? String(e?.message ?? e);
    return `fails: ${first}`;
  }
}

async function installInto(spec, label, log) {
  const dir = await mkdtemp(path.join(tmpdir(), `wps-fp-${label}-`));
  try {
    await npm(["init", "-y"], dir);
    const t0 = performance.now();
    await npm(["install", "--omit=dev", "--no-audit", "--no-fund", "--no-package-lock", spec], dir);
    const secs = (performance.now() - t0) / 1000;
    const m = await measure(path.join(dir, "node_modules"));
    log(`  ${label}: ${fmtBytes(m.bytes)} in ${m.count} packages (${m.files} files), install ${secs.toFixed(1)} s`);
    const pkg = label === "webpubsub" ? "webpubsub" : "@azure/web-pubsub";
    const bundle = {};
    for (const target of Object.keys(bundleTargets)) {
      bundle[target] = await bundleSize(dir, pkg, target);
      log(
        `  ${label}: ${target} bundle (esbuild, minified) ${typeof bundle[target] === "number" ? fmtBytes(bundle[target]) : bundle[target]}`,
      );
    }
    return { ...m, secs, bundle };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run({ log }) {
  const packDir = await mkdtemp(path.join(tmpdir(), "wps-pack-"));
  const res = {};
  const notes = [];
  try {
    let tarball;
    try {
      const out = await npm(["pack", "--json", "--pack-destination", packDir], ROOT);
      const info = JSON.parse(out)[0];
      tarball = path.join(packDir, info.filename);
      res.tarball = { packed: (await stat(tarball)).size, unpacked: info.unpackedSize, files: info.entryCount };
      log(
        `  webpubsub tarball: ${fmtBytes(res.tarball.packed)} (${fmtBytes(res.tarball.unpacked)} unpacked, ${res.tarball.files} files)`,
      );
    } catch (e) {
      notes.push(`npm pack failed: ${e.message}`);
      log(`  npm pack failed: ${e.message}`);
    }
    try {
      const out = await npm(["pack", "--json", "--dry-run", "@azure/web-pubsub@1.2.0"], packDir);
      const info = JSON.parse(out)[0];
      res.azureTarball = { packed: info.size, unpacked: info.unpackedSize, files: info.entryCount };
    } catch (e) {
      notes.push(`@azure/web-pubsub tarball info failed: ${e.message}`);
    }
    for (const [label, spec] of [
      ["webpubsub", tarball],
      ["azure", "@azure/web-pubsub@1.2.0"],
    ]) {
      if (!spec) continue;
      try {
        res[label] = await installInto(spec, label, log);
      } catch (e) {
        notes.push(`${label} install failed: ${e.message}`);
        log(`  ${label} install failed: ${e.message}`);
      }
    }
  } finally {
    await rm(packDir, { recursive: true, force: true });
  }
  const w = res.webpubsub;
  const a = res.azure;
  const size = (v) => (typeof v === "number" ? fmtBytes(v) : v === undefined ? "n/a" : v);
  const bundleRow = (label, target) => {
    const ours = w?.bundle[target];
    const theirs = a?.bundle[target];
    return [
      label,
      size(ours),
      size(theirs),
      typeof ours === "number" && typeof theirs === "number" ? ratio(theirs, ours) : "",
    ];
  };
  const rows = [
    [
      "tarball (packed)",
      fmtBytes(res.tarball?.packed),
      fmtBytes(res.azureTarball?.packed),
      ratio(res.azureTarball?.packed, res.tarball?.packed),
    ],
    [
      "tarball (unpacked)",
      fmtBytes(res.tarball?.unpacked),
      fmtBytes(res.azureTarball?.unpacked),
      ratio(res.azureTarball?.unpacked, res.tarball?.unpacked),
    ],
    ["installed node_modules", fmtBytes(w?.bytes), fmtBytes(a?.bytes), ratio(a?.bytes, w?.bytes)],
    ["installed packages", w ? String(w.count) : "n/a", a ? String(a.count) : "n/a", ratio(a?.count, w?.count)],
    ["installed files", w ? fmt(w.files) : "n/a", a ? fmt(a.files) : "n/a", ratio(a?.files, w?.files)],
    bundleRow("serverless bundle, Node (esbuild --platform=node, minified; undici)", "node"),
    bundleRow("serverless bundle, Node with --conditions=webpubsub-fetch (fetch)", "nodeFetch"),
    bundleRow("Cloudflare Worker bundle (wrangler's conditions, minified)", "worker"),
  ];
  const list = (m) => (m ? m.names.sort().join(", ") : "n/a");
  notes.push(`webpubsub installs: ${list(w)}`);
  notes.push(`@azure/web-pubsub@1.2.0 installs: ${list(a)}`);
  notes.push(
    "Sizes are the sum of regular-file bytes (not disk blocks). The webpubsub tarball is `npm pack` of this checkout (dist/ as built; source maps are not published). Each bundle is one `sendToAll` call with everything it imports. @azure/web-pubsub's conditions are the same (it has no export conditions for them); for a Worker its bundle fails on Node built-ins (`buffer`, `crypto`, ...), which a Worker lacks without nodejs_compat.",
  );
  return {
    tables: [
      {
        title: "Footprint",
        markdown: table(["measure", "webpubsub", "@azure/web-pubsub 1.2.0", "@azure/web-pubsub / webpubsub"], rows),
      },
    ],
    notes,
  };
}
