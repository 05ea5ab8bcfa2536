// The `webpubsub` command, run as users run it: the built dist/cli.js in a child process.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebPubSubServiceClient } from "../../src/index";
import { startEmulator, type Emulator } from "../../src/emulator/index";
import { runNode } from "../helpers/spawn";
import { TestSocket } from "../helpers/ws";

const cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";

function runCli(args: string[], env: Record<string, string> = {}, stdin?: string) {
  // An empty connection string unless the test gives one: the machine's own must not leak in.
  return runNode([cli, ...args], {
    env: { WebPubSubConnectionString: "", ...env },
    ...(stdin === undefined ? {} : { stdin }),
  });
}

let emulator: Emulator;
let client: WebPubSubServiceClient;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  client = new WebPubSubServiceClient(emulator.connectionString, "cli");
});
afterAll(async () => {
  await client.close();
  await emulator.close();
});

describe("webpubsub token", () => {
  it("prints a client URL whose token carries the requested claims, and never the key", async () => {
    const { code, stdout, stderr } = await runCli(
      [
        "token",
        "--hub",
        "cli",
        "--user",
        "ann",
        "--role",
        "webpubsub.sendToGroup",
        "--group",
        "g1",
        "--minutes",
        "5",
        "--json",
      ],
      {
        WebPubSubConnectionString: emulator.connectionString,
      },
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as { url: string; token: string; expiresOn: string };
    expect(out.url.startsWith(`ws://127.0.0.1:${emulator.port}/client/hubs/cli?access_token=`)).toBe(true);
    const { payload } = await jwtVerify(out.token, new TextEncoder().encode(key), {
      audience: `http://127.0.0.1:${emulator.port}/client/hubs/cli`,
    });
    expect(payload).toMatchObject({ sub: "ann", role: ["webpubsub.sendToGroup"], "webpubsub.group": ["g1"] });
    expect((payload.exp as number) - (payload.iat as number)).toBe(300);
    expect(stdout + stderr).not.toContain(key);
    // The URL it prints connects to the emulator.
    const socket = new TestSocket(out.url);
    await socket.opened;
    socket.close();
  });

  it("explains bad usage with exit status 2", async () => {
    expect(await runCli(["token"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("--hub is required") as unknown,
    });
    expect(await runCli(["token", "--hub", "h"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("no connection string") as unknown,
    });
    expect(
      await runCli(["token", "--hub", "h", "--protocol", "x"], {
        WebPubSubConnectionString: emulator.connectionString,
      }),
    ).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--protocol "x" is not one of default, mqtt, socketio') as unknown,
    });
    expect(await runCli(["nope"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown command "nope"') as unknown,
    });
  });

  it("reports an invalid lifetime in the CLI's terms with exit status 2, without the key", async () => {
    const { code, stderr } = await runCli(["token", "--hub", "cli", "--minutes=-3"], {
      WebPubSubConnectionString: emulator.connectionString,
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^webpubsub token: --minutes must be a positive number, got "-3"/);
    expect(stderr).not.toContain(key);
  });
});

describe("webpubsub send", () => {
  it("sends one JSON message and every line of a file, to a group", async () => {
    const { url } = await client.getClientAccessToken({ groups: ["news"] });
    const socket = new TestSocket(url);
    await socket.opened;
    await emulator.waitForConnections("cli", (l) => l.some((c) => c.groups.includes("news")));
    const one = await runCli([
      "send",
      "--hub",
      "cli",
      "--group",
      "news",
      '{"n":1}',
      "--connection-string",
      emulator.connectionString,
    ]);
    expect(one.code).toBe(0);
    expect(JSON.parse(String((await socket.next()).data))).toEqual({ n: 1 });

    const dir = mkdtempSync(join(tmpdir(), "wps-cli-"));
    const file = join(dir, "lines.txt");
    writeFileSync(file, Array.from({ length: 50 }, (_, i) => `line ${i}`).join("\n") + "\n");
    const many = await runCli(
      ["send", "--hub", "cli", "--group", "news", "--text", "--lines", file, "--concurrency", "4"],
      { WebPubSubConnectionString: emulator.connectionString },
    );
    expect(many.code).toBe(0);
    expect(many.stderr).toContain("done: 50 sent, 0 failed");
    const got = new Set<string>();
    for (let i = 0; i < 50; i++) got.add(String((await socket.next()).data));
    expect(got.size).toBe(50);
    expect(got.has("line 49")).toBe(true);
    expect(many.stdout + many.stderr).not.toContain(key);
    socket.close();
  });

  it("reads lines from stdin and exits 1 naming the lines that could not be sent", async () => {
    const result = await runCli(
      ["send", "--hub", "cli", "--user", "x", "--lines", "-", "--quiet"],
      { WebPubSubConnectionString: emulator.connectionString },
      '{"ok":1}\nnot json\n',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("message 2 failed: line 2 is not valid JSON (pass --text to send lines as text)");
    expect(result.stderr).not.toContain("message 1 failed");
  });

  it("refuses conflicting targets with exit status 2", async () => {
    const r = await runCli(["send", "--hub", "cli", "--group", "a", "--user", "b", "hi"], {
      WebPubSubConnectionString: emulator.connectionString,
    });
    expect(r).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("at most one of --group, --user, --connection") as unknown,
    });
  });
});

describe("webpubsub emulator", () => {
  it("starts, prints a working connection string, logs requests and stops on SIGINT", async () => {
    const child = spawn(process.execPath, [cli, "emulator", "--port", "0"]);
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    await expect.poll(() => /Endpoint=\S+;/.test(stdout), { timeout: 10_000 }).toBe(true);
    const connectionString = (/^\s*(Endpoint=\S+)$/m.exec(stdout) as RegExpExecArray)[1] as string;
    const c = new WebPubSubServiceClient(connectionString, "hub1");
    await c.sendToAll({ hi: 1 });
    expect(await c.groupExists("nobody")).toBe(false);
    await c.close();
    await expect.poll(() => stdout.includes("/api/hubs/hub1/:send"), { timeout: 10_000 }).toBe(true);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
  });
  it("--public-endpoint names the endpoint behind a proxy; a bad one exits 2", async () => {
    const child = spawn(process.execPath, [
      cli,
      "emulator",
      "--port",
      "0",
      "--quiet",
      "--no-ui",
      "--public-endpoint",
      "https://pubsub.example.com",
    ]);
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    await expect.poll(() => stdout.includes("Endpoint=https://pubsub.example.com;"), { timeout: 10_000 }).toBe(true);
    // Both: where it listens (the proxy's target) and the public endpoint the connection string names.
    expect(stdout).toMatch(/^Web PubSub emulator listening on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(stdout).toContain("Public endpoint (in the connection string): https://pubsub.example.com\n");
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    // With logging on, the log line says both; --port 0 is the real port, never the public one.
    const logged = spawn(process.execPath, [
      cli,
      "emulator",
      "--port",
      "0",
      "--no-ui",
      "--public-endpoint",
      "http://127.0.0.1:9999",
    ]);
    let log = "";
    logged.stdout.on("data", (d: Buffer) => (log += d.toString()));
    const loggedExit = new Promise<number | null>((resolve) => logged.on("close", resolve));
    await expect.poll(() => log.includes("Press Ctrl+C"), { timeout: 10_000 }).toBe(true);
    const line =
      /emulator listening on http:\/\/127\.0\.0\.1:(\d+); public endpoint \(in the connection string\) (\S+)$/m.exec(
        log,
      );
    expect(line, log).not.toBeNull();
    expect(line?.[1]).not.toBe("9999");
    expect(line?.[2]).toBe("http://127.0.0.1:9999");
    logged.kill("SIGINT");
    expect(await loggedExit).toBe(0);
    const bad = await runNode([cli, "emulator", "--port", "0", "--public-endpoint", "pubsub.example.com/x"]);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining("publicEndpoint") as unknown });
  });
});
