// The chat sample end to end in headless Chromium: two pages negotiate, connect to the emulator with the
// json.webpubsub.azure.v1 protocol, one sends, the event handler broadcasts, the other page shows it.
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChatServer, type ChatServer } from "../../samples/chat/server";
import { chromiumArgs, chromiumBinary } from "../helpers/optionalBinary";

// CI installs Chromium (.ci/run) and requires this suite; elsewhere it is skipped with a notice when missing.
const chromiumBin = chromiumBinary();
const haveBrowser = chromiumBin.run;

let chat: ChatServer;
let browser: Browser;

beforeAll(async () => {
  if (!haveBrowser) return;
  chat = await startChatServer();
  browser = await chromium.launch({ executablePath: chromiumBin.path as string, args: chromiumArgs });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await chat?.close();
});

describe("chat sample in a browser", () => {
  it.runIf(haveBrowser)(
    "two pages join, one sends, the other sees the message",
    async () => {
      const alice = await browser.newPage();
      const bob = await browser.newPage();
      await alice.goto(`${chat.url}/?id=alice`);
      await alice.locator("#status", { hasText: "connected as alice" }).waitFor({ timeout: 10_000 });
      await bob.goto(`${chat.url}/?id=bob`);
      await bob.locator("#status", { hasText: "connected as bob" }).waitFor({ timeout: 10_000 });

      await alice.fill("#text", "hello bob");
      await alice.click("#send");
      await bob.locator("#messages li", { hasText: "alice: hello bob" }).waitFor({ timeout: 10_000 });
      await alice.locator("#messages li", { hasText: "alice: hello bob" }).waitFor({ timeout: 10_000 });
      // The join notices went through the handler's connected event.
      await alice.locator("#messages li.system", { hasText: "bob joined" }).waitFor({ timeout: 10_000 });

      await bob.fill("#text", "hi alice");
      await bob.press("#text", "Enter");
      await alice.locator("#messages li", { hasText: "bob: hi alice" }).waitFor({ timeout: 10_000 });
      expect(
        chat.emulator
          ?.connections("chat")
          .map((c) => c.userId)
          .sort(),
      ).toEqual(["alice", "bob"]);
    },
    60_000,
  );

  it.runIf(chromiumBin.missingButRequired)(`requires Chromium: ${chromiumBin.notice}`, () => {
    throw new Error(chromiumBin.notice);
  });
});
