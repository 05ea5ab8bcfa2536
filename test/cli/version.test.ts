// The version users see comes from package.json, put in at build time: `webpubsub --version`, the user agent
// of the built package and of the sources under test. Nothing hard-codes it, so a release changes it in one place.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebPubSubServiceClient } from "../../src/index";
import { startRecordingServer } from "../helpers/recordingServer";
import { runNode } from "../helpers/spawn";

const root = fileURLToPath(new URL("../../", import.meta.url));
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
const cli = join(root, "dist/cli.js");
const key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
const agent = new RegExp(`(^| )webpubsub-js/${version.replace(/\./g, "\\.")}( |$)`);

let server: Awaited<ReturnType<typeof startRecordingServer>>;
let cs: string;
beforeAll(async () => {
  server = await startRecordingServer();
  cs = `Endpoint=${server.url};AccessKey=${key};Version=1.0;`;
});
afterAll(async () => {
  await server.close();
});

describe("the package version", () => {
  it.each(["--version", "-v"])("webpubsub %s prints package.json's version and exits 0", async (flag) => {
    const result = await runNode([cli, flag]);
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it("the usage text says how to ask for the version", async () => {
    const result = await runNode([cli, "--help"]);
    expect(result.stdout).toContain('"webpubsub --version"');
  });

  it("the built package sends it in its user agent", async () => {
    const script = `
      import { WebPubSubServiceClient } from ${JSON.stringify(join(root, "dist/index.js"))};
      const client = new WebPubSubServiceClient(process.env.CS, "hub");
      await client.sendToAll("x");
      await client.close();`;
    const result = await runNode(["--input-type=module", "-e", script], { env: { CS: cs } });
    expect(result.stderr).toBe("");
    expect(server.requests.at(-1)?.headers["user-agent"]).toMatch(agent);
  });

  it("the sources under test send it too (vitest defines it as the build does)", async () => {
    const client = new WebPubSubServiceClient(cs, "hub");
    await client.sendToAll("x");
    await client.close();
    expect(server.requests.at(-1)?.headers["user-agent"]).toMatch(agent);
  });

  it("no built file keeps the placeholder", () => {
    const files = readdirSync(join(root, "dist"), { recursive: true, encoding: "utf8" }).filter((f) =>
      /\.(c?js)$/.test(f),
    );
    expect(files.length).toBeGreaterThan(5);
    for (const file of files)
      expect(readFileSync(join(root, "dist", file), "utf8")).not.toContain("__WEBPUBSUB_VERSION__");
  });
});
