// The live view over plain HTTP: who gets in (key, token, cookie; 401 otherwise), that neither the key
// nor the token is in what it serves, the REST-token signer's guard, the feed's history and its bound for
// a page that stops reading, and the CLI's URL and --no-ui.
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebPubSubServiceClient } from "../../../src/index";
import { startEmulator, type Emulator, type EmulatorEvent } from "../../../src/emulator/index";
import { Feed } from "../../../src/emulator/liveview/feed";
import { closeAllMqtt, connectMqtt } from "../../helpers/mqtt";
import { startNode } from "../../helpers/spawn";

const key = "liveview-test-key-0123456789abcdefghijklmnopqrstuv";
let emulator: Emulator;
let token: string;
let client: WebPubSubServiceClient;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, ui: true, accessKey: key });
  token = new URL(emulator.liveViewUrl as string).searchParams.get("token") as string;
  client = new WebPubSubServiceClient(emulator.connectionString, "feedhub", { retryOptions: { maxRetries: 0 } });
});
afterAll(async () => {
  await client.close();
  await emulator.close();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${emulator.endpoint}${path}`, { headers, redirect: "manual" });

describe("live view access", () => {
  it("is off unless asked for", async () => {
    const plain = await startEmulator({ port: 0 });
    expect(plain.liveViewUrl).toBeUndefined();
    expect((await fetch(`${plain.endpoint}/ui/`)).status).toBe(404);
    await plain.close();
  });

  it("prints a URL whose token is derived from the key (an HMAC), not the key", () => {
    expect(emulator.liveViewUrl).toBe(`${emulator.endpoint}/ui/?token=${token}`);
    expect(token).toBe(createHmac("sha256", key).update("webpubsub emulator live view v1").digest("base64url"));
    expect(token).not.toContain(key);
  });

  it("refuses the page, assets, state, feed and signer without the key or token (401)", async () => {
    for (const path of ["/ui/", "/ui/assets/app.js", "/ui/assets/style.css", "/ui/api/state", "/ui/api/events"]) {
      const r = await get(path);
      expect(r.status, path).toBe(401);
      const text = await r.text();
      expect(text).not.toContain(key);
      expect(text).not.toContain(token);
    }
    expect((await fetch(`${emulator.endpoint}/ui/api/sign`, { method: "POST", body: "{}" })).status).toBe(401);
    expect((await get("/ui/", { authorization: "Bearer wrong" })).status).toBe(401);
    expect((await get("/ui/?token=wrong")).status).toBe(401);
    expect((await get("/ui/", { cookie: "webpubsub_liveview=wrong" })).status).toBe(401);
  });

  it("lets the token in once, then by an HttpOnly SameSite cookie, with the token off the address bar", async () => {
    const first = await get(`/ui/?token=${token}`);
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe("/ui/");
    const cookie = first.headers.get("set-cookie") as string;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(key);
    const page = await get("/ui/", { cookie: cookie.split(";")[0] as string });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain("Web PubSub emulator");
    expect(html).not.toContain(key);
    expect(html).not.toContain(token);
  });

  it("accepts the access key itself, as a bearer or through the login form", async () => {
    expect((await get("/ui/", { authorization: `Bearer ${key}` })).status).toBe(200);
    const bad = await fetch(`${emulator.endpoint}/ui/login`, {
      method: "POST",
      body: new URLSearchParams({ key: "nope" }),
      redirect: "manual",
    });
    expect(bad.status).toBe(401);
    expect(await bad.text()).not.toContain("nope");
    const good = await fetch(`${emulator.endpoint}/ui/login`, {
      method: "POST",
      body: new URLSearchParams({ key }),
      redirect: "manual",
    });
    expect(good.status).toBe(303);
    expect(good.headers.get("set-cookie")).toContain(`webpubsub_liveview=${token}`);
  });

  it("signs REST tokens only for /api/hubs paths and only with the x-liveview header", async () => {
    const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const path = "/api/hubs/feedhub/:send";
    expect(
      (
        await fetch(`${emulator.endpoint}/ui/api/sign`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ path }),
        })
      ).status,
    ).toBe(403);
    const h = { ...auth, "x-liveview": "1" };
    expect(
      (
        await fetch(`${emulator.endpoint}/ui/api/sign`, {
          method: "POST",
          headers: h,
          body: JSON.stringify({ path: "/ui/api/state" }),
        })
      ).status,
    ).toBe(400);
    expect(
      (await fetch(`${emulator.endpoint}/ui/api/sign`, { method: "POST", headers: h, body: "not json" })).status,
    ).toBe(400);
    const signed = (await (
      await fetch(`${emulator.endpoint}/ui/api/sign`, { method: "POST", headers: h, body: JSON.stringify({ path }) })
    ).json()) as { token: string };
    const { payload } = await jwtVerify(signed.token, new TextEncoder().encode(key), {
      audience: `http://127.0.0.1:${emulator.port}${path}`,
    });
    expect((payload.exp as number) - (payload.iat as number)).toBe(300);
    const sent = await fetch(`${emulator.endpoint}${path}?api-version=2024-01-01`, {
      method: "POST",
      headers: { authorization: `Bearer ${signed.token}`, "content-type": "text/plain" },
      body: "hi",
    });
    expect(sent.status).toBe(202);
  });
});

/** Reads an SSE stream over a raw socket, so the test controls when (and whether) it reads. */
function rawFeed(): { socket: ReturnType<typeof connect>; text: () => string } {
  let received = "";
  const socket = connect(emulator.port, "127.0.0.1", () => {
    socket.write(
      `GET /ui/api/events HTTP/1.1\r\nHost: 127.0.0.1:${emulator.port}\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    );
  });
  socket.setEncoding("utf8");
  socket.on("data", (d: string) => (received += d));
  return { socket, text: () => received };
}

describe("live view feed", () => {
  it("streams REST sends with their reach and no message bodies, and replays history to a page opened later", async () => {
    const feed = rawFeed();
    await expect.poll(() => feed.text().includes("event: hello"), { timeout: 5000 }).toBe(true);
    expect(feed.text()).toContain('"history":2000');
    await client.sendToAll("a secret body", { contentType: "text/plain" });
    await expect.poll(() => feed.text().includes('"kind":"rest"'), { timeout: 5000 }).toBe(true);
    expect(feed.text()).toMatch(
      /"method":"POST","path":"\/api\/hubs\/feedhub\/:send\?api-version=[^"]+","status":202,"ms":[\d.]+,"reach":0/,
    );
    expect(feed.text()).not.toContain("a secret body");
    expect(feed.text()).not.toContain(key);
    feed.socket.destroy();
    const later = rawFeed();
    await expect.poll(() => later.text().includes("/api/hubs/feedhub/:send"), { timeout: 5000 }).toBe(true);
    later.socket.destroy();
  });

  it("shows MQTT sessions with their protocol, and their packets by type", async () => {
    const feed = rawFeed();
    await expect.poll(() => feed.text().includes("event: hello"), { timeout: 5000 }).toBe(true);
    const { url } = await client.getClientAccessToken({
      clientProtocol: "mqtt",
      userId: "sensor",
      roles: ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"],
    });
    const sensor = await connectMqtt(url, { protocolVersion: 5, clientId: "liveviewsensor" });
    await sensor.client.publishAsync("readings", "21.5");
    await expect.poll(() => feed.text().includes('"type":"PUBLISH"'), { timeout: 5000 }).toBe(true);
    expect(feed.text()).toMatch(
      /"kind":"connected","hub":"feedhub","connectionId":"[^"]+","userId":"sensor","protocol":"mqtt"/,
    );
    expect(feed.text()).not.toContain("21.5");
    const state = (await (await get("/ui/api/state?hub=feedhub", { authorization: `Bearer ${token}` })).json()) as {
      connections: { userId: string; protocol: string }[];
    };
    expect(state.connections).toContainEqual(expect.objectContaining({ userId: "sensor", protocol: "mqtt" }));
    await closeAllMqtt();
    feed.socket.destroy();
  });
});

describe("live view feed bounds", () => {
  it("drops what a page that stops reading cannot take, then says how much it missed", async () => {
    // The Feed behind a real HTTP server, fed by a source the test drives, with small bounds.
    let emit: ((event: EmulatorEvent) => void) | undefined;
    const feed = new Feed(
      (listener) => {
        emit = listener;
        return () => (emit = undefined);
      },
      { history: 100, perViewer: 200, viewers: 2, lingerMs: 1000, flushMs: 5 },
    );
    const server = createServer((_req, res) => feed.open(res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    let received = "";
    const socket = connect(port, "127.0.0.1", () => socket.write(`GET / HTTP/1.1\r\nHost: x\r\n\r\n`));
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => (received += d));
    await expect.poll(() => received.includes("event: hello"), { timeout: 5000 }).toBe(true);
    socket.pause();
    // About 1 KB per event, 40 MB in all: far more than the loopback socket buffers hold.
    const long = "p".repeat(1000);
    let sent = 0;
    for (let tick = 0; tick < 200; tick++) {
      for (let i = 0; i < 200; i++)
        emit?.({
          kind: "rest",
          hub: "h",
          method: "POST",
          path: `/api/hubs/h/${long}`,
          status: 202,
          ms: 1,
          reach: ++sent,
        });
      await new Promise((r) => setTimeout(r, 6));
    }
    const before = received.length;
    socket.resume();
    await expect.poll(() => received.slice(before).includes("event: missed"), { timeout: 10_000 }).toBe(true);
    const missed = Number(/event: missed\ndata: \{"count":(\d+)\}/.exec(received.slice(before))?.[1]);
    const delivered = (received.match(/"kind":"rest"/g) ?? []).length;
    expect(missed).toBeGreaterThan(0);
    expect(delivered + missed).toBeLessThanOrEqual(sent);
    expect(delivered).toBeLessThan(sent / 2);
    // The ring keeps its bound too.
    expect(feed.history()).toHaveLength(100);
    expect(feed.history().at(-1)?.["reach"]).toBe(sent);
    socket.destroy();
    feed.close();
    server.close();
  }, 60_000);
});

describe("live view feed lifetime", () => {
  it("listens only while a page is open (plus the linger), and refuses pages beyond its limit with 429", async () => {
    let listening = 0;
    const feed = new Feed(
      () => {
        listening++;
        return () => listening--;
      },
      { history: 10, perViewer: 10, viewers: 1, lingerMs: 200, flushMs: 5 },
    );
    const server = createServer((_req, res) => {
      if (feed.full) {
        res.statusCode = 429;
        res.end();
        return;
      }
      feed.open(res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    expect(listening).toBe(0);
    const controller = new AbortController();
    const first = await fetch(url, { signal: controller.signal });
    expect(first.status).toBe(200);
    expect(listening).toBe(1);
    expect(feed.full).toBe(true);
    expect((await fetch(url)).status).toBe(429);
    controller.abort();
    await expect.poll(() => feed.viewerCount).toBe(0);
    expect(listening).toBe(1); // lingers, so a reload keeps the history
    await expect.poll(() => listening, { timeout: 3000 }).toBe(0);
    feed.close();
    server.close();
  });
});

describe("webpubsub emulator (CLI)", () => {
  const cli = fileURLToPath(new URL("../../../dist/cli.js", import.meta.url));

  it("prints the live view URL with its token, and --no-ui turns the view off", async () => {
    const on = startNode([cli, "emulator", "--port", "0", "--quiet"]);
    await expect.poll(() => /Live view:\n\s+(\S+)/.test(on.output.stdout), { timeout: 10_000 }).toBe(true);
    const url = (/Live view:\n\s+(\S+)/.exec(on.output.stdout) as RegExpExecArray)[1] as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ui\/\?token=[\w-]+$/);
    // The built package serves the page and its scripts (embedded: nothing to copy or look up on disk).
    const entry = await fetch(url, { redirect: "manual" });
    expect(entry.status).toBe(303);
    const cookie = (entry.headers.get("set-cookie") as string).split(";")[0] as string;
    const origin = new URL(url).origin;
    expect(await (await fetch(`${origin}/ui/`, { headers: { cookie } })).text()).toContain(
      '<script src="/ui/assets/app.js">',
    );
    for (const asset of ["app.js", "actions.js", "client.js", "style.css"])
      expect((await fetch(`${origin}/ui/assets/${asset}`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(url.replace(/\?.*/, ""))).status).toBe(401);
    on.child.kill("SIGINT");
    expect((await on.exited).code).toBe(0);

    const off = startNode([cli, "emulator", "--port", "0", "--quiet", "--no-ui"]);
    await expect.poll(() => off.output.stdout.includes("Press Ctrl+C"), { timeout: 10_000 }).toBe(true);
    expect(off.output.stdout).not.toContain("Live view");
    const endpoint = (/listening on (\S+)/.exec(off.output.stdout) as RegExpExecArray)[1] as string;
    expect((await fetch(`${endpoint}/ui/`)).status).toBe(404);
    off.child.kill("SIGINT");
    expect((await off.exited).code).toBe(0);
  }, 30_000);
});
