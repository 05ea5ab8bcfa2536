// Emulator.watch(): the event stream the live view is built on, driven by real clients, our SDK's REST
// calls and a real event handler that fails on purpose.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebPubSubServiceClient } from "../../../src/index";
import { startEmulator, type Emulator, type EmulatorEvent } from "../../../src/emulator/index";
import { startRecordingServer } from "../../helpers/recordingServer";
import { TestSocket, refusedStatus } from "../../helpers/ws";

let emulator: Emulator;
let client: WebPubSubServiceClient;
let handler: Awaited<ReturnType<typeof startRecordingServer>>;
const events: EmulatorEvent[] = [];
let stop: () => void;

beforeAll(async () => {
  // The handler allows the abuse-protection OPTIONS, accepts system events and fails user event "boom".
  handler = await startRecordingServer((request, res) => {
    if (request.method === "OPTIONS") {
      res.setHeader("webhook-allowed-origin", "*");
      res.end();
      return;
    }
    res.statusCode = request.headers["ce-eventname"] === "boom" ? 500 : 204;
    res.end(res.statusCode === 500 ? "handler exploded" : undefined);
  });
  emulator = await startEmulator({ port: 0, hubs: { watched: { url: `${handler.url}/{event}` } } });
  client = new WebPubSubServiceClient(emulator.connectionString, "watched", { retryOptions: { maxRetries: 0 } });
  stop = emulator.watch((event) => events.push(event));
});
afterAll(async () => {
  stop();
  await client.close();
  await emulator.close();
  await handler.close();
});

async function until<T extends EmulatorEvent>(predicate: (e: EmulatorEvent) => e is T, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = events.find(predicate);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no matching event; saw ${events.map((e) => e.kind).join(",")}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("Emulator.watch", () => {
  it("reports connects, group joins, frames, upstream calls, sends with their reach and disconnects", async () => {
    const { url } = await client.getClientAccessToken({
      userId: "ann",
      roles: ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"],
      groups: ["lobby"],
    });
    const ann = new TestSocket(url, "json.webpubsub.azure.v1");
    const hello = await ann.nextJson();
    const id = String(hello["connectionId"]);
    expect(
      await until((e): e is EmulatorEvent & { kind: "connected" } => e.kind === "connected" && e.connectionId === id),
    ).toMatchObject({
      hub: "watched",
      userId: "ann",
      subprotocol: "json.webpubsub.azure.v1",
    });
    await until((e): e is EmulatorEvent => e.kind === "join" && e.group === "lobby" && e.connectionId === id);
    const connectedCall = await until(
      (e): e is EmulatorEvent & { kind: "upstream" } =>
        e.kind === "upstream" && e.event === "azure.webpubsub.sys.connected",
    );
    expect(connectedCall.status).toBe(204);

    await client.group("lobby").sendToAll({ hi: 1 });
    const send = await until(
      (e): e is EmulatorEvent & { kind: "rest" } => e.kind === "rest" && e.path.includes("/groups/lobby/:send"),
    );
    expect(send).toMatchObject({ hub: "watched", method: "POST", status: 202, reach: 1 });
    expect(send.ms).toBeGreaterThanOrEqual(0);
    expect(await ann.nextJson()).toMatchObject({ type: "message", from: "group", group: "lobby", data: { hi: 1 } });

    ann.send({ type: "event", event: "boom", dataType: "text", data: "x", ackId: 7 });
    const frame = await until(
      (e): e is EmulatorEvent & { kind: "frame" } => e.kind === "frame" && e.connectionId === id,
    );
    expect(JSON.parse(frame.bytes.toString("utf8"))).toMatchObject({ type: "event", event: "boom" });
    const failed = await until(
      (e): e is EmulatorEvent & { kind: "upstream" } =>
        e.kind === "upstream" && e.event === "azure.webpubsub.user.boom",
    );
    expect(failed).toMatchObject({ status: 500, error: "handler exploded", userId: "ann" });

    // A failed user event drops the connection (reference-cloud-events), with the reason.
    expect(
      await until(
        (e): e is EmulatorEvent & { kind: "disconnected" } => e.kind === "disconnected" && e.connectionId === id,
      ),
    ).toMatchObject({ reason: expect.stringContaining("500") as unknown });
  });

  it("reports refused upgrades without their query (which holds the token)", async () => {
    const { url } = await client.getClientAccessToken();
    expect(await refusedStatus(`${url.replace(/access_token=[^&]+/, "access_token=not-a-token")}`)).toBe(401);
    const refused = await until((e): e is EmulatorEvent & { kind: "refused" } => e.kind === "refused");
    expect(refused).toMatchObject({ path: "/client/hubs/watched", status: 401 });
    expect(JSON.stringify(refused)).not.toContain("access_token");
  });

  it("stops calling a listener once it is removed, and ignores a listener that throws", async () => {
    const seen: EmulatorEvent[] = [];
    const stopOne = emulator.watch((e) => seen.push(e));
    const stopThrowing = emulator.watch(() => {
      throw new Error("listener bug");
    });
    await client.sendToAll("one", { contentType: "text/plain" });
    stopOne();
    stopThrowing();
    await client.sendToAll("two", { contentType: "text/plain" });
    expect(seen.filter((e) => e.kind === "rest")).toHaveLength(1);
    expect(events.filter((e) => e.kind === "rest" && e.path.includes(":send?")).length).toBeGreaterThanOrEqual(2);
  });
});
