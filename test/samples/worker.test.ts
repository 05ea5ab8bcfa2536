// samples/worker: the Cloudflare Worker sample, bundled as wrangler bundles it and run by workerd, against
// the emulator (whose upstream is the Worker's event handler).
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index";
import { TestSocket } from "../helpers/ws";
import { makeSandbox, startWorker, workerd, type RuntimeHost } from "../runtimes/runtimes";

const sample = fileURLToPath(new URL("../../samples/worker/worker.ts", import.meta.url));

describe.runIf(workerd.binary.run)("samples/worker in workerd", () => {
  let sandbox: ReturnType<typeof makeSandbox>;
  let emulator: Emulator;
  let worker: RuntimeHost;

  beforeAll(async () => {
    sandbox = makeSandbox();
    copyFileSync(sample, join(sandbox.dir, "sample-worker.ts"));
    emulator = await startEmulator({ port: 0 });
    worker = await startWorker(sandbox.dir, "sample-worker.ts", {
      WebPubSubConnectionString: emulator.connectionString,
    });
    emulator.setHub("chat", { url: `${worker.origin}/eventhandler/` });
  }, 60_000);
  afterAll(async () => {
    await worker?.stop();
    await emulator?.close();
    sandbox?.remove();
  });

  it("negotiates a URL, handles connect and chat events, and broadcasts", async () => {
    const negotiated = (await (await fetch(`${worker.origin}/negotiate?user=ann`)).json()) as { url: string };
    expect(negotiated.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/client\/hubs\/chat\?access_token=/);
    const socket = new TestSocket(negotiated.url, "json.webpubsub.azure.v1");
    const connected = await socket.nextJson();
    expect(connected).toMatchObject({ type: "system", event: "connected", userId: "ann" });
    // handleConnect (in the Worker) put the connection in the lobby.
    await expect
      .poll(() => emulator.connections("chat").find((c) => c.connectionId === connected["connectionId"])?.groups)
      .toEqual(["lobby"]);

    // A chat event goes up to the Worker, which broadcasts it through the REST API.
    socket.send({ type: "event", event: "message", dataType: "text", data: "hello from ann" });
    expect(await socket.nextJson()).toMatchObject({
      type: "message",
      from: "server",
      data: { from: "ann", text: "hello from ann" },
    });

    const broadcast = await fetch(`${worker.origin}/broadcast`, { method: "POST", body: "maintenance at noon" });
    expect(broadcast.status).toBe(202);
    expect(await socket.nextJson()).toMatchObject({
      type: "message",
      from: "server",
      dataType: "text",
      data: "maintenance at noon",
    });
    socket.close();
  });
});
