// The README's quick start and the batch guide's example, run as written (only the connection string is
// pointed at the emulator) with what they send checked on arrival. test/docs/snippets.test.ts runs every other
// block of README.md and docs/*.md.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../src/emulator/index";
import { root, tsBlockUnder } from "./helpers/markdown";
import { runNode } from "./helpers/spawn";

let emulator: Emulator;
// Inside the package, so `import ... from "webpubsub"` resolves to this build like an installed package.
const dir = mkdtempSync(join(root, "samples", ".readme-"));

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await emulator.close();
});

/** Runs a snippet in a child process with tsx. */
function run(code: string) {
  const file = join(dir, `example-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, code);
  return runNode(["--import", "tsx", file], { env: { WebPubSubConnectionString: emulator.connectionString } });
}

describe("README example", () => {
  it("the quick start runs against the emulator and its messages arrive", async () => {
    const code = tsBlockUnder("README.md", "Quick start");
    const received: string[] = [];
    const { WebPubSubServiceClient } = await import("../src/index");
    const client = new WebPubSubServiceClient(emulator.connectionString, "chat");
    const { url } = await client.getClientAccessToken({ userId: "alice", groups: ["lobby"] });
    const { TestSocket } = await import("./helpers/ws");
    const socket = new TestSocket(url);
    await socket.opened;
    const result = await run(code);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    for (let i = 0; i < 4; i++) received.push(String((await socket.next()).data));
    expect(received).toEqual([
      '{"type":"greeting","text":"hello"}',
      "Hello World",
      '{"text":"hi lobby"}',
      '{"text":"just for you"}',
    ]);
    socket.close();
    await client.close();
  });

  it("the batch guide's example runs as written and sends every item", async () => {
    const code = tsBlockUnder("docs/batch-and-cli.md", "Batch jobs");
    const result = await run(code);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/50 sent, 0 failed/);
  });
});
