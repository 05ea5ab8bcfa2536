// Bad input never becomes a confusing failure: every case is a typed error naming the problem, and the
// server (a recording loopback server, or the emulator for what only the service can judge) sees nothing.
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestError, ValidationError, WebPubSubServiceClient, parseConnectionString } from "../../src/index";
import { startEmulator, type Emulator } from "../../src/emulator/index";
import { startRecordingServer } from "../helpers/recordingServer";

const key = "BAD-INPUT-SECRET-KEY-0123456789abcdef";
let server: Awaited<ReturnType<typeof startRecordingServer>>;
let client: WebPubSubServiceClient;
let emulator: Emulator;

beforeAll(async () => {
  server = await startRecordingServer();
  client = new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};Version=1.0;`, "hub");
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await client.close();
  await server.close();
  await emulator.close();
});

function expectValidation(fn: () => unknown, argument: string, pattern?: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, `expected a ValidationError for ${argument}`).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).argument).toBe(argument);
  if (pattern !== undefined) expect((error as Error).message).toMatch(pattern);
  const text = [
    String((error as Error).message),
    String((error as Error).stack),
    JSON.stringify(error),
    inspect(error),
  ].join("\n");
  expect(text).not.toContain(key);
}

async function expectRejected(promise: Promise<unknown>, argument: string, pattern?: RegExp): Promise<void> {
  const before = server.requests.length;
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a ValidationError for ${argument}`).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).argument).toBe(argument);
  if (pattern !== undefined) expect((error as Error).message).toMatch(pattern);
  expect(server.requests.length).toBe(before);
}

describe("connection strings", () => {
  it.each([
    ["empty", "", "connectionString", /empty|Endpoint/],
    ["no endpoint", `AccessKey=${key};Version=1.0;`, "connectionString", /Endpoint/],
    ["no key", "Endpoint=https://x.webpubsub.azure.com;Version=1.0;", "connectionString", /AccessKey/],
    ["port not a number", `Endpoint=https://x.com;AccessKey=${key};Port=http;Version=1.0;`, "connectionString", /Port/],
    [
      "port out of range",
      `Endpoint=https://x.com;AccessKey=${key};Port=70000;Version=1.0;`,
      "connectionString",
      /Port/,
    ],
    ["endpoint not a URL", `Endpoint=https://;AccessKey=${key};Version=1.0;`, "connectionString", /endpoint/i],
    [
      "endpoint with a non-http scheme",
      `Endpoint=ftp://x.com;AccessKey=${key};Version=1.0;`,
      "connectionString",
      /https?/,
    ],
    ["garbage", "this is not a connection string", "connectionString", undefined],
  ] as const)("%s → ValidationError, key never echoed", (_name, value, argument, pattern) => {
    expectValidation(() => parseConnectionString(value), argument, pattern);
    expectValidation(() => new WebPubSubServiceClient(value, "hub"), argument, pattern);
  });

  it("a non-string connection string or hub is named", () => {
    expectValidation(() => new WebPubSubServiceClient(42 as never, "hub"), "connectionString");
    // A non-string second argument selects the (endpoint, credential, hub) form, so it is judged as a credential.
    expectValidation(
      () => new WebPubSubServiceClient(`Endpoint=http://x;AccessKey=${key};`, 42 as never),
      "credential",
    );
  });
});

describe("names at and past every limit", () => {
  it("hub: 128 characters is the most; 129, a leading digit, spaces, slashes, a hyphen or a non-string construct (as with @azure/web-pubsub) but fail every call unsent", async () => {
    expect(
      new WebPubSubServiceClient(`Endpoint=http://x;AccessKey=${key};`, `h${"a".repeat(127)}`).hubName,
    ).toHaveLength(128);
    const { WebPubSubServiceClient: AzureServiceClient } = await import("@azure/web-pubsub");
    const cs = `Endpoint=${server.url};AccessKey=${key};Version=1.0;`;
    for (const hub of [
      `h${"a".repeat(128)}`,
      "1hub",
      "my hub",
      "a/b",
      "",
      "hub?x",
      "test-hub",
      42 as never,
      undefined as never,
    ]) {
      // Microsoft's own tests build clients eagerly (for "test-hub"): construction must not throw, for either form.
      expect(() => new AzureServiceClient(cs, hub)).not.toThrow();
      // A non-string second argument selects the (endpoint, credential, hub) form, so those go only there.
      const clients = [new WebPubSubServiceClient(server.url, { key }, hub)];
      if (typeof hub === "string") clients.push(new WebPubSubServiceClient(cs, hub));
      for (const c of clients) {
        const why = hub === undefined ? /^hubName is missing/ : /is not a valid hub name/;
        await expectRejected(c.sendToAll("x"), "hubName", why);
        await expectRejected(c.group("g").addUser("u"), "hubName", why);
        await expectRejected(c.userExists("u"), "hubName");
        await expectRejected(c.getClientAccessToken({ userId: "u" }), "hubName");
        await c.close();
      }
    }
  });

  it("group: 1024 characters go through; 1025 and whitespace-only do not", async () => {
    const before = server.requests.length;
    await client.group("g".repeat(1024)).sendToAll("x");
    expect(server.requests.length).toBe(before + 1);
    expectValidation(() => client.group("g".repeat(1025)), "groupName", /1–1024/);
    expectValidation(() => client.group(" \t"), "groupName");
    await expectRejected(client.groupExists("g".repeat(1025)), "groupName");
  });

  it("user and connection ids must be non-empty strings", async () => {
    await expectRejected(client.sendToUser("", "x"), "username");
    await expectRejected(client.userExists(undefined as never), "username");
    await expectRejected(client.sendToConnection(null as never, "x"), "connectionId");
    await expectRejected(client.closeConnection(""), "connectionId");
    await expectRejected(client.group("g").addConnection(""), "connectionId");
  });

  it("names with URL syntax are escaped, not interpreted", async () => {
    await client.sendToUser("a/../b?c=d#e", "x");
    const last = server.requests.at(-1);
    expect(last?.path).toBe("/api/hubs/hub/users/a%2F..%2Fb%3Fc%3Dd%23e/:send");
  });
});

describe("bodies and options", () => {
  it.each([
    ["a symbol", Symbol("x")],
    ["a function", () => 1],
    ["a bigint", 1n],
    ["undefined", undefined],
    ["an object with a bigint", { n: 1n }],
    [
      "a circular object",
      (() => {
        const o: Record<string, unknown> = {};
        o["self"] = o;
        return o;
      })(),
    ],
  ])("%s as a message → ValidationError, nothing sent", async (_name, message) => {
    await expectRejected(client.sendToAll(message as never), "message");
  });

  it.each([Number.NaN, -1, 1.5, 301, Infinity, "10"])("messageTtlSeconds %s → ValidationError", async (ttl) => {
    await expectRejected(
      client.sendToAll("x", { messageTtlSeconds: ttl as never }),
      "options.messageTtlSeconds",
      /0 to 300/,
    );
  });

  it.each([Number.NaN, -1, 0, Infinity, "60"])("expirationTimeInMinutes %s → ValidationError", async (minutes) => {
    await expectRejected(
      client.getClientAccessToken({ expirationTimeInMinutes: minutes as never }),
      "options.expirationTimeInMinutes",
    );
  });

  it("a huge message is sent as is (the service documents no size limit) and arrives whole", async () => {
    const big = "x".repeat(8 * 1024 * 1024);
    const before = server.requests.length;
    await client.sendToAll(big, { contentType: "text/plain" });
    expect(server.requests.length).toBe(before + 1);
    expect(server.requests.at(-1)?.body.length).toBe(big.length);
  });
});

describe("what only the service can judge", () => {
  it("an invalid filter comes back from the emulator as a RestError 400 naming the filter", async () => {
    const c = new WebPubSubServiceClient(emulator.connectionString, "hub", { retryOptions: { maxRetries: 0 } });
    const error = await c.sendToAll("x", { filter: "userId eq" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestError);
    expect(error).toMatchObject({ statusCode: 400, retryable: false });
    expect((error as Error).message).toMatch(/filter|syntax/i);
    await c.close();
  });

  it("a body past the emulator's limit is a RestError 413, and the emulator keeps serving", async () => {
    const small = await startEmulator({ port: 0, maxBodyBytes: 1024 });
    const c = new WebPubSubServiceClient(small.connectionString, "hub", { retryOptions: { maxRetries: 0 } });
    await expect(c.sendToAll("y".repeat(4096), { contentType: "text/plain" })).rejects.toMatchObject({
      statusCode: 413,
    });
    await c.sendToAll("fits");
    await c.close();
    await small.close();
  });
});
