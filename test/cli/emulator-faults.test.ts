// `webpubsub emulator --faults`: the built CLI in a child process applies a file's fault rules, follows its
// edits, refuses an invalid edit naming the field (the previous rules stay), and refuses an invalid file at start.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { WebPubSubServiceClient } from "../../src/index";
import { runNode } from "../helpers/spawn";

const cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "webpubsub-cli-faults-"));

async function start(args: string[]) {
  const child = spawn(process.execPath, [cli, "emulator", "--no-ui", "--quiet", "--port", "0", ...args]);
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  await expect.poll(() => /Endpoint=\S+;/.test(out.stdout), { timeout: 15_000 }).toBe(true);
  const connectionString = (/^\s*(Endpoint=\S+)$/m.exec(out.stdout) as RegExpExecArray)[1] as string;
  return {
    connectionString,
    out,
    async stop() {
      child.kill("SIGINT");
      expect(await exited).toBe(0);
    },
  };
}

/** The status of a send to `hub` (no retries). */
async function statusOf(connectionString: string, hub: string): Promise<number> {
  const client = new WebPubSubServiceClient(connectionString, hub, { retryOptions: { maxRetries: 0 } });
  try {
    await client.sendToAll("x");
    return 202;
  } catch (error) {
    return (error as { statusCode: number }).statusCode;
  } finally {
    await client.close();
  }
}

describe("webpubsub emulator --faults", () => {
  it("applies the file, follows valid edits and refuses an invalid one naming the field", async () => {
    const file = join(dir, "faults.json");
    writeFileSync(file, JSON.stringify({ faults: [{ kind: "rest", hub: "a", status: 503 }] }));
    const emulator = await start(["--faults", file]);
    expect(emulator.out.stderr).toContain("faults: 1 rule(s)");
    expect(await statusOf(emulator.connectionString, "a")).toBe(503);
    expect(await statusOf(emulator.connectionString, "b")).toBe(202);

    writeFileSync(file, JSON.stringify({ faults: [{ kind: "rest", hub: "b", status: 503, probability: 7 }] }));
    await expect
      .poll(() => emulator.out.stderr, { timeout: 10_000 })
      .toContain("faults[0].probability: must be a number from 0 to 1 (got 7); the previous rules stay in force");
    expect(await statusOf(emulator.connectionString, "a")).toBe(503);

    writeFileSync(file, JSON.stringify({ faults: [{ kind: "rest", hub: "b", status: 500 }] }));
    await expect.poll(() => statusOf(emulator.connectionString, "b"), { timeout: 10_000 }).toBe(500);
    expect(await statusOf(emulator.connectionString, "a")).toBe(202);
    await emulator.stop();
  }, 60_000);

  it("refuses an invalid file at start with exit status 2, naming the rule and field", async () => {
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ faults: [{ kind: "refuse" }, { kind: "rest", operation: "sendToMars" }] }));
    const bad = await runNode([cli, "emulator", "--port", "0", "--faults", file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("bad.json: faults[1].operation: must be an operation or a list of them");
    const missing = await runNode([cli, "emulator", "--port", "0", "--faults", join(dir, "none.json")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("could not be read (ENOENT)");
  }, 30_000);
});
