// README example: the code blocks a newcomer copies are run as written (only the connection string is
// pointed at the emulator), so the README cannot drift from the API.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../src/emulator/index";
import { runNode } from "./helpers/spawn";

const root = fileURLToPath(new URL("..", import.meta.url));
const readme = readFileSync(join(root, "README.md"), "utf8");
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

/** The first ```ts block after a heading. */
function blockAfter(heading: string): string {
  const at = readme.indexOf(`\n## ${heading}`);
  expect(at, `README has a "${heading}" section`).toBeGreaterThan(-1);
  const match = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  expect(match, `"${heading}" has a ts block`).not.toBeNull();
  return (match as RegExpExecArray)[1] as string;
}

/** Runs a snippet in a child process with tsx. */
function run(code: string) {
  const file = join(dir, `example-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, code);
  return runNode(["--import", "tsx", file], { env: { WebPubSubConnectionString: emulator.connectionString } });
}

describe("README example", () => {
  it("the quick start runs against the emulator and its messages arrive", async () => {
    const code = blockAfter("Quick start");
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

  it("the batch example runs as written", async () => {
    const code = `import { WebPubSubServiceClient } from "webpubsub";
const client = new WebPubSubServiceClient(process.env.WebPubSubConnectionString!, "digest");
const users = Array.from({ length: 50 }, (_, i) => ({ id: "u" + i, digest: i }));
${blockAfter("Batch jobs")}
if (result.succeeded !== 50 || result.failed !== 0) throw new Error(JSON.stringify(result));
await client.close();
`;
    const result = await run(code);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/50 sent, 0 failed/);
  });
});
