// Every sample, run the way its header says, against the emulator.
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClosedError, WebPubSubServiceClient } from "webpubsub";
import { startEmulator, type Emulator } from "webpubsub/emulator";
import { startNode } from "../helpers/spawn";
import { TestSocket } from "../helpers/ws";

const samples = fileURLToPath(new URL("../../samples/", import.meta.url));
let emulator: Emulator;
const children: ChildProcess[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  for (const child of children) child.kill();
  await emulator.close();
});

function runSample(file: string, args: string[], env: Record<string, string>) {
  const run = startNode(["--import", "tsx", `${samples}${file}`, ...args], { env });
  children.push(run.child);
  return { ...run, exited: run.exited.then((r) => r.code) };
}

describe("tutorial", () => {
  it("the subscriber prints what the publisher sends", async () => {
    const env = { WebPubSubConnectionString: emulator.connectionString };
    const subscriber = runSample("subscribe.ts", ["tutorial"], env);
    await expect.poll(() => subscriber.output.stdout, { timeout: 15_000 }).toContain("connected to hub tutorial");
    const publisher = runSample("publish.ts", ["Hello World", "tutorial"], env);
    expect(await publisher.exited).toBe(0);
    expect(publisher.output.stdout).toContain("sent: Hello World");
    await expect.poll(() => subscriber.output.stdout, { timeout: 5000 }).toContain("Message received: Hello World");
    subscriber.child.kill("SIGTERM");
    await subscriber.exited;
  });
});

describe("serverless", () => {
  it("reuses one client across invocations, awaits every send and closes cleanly", async () => {
    process.env["WebPubSubConnectionString"] = emulator.connectionString;
    const fn = await import("../../samples/serverless/handler");
    const service = new WebPubSubServiceClient(emulator.connectionString, "notifications");
    const { url } = await service.getClientAccessToken({ userId: "ann", groups: ["ops"] });
    const socket = new TestSocket(url);
    await socket.opened;

    expect(await fn.handler({ userId: "ann", text: "one" })).toEqual({ statusCode: 202, body: "sent" });
    const first = fn.currentClient();
    expect(await fn.handler({ group: "ops", text: "two" })).toEqual({ statusCode: 202, body: "sent" });
    expect(await fn.handler({ text: "three" })).toEqual({ statusCode: 202, body: "sent" });
    expect(fn.currentClient()).toBe(first);
    // The function returned only after the service had the message: all three are already on their way.
    const texts = [];
    for (let i = 0; i < 3; i++) texts.push((JSON.parse(String((await socket.next()).data)) as { text: string }).text);
    expect(texts).toEqual(["one", "two", "three"]);
    expect(await fn.handler({ group: "", text: "x" })).toMatchObject({
      statusCode: 400,
      body: expect.stringContaining("group") as unknown,
    });

    await fn.shutdown();
    expect(fn.currentClient()).toBeUndefined();
    await expect(first?.sendToAll("late")).rejects.toBeInstanceOf(ClosedError);
    socket.close();
    await service.close();
  });
});

describe("batch job", () => {
  it("notifies every user with progress and a summary", async () => {
    const { runBatch } = await import("../../samples/batch/notify");
    const service = new WebPubSubServiceClient(emulator.connectionString, "notifications");
    const { url } = await service.getClientAccessToken({ userId: "user-1234" });
    const socket = new TestSocket(url);
    await socket.opened;
    await emulator.waitForConnections("notifications", (l) => l.some((c) => c.userId === "user-1234"));
    const lines: string[] = [];
    const result = await runBatch(emulator.connectionString, 3000, (line) => lines.push(line));
    expect(result).toEqual({ succeeded: 3000, failed: 0 });
    expect(lines.at(-1)).toMatch(/^done: 3000 sent, 0 failed in \d+ ms$/);
    expect(lines.some((l) => l.startsWith("progress: "))).toBe(true);
    expect(JSON.parse(String((await socket.next()).data))).toEqual({ kind: "digest", items: 1234 % 7 });
    socket.close();
    await service.close();
  });

  it("runs from the command line with its embedded emulator", async () => {
    const job = runSample("batch/notify.ts", ["500"], { WebPubSubConnectionString: "" });
    expect(await job.exited).toBe(0);
    expect(job.output.stdout).toMatch(/done: 500 sent, 0 failed/);
  });
});

describe("fastify", () => {
  it("negotiates a URL and routes a client's message through the event handler back to everyone", async () => {
    const { startFastifyServer } = await import("../../samples/fastify/server");
    const server = await startFastifyServer();
    try {
      const response = await fetch(`${server.url}/negotiate?id=fay`);
      expect(response.headers.get("cache-control")).toBe("no-store");
      const { url } = (await response.json()) as { url: string };
      const socket = new TestSocket(url);
      await socket.opened;
      socket.send("hello from fastify");
      expect(JSON.parse(String((await socket.next()).data))).toEqual({ from: "fay", text: "hello from fastify" });
      socket.close();
    } finally {
      await server.close();
    }
  });
});
