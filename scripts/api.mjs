// Runs api-extractor once per public entry point. With --local the reports in api/ are rewritten;
// without it (CI) any difference between the build and the committed report fails the run.
import { Extractor, ExtractorConfig } from "@microsoft/api-extractor";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const local = process.argv.includes("--local");
const root = fileURLToPath(new URL("..", import.meta.url));
import { mkdirSync } from "node:fs";
const entries = ["index", "emulator", "token", "handler", "express", "fastify"];
let failed = false;
mkdirSync(`${root}api`, { recursive: true });

for (const entry of entries) {
  const dts = `${root}dist/${entry}.d.ts`;
  if (!existsSync(dts)) {
    console.error(`api: ${dts} is missing; run "npm run build" first`);
    failed = true;
    continue;
  }
  const base = ExtractorConfig.loadFile(`${root}api-extractor.json`);
  base.mainEntryPointFilePath = dts;
  base.apiReport.reportFileName = entry === "index" ? "webpubsub.api.md" : `webpubsub-${entry}.api.md`;
  const config = ExtractorConfig.prepare({
    configObject: base,
    configObjectFullPath: `${root}api-extractor.json`,
    packageJsonFullPath: `${root}package.json`,
  });
  const result = Extractor.invoke(config, {
    localBuild: local,
    showVerboseMessages: false,
    messageCallback: (m) => {
      if (m.logLevel === "warning" || m.logLevel === "error") {
        m.handled = true;
        console.warn(`api(${entry}): ${m.text}`);
      }
    },
  });
  if (!result.succeeded || (!local && result.apiReportChanged)) {
    console.error(
      `api(${entry}): the API report differs from api/${base.apiReport.reportFileName}; run "npm run api" and commit it`,
    );
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
