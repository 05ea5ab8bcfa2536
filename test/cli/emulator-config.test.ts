// `webpubsub emulator --config`: the built CLI in a child process, its precedence (flags, then the file, then
// WEBPUBSUB_EMULATOR_* variables), its refusal of an invalid file, and its reloads.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runNode } from "../helpers/spawn";

const cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "webpubsub-cli-config-"));
const fileKey = "file-access-key-0123456789012345678901";
const envKey = "env-access-key-01234567890123456789012";

/** Runs the emulator until its connection string appears; returns it and a way to stop. */
async function emulator(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [cli, "emulator", "--no-ui", "--quiet", ...args], {
    env: { ...process.env, WEBPUBSUB_EMULATOR_PORT: "0", ...env },
  });
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

describe("webpubsub emulator --config", () => {
  it("takes flags over the file and the file over the environment", async () => {
    const file = join(dir, "hubs.json");
    writeFileSync(file, JSON.stringify({ hubs: { chat: {} }, accessKey: fileKey }));
    const fromFile = await emulator(["--config", file], { WEBPUBSUB_EMULATOR_ACCESS_KEY: envKey });
    expect(fromFile.connectionString).toContain(`AccessKey=${fileKey};`);
    await fromFile.stop();
    const fromFlag = await emulator(["--config", file, "--access-key", "flag-key"], {
      WEBPUBSUB_EMULATOR_ACCESS_KEY: envKey,
    });
    expect(fromFlag.connectionString).toContain("AccessKey=flag-key;");
    await fromFlag.stop();
    // The config path from the environment; a file without a key leaves the environment's.
    writeFileSync(join(dir, "bare.json"), JSON.stringify({ hubs: {} }));
    const fromEnv = await emulator([], {
      WEBPUBSUB_EMULATOR_CONFIG: join(dir, "bare.json"),
      WEBPUBSUB_EMULATOR_ACCESS_KEY: envKey,
      WEBPUBSUB_EMULATOR_HOST: "127.0.0.1",
    });
    expect(fromEnv.connectionString).toMatch(new RegExp(`^Endpoint=http://127\\.0\\.0\\.1:\\d+;AccessKey=${envKey};`));
    await fromEnv.stop();
  });

  it("refuses an invalid file with exit status 2, naming the file, the field and what is allowed", async () => {
    const file = join(dir, "bad.json");
    writeFileSync(
      file,
      JSON.stringify({ hubs: { chat: { eventHandlers: [{ urlTemplate: "http://x/", systemEvents: ["join"] }] } } }),
    );
    const bad = await runNode([cli, "emulator", "--port", "0", "--config", file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      `${file}: hubs.chat.eventHandlers[0].systemEvents[0]: "join" is not a system event (allowed: connect, connected, disconnected)`,
    );
    const badPort = await runNode([cli, "emulator"], { env: { WEBPUBSUB_EMULATOR_PORT: "eighty" } });
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain(
      'WEBPUBSUB_EMULATOR_PORT must be a whole number from 0 to 65535 (0 = any free port), got "eighty"',
    );
  });

  it("reports notices, reloads and refused edits even with --quiet", async () => {
    const file = join(dir, "live.json");
    writeFileSync(file, JSON.stringify({ hubs: { chat: { eventListeners: [{ filter: {} }] } } }));
    const running = await emulator(["--config", file]);
    expect(running.out.stderr).toMatch(/^notice: .*live\.json: hubs\.chat\.eventListeners is accepted but ignored/m);
    writeFileSync(file, JSON.stringify({ hubs: { chat: { webSocketKeepAliveIntervalInSeconds: 5 } } }));
    await expect.poll(() => running.out.stderr, { timeout: 8000 }).toMatch(/config: .*live\.json reloaded/);
    writeFileSync(file, JSON.stringify({ hubs: { chat: { webSocketKeepAliveIntervalInSeconds: 500 } } }));
    await expect
      .poll(() => running.out.stderr, { timeout: 8000 })
      .toMatch(/webSocketKeepAliveIntervalInSeconds: 500 is not an interval .*; the previous settings stay in force/);
    await running.stop();
  });
});
