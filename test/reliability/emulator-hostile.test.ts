// Hostile input against the emulator: bad tokens, broken protocol frames, malformed REST calls and
// misbehaving event handlers. Every case must be refused cleanly, and after every case the emulator
// must still be healthy: /api/health answers, a fresh client connects and gets a sendToAll, and a
// bystander connected since the start gets exactly that message (nothing leaked from the bad call).
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { SignJWT } from "jose";
import WebSocket from "ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index";
import { WebPubSubServiceClient } from "../../src/index";
import { TestSocket, refusedStatus } from "../helpers/ws";

const HUB = "hostile";
const KEY = "hostile-test-access-key-0123456789";
const keyBytes = new TextEncoder().encode(KEY);
const otherKey = new TextEncoder().encode("some-other-key-that-is-long-enough-for-hs512-0123456789abcdef");
const MAX_BODY = 64 * 1024;
const MAX_FRAME = 1024 * 1024; // the emulator's WebSocket maxPayload (src/emulator/protocols/websocket/endpoint.ts)

let emulator: Emulator;
let client: WebPubSubServiceClient;
let bystander: TestSocket;
let handler: Server;
let handlerUrl: string;
const hanging = new Set<ServerResponse>();
const opened: TestSocket[] = [];

// ---------------------------------------------------------------------------------------------- helpers

const now = () => Math.floor(Date.now() / 1000);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

function sign(aud: string, opts: { exp?: number | null; key?: Uint8Array; alg?: string } = {}): Promise<string> {
  const jwt = new SignJWT({})
    .setProtectedHeader({ alg: opts.alg ?? "HS256", typ: "JWT" })
    .setAudience(aud)
    .setIssuedAt();
  if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? now() + 300);
  return jwt.sign(opts.key ?? keyBytes);
}

/** An unsigned token (`alg: none`) with otherwise valid claims. */
function unsigned(aud: string): string {
  return `${b64({ alg: "none", typ: "JWT" })}.${b64({ aud, iat: now(), exp: now() + 300 })}.`;
}

/** The bad tokens every endpoint must refuse, built for a given good audience. */
function badTokens(aud: string, otherHubAud: string): [string, () => Promise<string | undefined>][] {
  return [
    ["no token", () => Promise.resolve(undefined)],
    ["garbage token", () => Promise.resolve("not.a.jwt")],
    ["non-JWT junk", () => Promise.resolve("%%%%")],
    ["expired token", () => sign(aud, { exp: now() - 60 })],
    ["token without exp", () => sign(aud, { exp: null })],
    ["wrong audience", () => sign(aud.replace("127.0.0.1", "elsewhere.example"))],
    ["wrong key", () => sign(aud, { key: otherKey })],
    ["alg none", () => Promise.resolve(unsigned(aud))],
    ["HS512 with another key", () => sign(aud, { alg: "HS512", key: otherKey })],
    ["token for another hub", () => sign(otherHubAud)],
  ];
}

const wsBase = () => emulator.endpoint.replace(/^http/, "ws");
const clientAud = (hub = HUB) => `${emulator.endpoint}/client/hubs/${hub}`;

async function validUrl(roles: string[] = []): Promise<string> {
  return (await client.getClientAccessToken({ roles })).url;
}

function track(socket: TestSocket): TestSocket {
  opened.push(socket);
  return socket;
}

/** A connected `json.webpubsub.azure.v1` client with its connection id. */
async function pubsub(roles: string[] = []): Promise<{ socket: TestSocket; id: string }> {
  const socket = track(new TestSocket(await validUrl(roles), "json.webpubsub.azure.v1"));
  const connected = await socket.nextJson();
  expect(connected).toMatchObject({ type: "system", event: "connected" });
  return { socket, id: String(connected["connectionId"]) };
}

interface RestOptions {
  method?: string;
  body?: string | Uint8Array;
  contentType?: string;
  /** The bearer token; default: a valid one for this URL. `null` sends no Authorization header. */
  token?: string | null;
  authorization?: string;
  apiVersion?: string | null;
}

/** A raw REST call to the emulator (no SDK validation in the way). */
async function rest(
  path: string,
  opts: RestOptions = {},
): Promise<{ status: number; headers: Headers; text: string; json: Record<string, unknown> }> {
  const url = new URL(`${emulator.endpoint}${path}`);
  if (opts.apiVersion !== null) url.searchParams.set("api-version", opts.apiVersion ?? "2024-12-01");
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? await sign(`${url.origin}${url.pathname}`) : opts.token;
  if (opts.authorization !== undefined) headers["authorization"] = opts.authorization;
  else if (token !== null) headers["authorization"] = `Bearer ${token}`;
  if (opts.body !== undefined) headers["content-type"] = opts.contentType ?? "text/plain";
  const response = await fetch(url, {
    method: opts.method ?? "POST",
    headers,
    body: (opts.body ?? null) as BodyInit | null,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json: json as Record<string, unknown> };
}

/** Waits until nothing but the bystander is connected to the hub (hostile clients are gone). */
async function onlyBystander(): Promise<void> {
  await emulator.waitForConnections(HUB, (list) => list.length === 1, { timeoutMs: 5000 });
}

/**
 * Proves the emulator is unharmed: health answers 200, a brand new client connects and receives a fresh
 * sendToAll, and the long-lived bystander receives exactly that message next (so no earlier bad call
 * delivered anything).
 */
async function assertHealthy(): Promise<void> {
  const health = await fetch(`${emulator.endpoint}/api/health`, { signal: AbortSignal.timeout(5000) });
  expect(health.status).toBe(200);
  const before = new Set(emulator.connections(HUB).map((c) => c.connectionId));
  const fresh = new TestSocket(await validUrl());
  let freshId: string | undefined;
  try {
    await fresh.opened;
    const list = await emulator.waitForConnections(HUB, (l) => l.some((c) => !before.has(c.connectionId)));
    freshId = list.find((c) => !before.has(c.connectionId))?.connectionId;
    const nonce = `healthy-${randomUUID()}`;
    await client.sendToAll(nonce, { contentType: "text/plain" });
    expect(await fresh.next()).toEqual({ data: nonce, binary: false });
    expect(await bystander.next()).toEqual({ data: nonce, binary: false });
    expect(bystander.frames).toEqual([]);
  } finally {
    fresh.socket.terminate();
  }
  // The emulator notices the abrupt disconnect.
  await emulator.waitForConnections(HUB, (l) => !l.some((c) => c.connectionId === freshId));
}

/** The next frame, or undefined when none arrives within `ms` (the connection stays quiet). */
async function quiet(socket: TestSocket, ms = 200): Promise<unknown> {
  return socket.next(ms).then(
    (f) => f,
    () => undefined,
  );
}

// -------------------------------------------------------------------------------- event handler stub

/** Routes by the first path segment: how each fake event handler misbehaves. */
function handle(req: IncomingMessage, res: ServerResponse): void {
  const mode = (req.url ?? "/").split("/")[1] ?? "";
  req.resume();
  req.on("end", () => {
    if (req.method === "OPTIONS") {
      if (mode === "nooptions") return void hanging.add(res); // abuse protection never answered
      if (mode === "badoptions") {
        res.statusCode = 200; // answers, but does not allow the origin
        return void res.end();
      }
      res.setHeader("webhook-allowed-origin", "*");
      return void res.end();
    }
    switch (mode) {
      case "hang":
        hanging.add(res);
        return;
      case "fail500":
        res.statusCode = 500;
        res.end("handler exploded");
        return;
      case "nonjson":
        res.setHeader("content-type", "application/json");
        res.end("this is {not json");
        return;
      case "nulljson":
        res.setHeader("content-type", "application/json");
        res.end("null");
        return;
      case "weird":
        res.statusCode = 302;
        res.setHeader("location", "http://127.0.0.1:1/");
        res.end();
        return;
      case "slow":
        // Accepts, but only after the client has given up.
        setTimeout(() => {
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify({ userId: "late" }));
        }, 400);
        return;
      default:
        res.statusCode = 204;
        res.end();
    }
  });
}

// -------------------------------------------------------------------------------------------- set-up

beforeAll(async () => {
  handler = createServer(handle);
  await new Promise<void>((resolve) => handler.listen(0, "127.0.0.1", resolve));
  handlerUrl = `http://127.0.0.1:${(handler.address() as AddressInfo).port}`;
  const hub = (mode: string) => ({
    url: `${handlerUrl}/${mode}/{event}`,
    systemEvents: ["connect" as const],
    timeoutMs: 1000,
  });
  emulator = await startEmulator({
    port: 0,
    accessKey: KEY,
    maxBodyBytes: MAX_BODY,
    hubs: {
      hang: hub("hang"),
      fail500: hub("fail500"),
      nonjson: hub("nonjson"),
      nulljson: hub("nulljson"),
      weird: hub("weird"),
      nooptions: hub("nooptions"),
      badoptions: hub("badoptions"),
      slow: { ...hub("slow"), timeoutMs: 5000 },
      unreachable: { url: "http://127.0.0.1:1/{event}", systemEvents: ["connect"], timeoutMs: 1000 },
    },
  });
  client = new WebPubSubServiceClient(emulator.connectionString, HUB, { retryOptions: { maxRetries: 0 } });
  bystander = new TestSocket(await validUrl());
  await bystander.opened;
  await emulator.waitForConnections(HUB, (list) => list.length === 1);
});

afterEach(async () => {
  const hostile = opened.splice(0);
  for (const s of hostile) s.socket.terminate();
  if (hostile.length > 0) await onlyBystander();
});

afterAll(async () => {
  bystander?.socket.terminate();
  await client?.close();
  await emulator?.close();
  for (const res of hanging) res.destroy();
  handler?.closeAllConnections();
  await new Promise((resolve) => handler?.close(resolve));
});

// -------------------------------------------------------------------------------------------- tokens

describe("WebSocket connect with bad tokens → 401", () => {
  it.each(badTokens("AUD", "OTHER").map(([name]) => name))("%s", async (name) => {
    const make = badTokens(clientAud(), clientAud("otherhub")).find(([n]) => n === name)?.[1] as () => Promise<
      string | undefined
    >;
    const token = await make();
    const url = `${wsBase()}/client/hubs/${HUB}${token === undefined ? "" : `?access_token=${encodeURIComponent(token)}`}`;
    expect(await refusedStatus(url)).toBe(401);
    // The same token in an Authorization header is refused as well.
    if (token !== undefined) {
      const viaHeader = new TestSocket(`${wsBase()}/client/hubs/${HUB}`, undefined, {
        authorization: `Bearer ${token}`,
      });
      await expect(viaHeader.opened).rejects.toThrow("HTTP 401");
    }
    await onlyBystander();
    await assertHealthy();
  });

  it("the good token works (the bad cases differ only in the flaw)", async () => {
    const token = await sign(clientAud());
    const url = `${wsBase()}/client/hubs/${HUB}?access_token=${token}`;
    const socket = track(new TestSocket(url, "json.webpubsub.azure.v1"));
    // Accepted means a `connected` frame (nextJson gives up after 3 s) and a connection the emulator lists.
    const connected = await socket.nextJson();
    expect(connected).toMatchObject({ type: "system", event: "connected" });
    expect(emulator.connections(HUB).map((c) => c.connectionId)).toContain(connected["connectionId"]);
  });

  it("bad paths and hub names are refused with 404 / 400", async () => {
    const token = await sign(clientAud());
    expect(await refusedStatus(`${wsBase()}/nowhere?access_token=${token}`)).toBe(404);
    expect(await refusedStatus(`${wsBase()}/client/hubs/bad-hub?access_token=${token}`)).toBe(400);
    expect(await refusedStatus(`${wsBase()}/client/hubs/${"h".repeat(129)}?access_token=${token}`)).toBe(400);
    expect(await refusedStatus(`${wsBase()}/client/hubs/%E0%A4%A?access_token=${token}`)).toBeGreaterThanOrEqual(400);
    await onlyBystander();
    await assertHealthy();
  });
});

describe("REST calls with bad tokens → 401, nothing delivered", () => {
  it.each(badTokens("AUD", "OTHER").map(([name]) => name))("%s", async (name) => {
    const path = `/api/hubs/${HUB}/:send`;
    const make = badTokens(`${emulator.endpoint}${path}`, `${emulator.endpoint}/api/hubs/otherhub/:send`).find(
      ([n]) => n === name,
    )?.[1] as () => Promise<string | undefined>;
    const token = await make();
    const r = await rest(path, { body: "must not be delivered", token: token ?? null });
    expect(r.status).toBe(401);
    expect(r.headers.get("x-ms-error-code")).toBe("Error.Unauthorized");
    expect(r.json).toMatchObject({ code: "Error.Unauthorized" });
    // Other calls are guarded the same way.
    const close = await rest(`/api/hubs/${HUB}/:closeConnections`, { token: token ?? null });
    expect(close.status).toBe(401);
    expect(await quiet(bystander)).toBeUndefined();
    expect(emulator.connections(HUB)).toHaveLength(1);
    await assertHealthy();
  });

  it("a non-Bearer Authorization header → 401", async () => {
    const r = await rest(`/api/hubs/${HUB}/:send`, {
      body: "nope",
      authorization: `Basic ${Buffer.from("a:b").toString("base64")}`,
    });
    expect(r.status).toBe(401);
    await assertHealthy();
  });
});

// ------------------------------------------------------------------------------------ PubSub frames

describe("json.webpubsub.azure.v1 clients sending bad frames", () => {
  const roles = ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"];

  it.each([
    ["non-JSON text", "hello {"],
    ["a JSON array", "[1,2,3]"],
    ["a JSON number", "42"],
    ["a JSON string", '"joinGroup"'],
    ["JSON null", "null"],
    ["an empty frame", ""],
  ])("%s → close 1007", async (_name, frame) => {
    const { socket } = await pubsub(roles);
    socket.socket.send(frame);
    expect((await socket.closed).code).toBe(1007);
    await onlyBystander();
    await assertHealthy();
  });

  it("invalid UTF-8 in a text frame → close 1007", async () => {
    const { socket } = await pubsub(roles);
    socket.socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await socket.closed).code).toBe(1007);
    await onlyBystander();
    await assertHealthy();
  });

  it("a binary frame → close 1003", async () => {
    const { socket } = await pubsub(roles);
    socket.socket.send(Buffer.from(JSON.stringify({ type: "ping" })), { binary: true });
    expect((await socket.closed).code).toBe(1003);
    await onlyBystander();
    await assertHealthy();
  });

  it(`a frame over the ${MAX_FRAME}-byte limit → close 1009; one just under it is served`, async () => {
    const { socket } = await pubsub(roles);
    const envelope = (data: string) =>
      JSON.stringify({ type: "sendToGroup", group: "big", dataType: "text", data, ackId: 1 });
    const fits = envelope("x".repeat(MAX_FRAME - envelope("").length));
    expect(Buffer.byteLength(fits)).toBe(MAX_FRAME);
    socket.send(fits);
    expect(await socket.nextJson()).toEqual({ type: "ack", ackId: 1, success: true });
    socket.send(envelope("x".repeat(MAX_FRAME)));
    expect((await socket.closed).code).toBe(1009);
    await onlyBystander();
    await assertHealthy();
  });

  it.each([
    ["unknown type", { type: "explode", ackId: 1 }, "Forbidden"],
    ["joinGroup without group", { type: "joinGroup", ackId: 1 }, "Forbidden"],
    ["joinGroup with a non-string group", { type: "joinGroup", group: 42, ackId: 1 }, "Forbidden"],
    ["leaveGroup with a blank group", { type: "leaveGroup", group: "   ", ackId: 1 }, "Forbidden"],
    ["joinGroup with a 1025-char group", { type: "joinGroup", group: "g".repeat(1025), ackId: 1 }, "Forbidden"],
    [
      "sendToGroup with a 1025-char group",
      { type: "sendToGroup", group: "g".repeat(1025), dataType: "text", data: "x", ackId: 1 },
      "Forbidden",
    ],
    [
      "sendToGroup with an invalid dataType",
      { type: "sendToGroup", group: "g", dataType: "xml", data: "<a/>", ackId: 1 },
      "Forbidden",
    ],
    [
      "sendToGroup text with non-string data",
      { type: "sendToGroup", group: "g", dataType: "text", data: { a: 1 }, ackId: 1 },
      "Forbidden",
    ],
    ["event without a name", { type: "event", dataType: "text", data: "x", ackId: 1 }, "Forbidden"],
  ])("%s → ack with error, connection stays usable", async (_name, frame, errorName) => {
    const { socket } = await pubsub(roles);
    socket.send(frame);
    const ack = await socket.nextJson();
    expect(ack).toMatchObject({ type: "ack", ackId: 1, success: false, error: { name: errorName } });
    expect(typeof (ack["error"] as { message: unknown }).message).toBe("string");
    // Still open and serving: ping → pong, and a valid join with a new ackId succeeds.
    socket.send({ type: "ping" });
    expect(await socket.nextJson()).toEqual({ type: "pong" });
    socket.send({ type: "joinGroup", group: "ok", ackId: 2 });
    expect(await socket.nextJson()).toEqual({ type: "ack", ackId: 2, success: true });
    await assertHealthy();
  });

  it("an unknown type without ackId is ignored and the connection stays open", async () => {
    const { socket } = await pubsub(roles);
    socket.send({ type: "explode" });
    socket.send({ type: "sendToGroup", dataType: "json" });
    socket.send({ type: "sequenceAck", sequenceId: "NaN" });
    socket.send({ type: "ping" });
    expect(await socket.nextJson()).toEqual({ type: "pong" });
    await assertHealthy();
  });

  it("a flood of bad-but-valid-JSON frames is answered in order and does not stall others", async () => {
    const { socket } = await pubsub(roles);
    for (let i = 1; i <= 500; i++) socket.send({ type: "joinGroup", ackId: i });
    for (let i = 1; i <= 500; i++)
      expect(await socket.nextJson()).toMatchObject({
        type: "ack",
        ackId: i,
        success: false,
        error: { name: "Forbidden" },
      });
    await assertHealthy();
  });
});

// -------------------------------------------------------------------------------------- REST input

describe("REST: malformed requests → clean 4xx with a JSON body naming the problem", () => {
  it.each([
    ["not JSON", "{groups: ["],
    ["JSON null", "null"],
    ["a JSON string", '"g1"'],
    ["groups not an array", '{"groups":"g1"}'],
    ["empty groups", '{"groups":[]}'],
    ["a group too long", JSON.stringify({ groups: ["g".repeat(1025)] })],
    ["a non-string group", '{"groups":[1]}'],
    ["a non-string filter", '{"groups":["g"],"filter":5}'],
    ["a bad filter", '{"groups":["g"],"filter":"userId eq"}'],
  ])(":addToGroups with %s → 400 problem+json", async (_name, body) => {
    const before = emulator.connections(HUB).map((c) => c.groups.length);
    const r = await rest(`/api/hubs/${HUB}/:addToGroups`, { body, contentType: "application/json" });
    expect(r.status).toBe(400);
    expect(r.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(r.json).toMatchObject({ status: 400, code: "Error.BadRequest" });
    expect(typeof r.json.message).toBe("string");
    expect(Object.keys((r.json.errors as object | undefined) ?? {})).toHaveLength(1);
    expect(emulator.connections(HUB).map((c) => c.groups.length)).toEqual(before);
    await assertHealthy();
  });

  it("the same body shape, well-formed, is accepted (200)", async () => {
    const r = await rest(`/api/hubs/${HUB}/:removeFromGroups`, {
      body: '{"groups":["nobody-here"]}',
      contentType: "application/json",
    });
    expect(r.status).toBe(200);
  });

  it(`a body over maxBodyBytes (${MAX_BODY}) → 413; exactly at the limit → 202`, async () => {
    const over = await rest(`/api/hubs/${HUB}/:send`, {
      body: new Uint8Array(MAX_BODY + 1),
      contentType: "application/octet-stream",
    });
    expect(over.status).toBe(413);
    expect(over.json).toMatchObject({ code: "Error.PayloadTooLarge" });
    // Much larger (8x) is refused the same way, without harm.
    const huge = await rest(`/api/hubs/${HUB}/:send`, {
      body: new Uint8Array(MAX_BODY * 8),
      contentType: "application/octet-stream",
    });
    expect(huge.status).toBe(413);
    expect(await quiet(bystander)).toBeUndefined();
    const atLimit = await rest(`/api/hubs/${HUB}/:send`, {
      body: new Uint8Array(MAX_BODY).fill(7),
      contentType: "application/octet-stream",
    });
    expect(atLimit.status).toBe(202);
    const frame = await bystander.next();
    expect(frame.binary).toBe(true);
    expect((frame.data as Buffer).length).toBe(MAX_BODY);
    await assertHealthy();
  });

  it("invalid JSON in a JSON send → 400, nothing delivered", async () => {
    const r = await rest(`/api/hubs/${HUB}/:send`, { body: "{oops", contentType: "application/json" });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: "Error.BadRequest", errors: { message: expect.any(Array) as unknown } });
    const media = await rest(`/api/hubs/${HUB}/:send`, { body: "<a/>", contentType: "application/xml" });
    expect(media.status).toBe(415);
    expect(await quiet(bystander)).toBeUndefined();
    await assertHealthy();
  });

  it("unknown routes → 404 with a JSON error", async () => {
    for (const path of ["/", "/nope", "/api", "/api/hubs", "/api/hubs/"]) {
      const r = await rest(path, { method: "GET" });
      expect(r.status, path).toBe(404);
      expect(r.json, path).toMatchObject({ code: "Error.NotFound" });
    }
    for (const path of [
      `/api/hubs/${HUB}/:frobnicate`,
      `/api/hubs/${HUB}/groups/g/unknown`,
      `/api/hubs/${HUB}/a/b/c/d/e/f`,
    ]) {
      const r = await rest(path, { method: "POST" });
      expect(r.status, path).toBe(404);
      expect(r.headers.get("x-ms-error-code"), path).toBe("Error.NotFound");
    }
    await assertHealthy();
  });

  it("wrong methods: 405 on /api/health, 404 (no such route) on hub routes, consistently", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const r = await rest("/api/health", { method, token: null, apiVersion: null });
      expect(r.status, method).toBe(405);
      expect(r.json).toMatchObject({ code: "Error.MethodNotAllowed" });
    }
    const wrong: [string, string][] = [
      ["GET", `/api/hubs/${HUB}/:send`],
      ["PUT", `/api/hubs/${HUB}/:send`],
      ["DELETE", `/api/hubs/${HUB}/:addToGroups`],
      ["PATCH", `/api/hubs/${HUB}/groups/g/connections/c`],
      ["GET", `/api/hubs/${HUB}/users/u/:send`],
      ["POST", `/api/hubs/${HUB}/connections/c`],
    ];
    for (const [method, path] of wrong) {
      const r = await rest(path, { method });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.json, `${method} ${path}`).toMatchObject({ code: "Error.NotFound" });
      expect(r.json.message).toContain(method);
    }
    expect(await quiet(bystander)).toBeUndefined();
    await assertHealthy();
  });

  it.each([
    ["a group of 1025 chars", `/api/hubs/${HUB}/groups/${"g".repeat(1025)}/:send`, "group"],
    ["a group of 1025 chars (addUser)", `/api/hubs/${HUB}/users/u/groups/${"g".repeat(1025)}`, "group"],
    ["a whitespace-only group", `/api/hubs/${HUB}/groups/%20%20/:send`, "group"],
    ["a hub with a dash", "/api/hubs/bad-hub/:send", "hub"],
    ["a hub starting with a digit", "/api/hubs/1hub/:send", "hub"],
    ["a hub of 129 chars", `/api/hubs/h${"x".repeat(128)}/:send`, "hub"],
    ["a hub with a slash (encoded)", "/api/hubs/a%2Fb/:send", "hub"],
    ["a bad permission", `/api/hubs/${HUB}/permissions/everything/connections/c`, "permission"],
  ])("%s → 400 problem+json naming the parameter", async (_name, path, parameter) => {
    const put = path.includes("permissions") || !path.endsWith(":send");
    const r = await rest(path, { method: put ? "PUT" : "POST", body: "x" });
    expect(r.status).toBe(400);
    expect(r.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(r.json).toMatchObject({ status: 400, errors: { [parameter]: expect.any(Array) as unknown } });
    expect(await quiet(bystander, 50)).toBeUndefined();
    await assertHealthy();
  });

  it("a badly percent-encoded path → 400", async () => {
    const r = await rest(`/api/hubs/${HUB}/groups/%E0%A4%A/:send`, { body: "x" });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: "Error.BadRequest" });
    await assertHealthy();
  });

  it.each([
    ["missing", null, "Error.BadRequest"],
    ["unsupported", "2099-01-01", "Error.UnsupportedApiVersion"],
    ["empty", "", "Error.UnsupportedApiVersion"],
    ["garbage", "latest'; DROP", "Error.UnsupportedApiVersion"],
  ])("api-version %s → 400", async (_name, apiVersion, code) => {
    const r = await rest(`/api/hubs/${HUB}/:send`, { body: "x", apiVersion });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code, errors: { "api-version": expect.any(Array) as unknown } });
    expect(r.headers.get("api-supported-versions")).toContain("2024-12-01");
    expect(await quiet(bystander, 50)).toBeUndefined();
    await assertHealthy();
  });

  it("an api-version too old for the call → 400", async () => {
    const r = await rest(`/api/hubs/${HUB}/:addToGroups`, {
      body: '{"groups":["g"]}',
      contentType: "application/json",
      apiVersion: "2021-10-01",
    });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ errors: { "api-version": expect.any(Array) as unknown } });
    await assertHealthy();
  });
});

describe("raw TCP abuse on the HTTP port", () => {
  const raw = (bytes: string | Buffer, endAfterWrite = true): Promise<string> =>
    new Promise((resolve) => {
      const socket = connect(emulator.port, "127.0.0.1");
      let got = "";
      socket.on("data", (d) => (got += d.toString()));
      socket.on("error", () => {});
      socket.on("close", () => resolve(got));
      socket.write(bytes, () => {
        if (endAfterWrite) socket.end();
        else setTimeout(() => socket.destroy(), 100);
      });
      setTimeout(() => socket.destroy(), 3000);
    });

  it("garbage bytes, a truncated body and a bogus upgrade do not hurt the emulator", async () => {
    await raw("\x00\x01\x02GARBAGE\r\n\r\n");
    await raw(Buffer.alloc(70_000, 0x41));
    // A request that promises 1000 bytes and dies after 10.
    const path = `/api/hubs/${HUB}/:send?api-version=2024-12-01`;
    const token = await sign(`${emulator.endpoint}/api/hubs/${HUB}/:send`);
    await raw(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${emulator.port}\r\nAuthorization: Bearer ${token}\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n0123456789`,
      false,
    );
    // An upgrade with a valid token but no Sec-WebSocket-Key → 400 from the WebSocket layer.
    const wsToken = await sign(clientAud());
    const answer = await raw(
      `GET /client/hubs/${HUB}?access_token=${wsToken} HTTP/1.1\r\nHost: 127.0.0.1:${emulator.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(await quiet(bystander)).toBeUndefined();
    await onlyBystander();
    await assertHealthy();
  });
});

// -------------------------------------------------------------------------------- event handlers

describe("misbehaving event handlers refuse the connection cleanly", () => {
  const connectTo = async (hub: string) => {
    const token = await sign(clientAud(hub));
    return `${wsBase()}/client/hubs/${hub}?access_token=${token}`;
  };

  it.each([
    ["hangs past the timeout", "hang", 502],
    ["answers 500", "fail500", 500],
    ["answers non-JSON to connect", "nonjson", 500],
    ["answers JSON null to connect", "nulljson", 500],
    ["answers a redirect", "weird", 502],
    ["never answers the OPTIONS abuse protection", "nooptions", 502],
    ["answers OPTIONS without WebHook-Allowed-Origin", "badoptions", 502],
    ["cannot be reached", "unreachable", 502],
  ])("a handler that %s (hub %s) → refused with %s", async (_name, hub, status) => {
    const started = Date.now();
    expect(await refusedStatus(await connectTo(hub))).toBe(status);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(emulator.connections(hub)).toEqual([]);
    // A PubSub client is refused the same way.
    expect(await refusedStatus(await connectTo(hub), "json.webpubsub.azure.v1")).toBe(status);
    await assertHealthy();
  });

  it("a client that gives up while connect is pending leaves nothing behind when the handler answers late", async () => {
    const socket = new WebSocket(await connectTo("slow"));
    socket.on("error", () => {});
    await new Promise((r) => setTimeout(r, 100));
    socket.terminate();
    await new Promise((r) => setTimeout(r, 600)); // the handler answers at 400 ms
    expect(emulator.connections("slow")).toEqual([]);
    expect(emulator.hubs()).not.toContain("slow");
    // The same hub accepts a client that waits.
    const patient = track(new TestSocket(await connectTo("slow"), "json.webpubsub.azure.v1"));
    expect(await patient.nextJson(3000)).toMatchObject({ event: "connected", userId: "late" });
    await assertHealthy();
  });
});
