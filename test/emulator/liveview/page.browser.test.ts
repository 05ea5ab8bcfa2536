// The live view in headless Chromium: connections appear and disappear, a REST send shows its reach, a
// failing event handler shows its status, every action works through the emulator's REST routes, and a
// browser without the key is refused. Saves a screenshot (docs/liveview.png, shown in docs/liveview.md, with WEBPUBSUB_SCREENSHOT=1).
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebPubSubServiceClient } from "../../../src/index";
import { startEmulator, type Emulator } from "../../../src/emulator/index";
import { chromiumArgs, chromiumBinary } from "../../helpers/optionalBinary";
import { startRecordingServer } from "../../helpers/recordingServer";
import { TestSocket } from "../../helpers/ws";

const chromiumBin = chromiumBinary();
const key = "browser-liveview-key-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
// The live view guide's screenshot is refreshed only on request (WEBPUBSUB_SCREENSHOT=1), so a test run leaves the
// work tree clean; otherwise the picture goes to the temp folder.
const screenshot =
  process.env["WEBPUBSUB_SCREENSHOT"] === "1"
    ? fileURLToPath(new URL("../../../docs/liveview.png", import.meta.url))
    : join(tmpdir(), "webpubsub-liveview.png");

let emulator: Emulator;
let handler: Awaited<ReturnType<typeof startRecordingServer>>;
let client: WebPubSubServiceClient;
let browser: Browser;
let page: Page;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  if (!chromiumBin.run) return;
  // An event handler that accepts everything but the user event "boom", which fails with 500.
  handler = await startRecordingServer((request, res) => {
    if (request.method === "OPTIONS") {
      res.setHeader("webhook-allowed-origin", "*");
      res.end();
      return;
    }
    const boom = request.headers["ce-eventname"] === "boom";
    res.statusCode = boom ? 500 : 204;
    res.end(boom ? "order service unavailable" : undefined);
  });
  emulator = await startEmulator({
    port: 0,
    ui: true,
    accessKey: key,
    hubs: { chat: { url: `${handler.url}/{event}` } },
  });
  client = new WebPubSubServiceClient(emulator.connectionString, "chat", { retryOptions: { maxRetries: 0 } });
  browser = await chromium.launch({ executablePath: chromiumBin.path as string, args: chromiumArgs });
  page = await browser.newPage({ viewport: { width: 1480, height: 860 } });
}, 60_000);
afterAll(async () => {
  for (const s of sockets) s.close();
  await browser?.close();
  await client?.close();
  await emulator?.close();
  await handler?.close();
});

async function pubsubClient(userId: string, groups: string[] = []): Promise<{ socket: TestSocket; id: string }> {
  const { url } = await client.getClientAccessToken({
    userId,
    groups,
    roles: ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"],
  });
  const socket = new TestSocket(url, "json.webpubsub.azure.v1");
  sockets.push(socket);
  const connected = await socket.nextJson();
  return { socket, id: String(connected["connectionId"]) };
}

/** The next message frame a socket receives, skipping acks. */
async function nextMessage(socket: TestSocket): Promise<Record<string, unknown>> {
  for (;;) {
    const frame = await socket.nextJson(5000);
    if (frame["type"] === "message") return frame;
  }
}

const trafficRow = (text: string | RegExp) => page.locator("#traffic tbody tr", { hasText: text });

describe("live view in a browser", () => {
  it.runIf(chromiumBin.run)("refuses a browser without the key (401, login page, no key in it)", async () => {
    const stranger = await browser.newPage();
    const response = await stranger.goto(`${emulator.endpoint}/ui/`);
    expect(response?.status()).toBe(401);
    await stranger.locator("form[action='/ui/login']").waitFor();
    expect(await stranger.content()).not.toContain(key);
    // The login page's policy forbids scripts, so ask with the page's own context (its cookies: none).
    expect((await stranger.context().request.get(`${emulator.endpoint}/ui/api/events`)).status()).toBe(401);
    expect((await stranger.context().request.get(`${emulator.endpoint}/ui/api/state`)).status()).toBe(401);
    await stranger.close();
  });

  it.runIf(chromiumBin.run)("shows connections, groups, sends with reach and failing handler calls, live", async () => {
    await page.goto(emulator.liveViewUrl as string);
    expect(page.url()).toBe(`${emulator.endpoint}/ui/`);
    await page.locator("#feed-status", { hasText: "live" }).waitFor({ timeout: 10_000 });
    const html = await page.content();
    expect(html).not.toContain(key);
    expect(html).not.toContain(new URL(emulator.liveViewUrl as string).searchParams.get("token"));

    const ann = await pubsubClient("ann", ["lobby"]);
    await pubsubClient("ben", ["lobby", "ops"]);
    await page.locator("#connections tbody tr", { hasText: "ann" }).waitFor({ timeout: 10_000 });
    await page.locator("#connections tbody tr", { hasText: "ben" }).waitFor();
    await page.locator("#groups li", { hasText: "lobby" }).locator(".count", { hasText: "2" }).waitFor();
    await trafficRow("connected · json").first().waitFor();

    await client.group("lobby").sendToAll({ order: 42 });
    await trafficRow("reached 2 connections").waitFor();
    await expect.poll(async () => trafficRow("/groups/lobby/:send").locator(".status").textContent()).toBe("202");

    ann.socket.send({ type: "event", event: "boom", dataType: "json", data: { order: 42 }, ackId: 1 });
    const failed = trafficRow("user.boom");
    await failed.waitFor();
    expect(await failed.locator(".status").textContent()).toBe("500");
    await expect.poll(() => failed.textContent()).toContain("order service unavailable");
    await trafficRow("event · event boom · json").waitFor();

    // Filters: only event-handler calls of user ann.
    await page.selectOption("#f-kind", "upstream");
    await page.fill("#f-user", "ann");
    const kinds = await page.locator("#traffic tbody tr .kind").allTextContents();
    expect(kinds.length).toBeGreaterThan(0);
    expect(new Set(kinds.map((k) => k.toLowerCase()))).toEqual(new Set(["handler"]));
    expect(await page.locator("#traffic tbody tr", { hasText: "ben" }).count()).toBe(0);
    await page.selectOption("#f-kind", "");
    await page.fill("#f-user", "");

    // Pause holds new lines back until resumed.
    await page.click("#pause");
    await client.sendToAll("while paused", { contentType: "text/plain" });
    await page.locator("#pause", { hasText: "Resume (1 new)" }).waitFor();
    expect(await trafficRow("POST /:send").count()).toBe(0);
    await page.click("#pause");
    await trafficRow("POST /:send").waitFor();
  });

  it.runIf(chromiumBin.run)("sends to all, a group, a user and a connection (text and JSON) through REST", async () => {
    const cara = await pubsubClient("cara", ["lobby"]);
    await page.locator("#connections tbody tr", { hasText: "cara" }).waitFor();
    await page.fill("#act-hub", "chat");
    const send = async (target: string, to: string, type: "text" | "json", body: string) => {
      await page.selectOption("#send-target", target);
      if (target !== "all") await page.fill("#send-to", to);
      await page.selectOption("#send-type", type);
      await page.fill("#send-body", body);
      await page.click("#send");
    };
    await send("all", "", "text", "hello everyone");
    expect(await nextMessage(cara.socket)).toMatchObject({ from: "server", dataType: "text", data: "hello everyone" });
    await send("group", "lobby", "json", '{"n":1}');
    expect(await nextMessage(cara.socket)).toMatchObject({ dataType: "json", data: { n: 1 } });
    await send("user", "cara", "text", "just you");
    expect(await nextMessage(cara.socket)).toMatchObject({ data: "just you" });
    await send("connection", cara.id, "json", '{"direct":true}');
    expect(await nextMessage(cara.socket)).toMatchObject({ data: { direct: true } });
    await page.locator("#result", { hasText: "→ 202" }).waitFor();
    await trafficRow("POST /connections/").first().waitFor();
  });

  it.runIf(chromiumBin.run)("adds and removes a connection to a group, and closes it with a reason", async () => {
    const dan = await pubsubClient("dan");
    await page.locator("#connections tbody tr", { hasText: "dan" }).click();
    expect(await page.inputValue("#conn-id")).toBe(dan.id);
    await page.fill("#conn-group", "vip");
    await page.click("#group-add");
    await expect
      .poll(() => emulator.connections("chat").find((c) => c.connectionId === dan.id)?.groups)
      .toEqual(["vip"]);
    await page.locator("#groups li", { hasText: "vip" }).waitFor();
    await page.click("#group-remove");
    await expect.poll(() => emulator.connections("chat").find((c) => c.connectionId === dan.id)?.groups).toEqual([]);
    await page.fill("#close-reason", "kicked by the live view");
    await page.click("#close");
    const closed = await dan.socket.closed;
    expect(closed.code).toBe(1000);
    await trafficRow("disconnected · json · kicked by the live view").waitFor();
    await expect
      .poll(() => page.locator("#connections tbody tr", { hasText: "dan" }).count(), { timeout: 10_000 })
      .toBe(0);
  });

  it.runIf(chromiumBin.run)(
    "mints a client URL and opens a test client that receives, joins groups and sends",
    async () => {
      await page.fill("#mint-user", "tess");
      await page.click("#mint");
      await expect
        .poll(() => page.inputValue("#mint-url"))
        .toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/client\/hubs\/chat\?access_token=/);
      await page.click("#open-client");
      const card = page.locator("#clients .client").first();
      await card.locator(".s-ok", { hasText: "connected" }).waitFor({ timeout: 10_000 });
      await page.locator("#connections tbody tr", { hasText: "tess" }).waitFor();

      await card.locator("input[aria-label=group]").fill("demo");
      await card.locator("button", { hasText: "Join" }).click();
      await expect.poll(() => emulator.connections("chat").find((c) => c.userId === "tess")?.groups).toEqual(["demo"]);

      await client.group("demo").sendToAll("for the demo group", { contentType: "text/plain" });
      await card.locator(".log li", { hasText: "for the demo group" }).waitFor();

      const watcher = await pubsubClient("will", ["demo"]);
      await card.locator("input[aria-label=message]").fill("hi from tess");
      await card.locator("button", { hasText: "Send to group" }).click();
      expect(await nextMessage(watcher.socket)).toMatchObject({
        from: "group",
        group: "demo",
        fromUserId: "tess",
        data: "hi from tess",
      });
      await trafficRow("sendToGroup · group demo · text").waitFor();
      await card.locator("button", { hasText: "Send event" }).click();
      await trafficRow("user.message").waitFor();

      await page.evaluate(() => document.getElementById("actions-panel")?.scrollTo(0, 0));
      await page.waitForTimeout(300);
      mkdirSync(new URL("../../../docs/", import.meta.url), { recursive: true });
      await page.screenshot({ path: screenshot });
    },
  );

  it.runIf(chromiumBin.missingButRequired)(`requires Chromium: ${chromiumBin.notice}`, () => {
    throw new Error(chromiumBin.notice);
  });
});
