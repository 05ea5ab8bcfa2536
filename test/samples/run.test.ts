// Samples run the way their headers say, from this checkout (npx tsx, the built package).
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index";
import { WebPubSubServiceClient } from "../../src/index";
import { runNode } from "../helpers/spawn";
import { TestSocket } from "../helpers/ws";

const sample = (path: string) => fileURLToPath(new URL(`../../samples/${path}`, import.meta.url));
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator.close();
});

function tsx(path: string, args: string[], env: Record<string, string>) {
  return runNode(["--import", "tsx", sample(path), ...args], { env: { WebPubSubConnectionString: "", ...env } });
}

describe("samples run as their headers say", () => {
  it("publish.ts without WebPubSubConnectionString prints a one-line usage, not a stack", async () => {
    const result = await tsx("publish.ts", [], {});
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^usage: WebPubSubConnectionString=/);
    expect(result.stderr).not.toMatch(/\bat \S+:\d+/);
  });

  it("serverless/handler.ts run directly invokes the function once and the message arrives", async () => {
    const service = new WebPubSubServiceClient(emulator.connectionString, "notifications");
    const { url } = await service.getClientAccessToken({ userId: "zed" });
    const socket = new TestSocket(url);
    await socket.opened;
    const result = await tsx("serverless/handler.ts", ["hi there", "zed"], {
      WebPubSubConnectionString: emulator.connectionString,
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe("202 sent");
    expect(JSON.parse(String((await socket.next()).data))).toMatchObject({ text: "hi there" });
    socket.close();
    await service.close();
  });
});
