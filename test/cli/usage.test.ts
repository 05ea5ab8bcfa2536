// Every usage error exits 2 with a message in the CLI's terms (the flag, what it accepts), checked before
// anything is read or sent. The built dist/cli.js runs in a child process, as users run it.
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRecordingServer } from "../helpers/recordingServer";
import { runNode } from "../helpers/spawn";

const cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
let server: Awaited<ReturnType<typeof startRecordingServer>>;
let cs: string;

beforeAll(async () => {
  server = await startRecordingServer();
  cs = `Endpoint=${server.url};AccessKey=${key};Version=1.0;`;
});
afterAll(async () => {
  await server.close();
});

function runCli(args: string[], env: Record<string, string> = {}) {
  return runNode([cli, ...args], { env: { WebPubSubConnectionString: cs, ...env } });
}

async function expectUsage(args: string[], message: string | RegExp, command = args[0]) {
  const before = server.requests.length;
  const result = await runCli(args);
  expect(result.code).toBe(2);
  const first = result.stderr.split("\n")[0];
  if (typeof message === "string") expect(first).toBe(`webpubsub ${command}: ${message}`);
  else expect(first).toMatch(message);
  expect(result.stderr).toContain("usage: webpubsub");
  expect(result.stdout + result.stderr).not.toContain(key);
  // Nothing was sent.
  expect(server.requests.length).toBe(before);
  return result;
}

function file(lines: string[]): string {
  const path = join(mkdtempSync(join(tmpdir(), "wps-usage-")), "lines.txt");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

describe("usage errors exit 2 and speak the CLI's language", () => {
  it.each([
    [["token", "--hub", "h", "--minutes", "abc"], '--minutes must be a positive number, got "abc"'],
    [["token", "--hub", "h", "--minutes", "0"], '--minutes must be a positive number, got "0"'],
    [["token", "--hub", "h", "--minutes", ""], '--minutes must be a positive number, got ""'],
    [
      ["send", "--hub", "h", "--concurrency", "0", "{}"],
      '--concurrency must be a whole number from 1 to 10000, got "0"',
    ],
    [
      ["send", "--hub", "h", "--concurrency", "many", "{}"],
      '--concurrency must be a whole number from 1 to 10000, got "many"',
    ],
    [["send", "--hub", "h", "--max-unreachable=-1", "{}"], '--max-unreachable must be a positive number, got "-1"'],
    [["emulator", "--port", "99999"], '--port must be a whole number from 0 to 65535 (0 = any free port), got "99999"'],
    [["emulator", "--port", "http"], '--port must be a whole number from 0 to 65535 (0 = any free port), got "http"'],
  ])("bad number: %j", async (args, message) => {
    await expectUsage(args, message);
  });

  it.each([[["send", "--hub", "1chat", "{}"]], [["token", "--hub", "chat room"]]])("bad hub: %j", async (args) => {
    await expectUsage(args, /^webpubsub \w+: --hub "[^"]+" is not a valid hub name: it must start with a letter/);
  });

  it("--ttl 999 is refused once, before the file is read, not once per line", async () => {
    const lines = file(["{}", "{}", "{}"]);
    const result = await expectUsage(
      ["send", "--hub", "h", "--ttl", "999", "--lines", lines],
      '--ttl must be a whole number from 0 to 300 (seconds; 0 = never expires), got "999"',
    );
    expect(result.stderr.match(/--ttl/g)?.length).toBe(2); // the message and the usage line
    expect(result.stderr).not.toContain("message 1 failed");
  });

  it("an --upstream that is not a URL is refused at start-up", async () => {
    await expectUsage(
      ["emulator", "--port", "0", "--upstream", "chat=localhost:3000/events"],
      /^webpubsub emulator: --upstream "chat=localhost:3000\/events": "localhost:3000\/events" is not an http:\/\/ or https:\/\/ URL/,
    );
    await expectUsage(
      ["emulator", "--port", "0", "--upstream", "chat"],
      'the --upstream "chat" must look like HUB=URL'.replace("the ", ""),
    );
  });

  it("a busy port for the emulator suggests --port", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as AddressInfo;
    await expectUsage(
      ["emulator", "--port", String(port)],
      `port ${port} on 127.0.0.1 is already in use; choose another with --port (--port 0 picks a free one)`,
    );
    await new Promise((resolve) => blocker.close(resolve));
  });

  it("a MESSAGE that is not JSON is refused unless --text says it is text", async () => {
    await expectUsage(
      ["send", "--hub", "h", "hello world"],
      `MESSAGE is not valid JSON; pass --text to send it as text, or quote it as JSON (e.g. '"hello"')`,
    );
    const before = server.requests.length;
    const text = await runCli(["send", "--hub", "h", "--text", "hello world"]);
    expect(text.code).toBe(0);
    expect(server.requests.slice(before).map((r) => [r.headers["content-type"], r.body.toString()])).toEqual([
      ["text/plain", "hello world"],
    ]);
  });

  it("other mistakes: missing hub, missing connection string, unreadable --lines, bad connection string, unknown flag", async () => {
    await expectUsage(["send", "{}"], "--hub is required");
    const missing = await runNode([cli, "send", "--hub", "h", "{}"], { env: { WebPubSubConnectionString: "" } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^webpubsub send: no connection string: pass --connection-string or set WebPubSubConnectionString/,
    );
    await expectUsage(
      ["send", "--hub", "h", "--lines", "/nonexistent/lines.txt"],
      '--lines "/nonexistent/lines.txt" cannot be read: no such file',
    );
    await expectUsage(
      ["send", "--hub", "h", "--connection-string", `Endpoint=ftp://x;AccessKey=${key}`, "{}"],
      /^webpubsub send: .*(Endpoint|endpoint)/,
    );
    await expectUsage(["token", "--hub", "h", "--nope"], /^webpubsub token: Unknown option '--nope'/);
    await expectUsage(["send", "--hub", "h", "--group", "", "{}"], "--group must not be empty");
  });
});
