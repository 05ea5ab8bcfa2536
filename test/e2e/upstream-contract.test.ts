// The CloudEvents contract (reference-cloud-events) from the event handler's side: where abuse protection
// is validated, what a connect reply's `subprotocol` does to the handshake, that a failed user event drops
// the connection with a `disconnected` event carrying the reason, and that a reply is read only up to a limit.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebPubSubServiceClient as AzureServiceClient } from "@azure/web-pubsub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index";
import { TestSocket, refusedStatus } from "../helpers/ws";

interface Seen {
  method: string;
  path: string;
  event: string | undefined;
  connectionId: string | undefined;
  body: string;
}

let emulator: Emulator;
let handler: Server;
let azure: AzureServiceClient;
const seen: Seen[] = [];
let hugeSentMiB: number | undefined;

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

beforeAll(async () => {
  handler = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      const event = header(req, "ce-eventname");
      seen.push({
        method: req.method ?? "",
        path: req.url ?? "",
        event,
        connectionId: header(req, "ce-connectionid"),
        body,
      });
      if (req.method === "OPTIONS") {
        res.setHeader("webhook-allowed-origin", "*");
        return void res.end();
      }
      if (event === "connect") {
        const query = (JSON.parse(body) as { query: Record<string, string[]> }).query;
        const pick = query["pick"]?.[0];
        res.setHeader("content-type", "application/json");
        return void res.end(JSON.stringify(pick === undefined ? {} : { subprotocol: pick }));
      }
      if (event === "fail" || req.url?.endsWith("/fail") === true) {
        res.statusCode = 400;
        return void res.end("not accepted");
      }
      if (event === "huge") {
        // 64 MiB offered; the emulator must stop reading long before.
        res.setHeader("content-type", "application/octet-stream");
        const chunk = Buffer.alloc(1024 * 1024, 1);
        let sent = 0;
        res.once("close", () => (hugeSentMiB = sent));
        const pump = (): void => {
          while (sent < 64) {
            sent++;
            if (!res.write(chunk)) return void res.once("drain", pump);
          }
          res.end();
        };
        res.on("error", () => {});
        return pump();
      }
      if (event === "message") {
        res.setHeader("content-type", "text/plain");
        return void res.end(`got ${body}`);
      }
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => handler.listen(0, "127.0.0.1", resolve));
  const port = (handler.address() as AddressInfo).port;
  emulator = await startEmulator({
    port: 0,
    hubs: {
      contract: { url: `http://127.0.0.1:${port}/hooks/{hub}/{event}` },
      // Every event of this hub goes to the failing route (no blocking connect, so clients can connect).
      failing: { url: `http://127.0.0.1:${port}/hooks/{hub}/fail`, systemEvents: ["disconnected"] },
    },
  });
  azure = new AzureServiceClient(emulator.connectionString, "contract", {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
});
afterAll(async () => {
  await emulator.close();
  handler.closeAllConnections();
  await new Promise((resolve) => handler.close(resolve));
});

describe("abuse protection", () => {
  it("the OPTIONS validation goes to the URL template with {event} = validate, and events follow it", async () => {
    const { url } = await azure.getClientAccessToken();
    const socket = new TestSocket(url);
    await socket.opened;
    await expect.poll(() => seen.some((s) => s.event === "connected")).toBe(true);
    const options = seen.filter((s) => s.method === "OPTIONS");
    expect(options.map((s) => s.path)).toEqual(["/hooks/contract/validate"]);
    expect(seen.find((s) => s.event === "connect")?.path).toBe("/hooks/contract/connect");
    socket.close();
  });
});

describe("the connect handler chooses the subprotocol", () => {
  const offered = ["json.webpubsub.azure.v1", "json.reliable.webpubsub.azure.v1", "chat.v1"];

  it.each([
    ["json.webpubsub.azure.v1", "json.webpubsub.azure.v1"],
    ["json.reliable.webpubsub.azure.v1", "json.reliable.webpubsub.azure.v1"],
    ["chat.v1", "chat.v1"],
  ])("picking %s answers the handshake with it and the connection speaks it", async (pick, expected) => {
    const { url } = await azure.getClientAccessToken({ userId: `pick-${pick}` });
    const socket = new TestSocket(`${url}&pick=${encodeURIComponent(pick)}`, offered as unknown as string);
    await socket.opened;
    expect(socket.socket.protocol).toBe(expected);
    const info = (
      await emulator.waitForConnections("contract", (l) => l.some((c) => c.userId === `pick-${pick}`))
    ).find((c) => c.userId === `pick-${pick}`);
    expect(info?.subprotocol).toBe(expected);
    if (pick === "chat.v1") {
      // A simple client: no connected frame; its frames are `message` events, the reply comes back raw.
      socket.send("hello");
      expect(await socket.next()).toEqual({ data: "got hello", binary: false });
      await expect.poll(() => seen.find((s) => s.event === "message" && s.body === "hello")).toBeDefined();
    } else {
      const connected = await socket.nextJson();
      expect(connected).toMatchObject({ type: "system", event: "connected" });
      expect("reconnectionToken" in connected).toBe(pick === "json.reliable.webpubsub.azure.v1");
    }
    socket.close();
  });

  it("a subprotocol the client did not offer is refused", async () => {
    const { url } = await azure.getClientAccessToken();
    expect(await refusedStatus(`${url}&pick=mqtt`, "json.webpubsub.azure.v1")).toBeGreaterThanOrEqual(400);
  });
});

describe("a failed user event drops the connection", () => {
  it.each([
    ["json.webpubsub.azure.v1", "contract"],
    [undefined, "failing"],
  ])(
    "protocol %s: failed ack (if asked), disconnected frame, close, upstream disconnected with the reason",
    async (protocol, hub) => {
      const client = new AzureServiceClient(emulator.connectionString, hub, {
        allowInsecureConnection: true,
        retryOptions: { maxRetries: 0 },
      });
      const { url } = await client.getClientAccessToken({ userId: `drop-${hub}` });
      const socket = new TestSocket(url, protocol);
      await socket.opened;
      const id = (await emulator.waitForConnections(hub, (l) => l.some((c) => c.userId === `drop-${hub}`))).find(
        (c) => c.userId === `drop-${hub}`,
      )?.connectionId as string;
      if (protocol !== undefined) {
        await socket.nextJson();
        socket.send({ type: "event", event: "fail", dataType: "text", data: "x", ackId: 1 });
        expect(await socket.nextJson()).toMatchObject({
          type: "ack",
          ackId: 1,
          success: false,
          error: { name: "InternalServerError" },
        });
        expect(await socket.nextJson()).toMatchObject({ type: "system", event: "disconnected" });
      } else {
        // A simple client's frame is the `message` event; this hub's handler fails every event.
        socket.send("anything");
      }
      await socket.closed;
      expect(await client.connectionExists(id)).toBe(false);
      // The `disconnected` event goes up with a reason (the failing hub's handler answers 400 to it too; it is only logged).
      await expect
        .poll(() => seen.find((s) => s.method === "POST" && s.connectionId === id && s.body.includes("reason")))
        .toBeDefined();
      const up = seen.find((s) => s.method === "POST" && s.connectionId === id && s.body.includes("reason")) as Seen;
      expect((JSON.parse(up.body) as { reason: string }).reason).toMatch(/400/);
    },
  );
});

describe("bounded replies", () => {
  it("a reply longer than 1 MiB fails the event (ack InternalServerError) instead of being read to the end", async () => {
    const { url } = await azure.getClientAccessToken({ userId: "greedy" });
    const socket = new TestSocket(url, "json.webpubsub.azure.v1");
    await socket.nextJson();
    socket.send({ type: "event", event: "huge", dataType: "text", data: "x", ackId: 1 });
    expect(await socket.nextJson(10_000)).toMatchObject({
      type: "ack",
      ackId: 1,
      success: false,
      error: { name: "InternalServerError" },
    });
    // The emulator hung up: the handler could not push its 64 MiB.
    await expect.poll(() => hugeSentMiB).toBeDefined();
    expect(hugeSentMiB).toBeLessThan(64);
    socket.send({ type: "ping" });
    expect(await socket.nextJson()).toEqual({ type: "pong" });
    socket.close();
  });
});
