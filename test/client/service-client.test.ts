import { Readable } from "node:stream";
import { inspect } from "node:util";
import { jwtVerify, decodeJwt } from "jose";
import { Agent } from "undici";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ClosedError, RestError, ValidationError, WebPubSubServiceClient, odata } from "../../src/index";
import { startRecordingServer, defaultResponder, type RecordedRequest } from "../helpers/recordingServer";

const key = "client-test-key-SECRET-0123456789";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function setup(
  respond?: Parameters<typeof startRecordingServer>[0],
  options: import("../../src/index").WebPubSubServiceClientOptions = {},
) {
  const server = await startRecordingServer(respond);
  const client = new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};Version=1.0;`, "hub", options);
  cleanups.push(async () => {
    await client.close();
    await server.close();
  });
  return { server, client };
}

describe("bodies", () => {
  it.each([
    ["Node Readable", () => Readable.from([Buffer.from("ab"), Buffer.from("cd")])],
    [
      "web ReadableStream",
      () =>
        new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode("ab"));
            c.enqueue(new TextEncoder().encode("cd"));
            c.close();
          },
        }),
    ],
    [
      "async iterable",
      () =>
        // An async iterable on purpose (the code under test reads one).
        // eslint-disable-next-line @typescript-eslint/require-await
        (async function* () {
          yield new Uint8Array([97, 98]);
          yield new Uint8Array([99, 100]);
        })(),
    ],
    ["Blob", () => new Blob(["ab", "cd"])],
    ["factory returning a stream", () => () => Readable.from([Buffer.from("abcd")])],
  ])("streams a %s as octet-stream", async (_name, make) => {
    const { server, client } = await setup();
    await client.sendToAll(make() as never);
    const r = server.requests[0] as RecordedRequest;
    expect(r.headers["content-type"]).toBe("application/octet-stream");
    expect(r.body.toString()).toBe("abcd");
  });

  it("a stream factory makes a send replayable across retries", async () => {
    let n = 0;
    const { server, client } = await setup(
      (req, res) => {
        res.statusCode = n++ === 0 ? 503 : 202;
        res.end();
      },
      { retryOptions: { retryDelayInMs: 1 } },
    );
    await client.sendToAll(() => Readable.from([Buffer.from("again")]));
    expect(server.requests.map((r) => r.body.toString())).toEqual(["again", "again"]);
  });

  it("a one-shot stream is not retried once sent", async () => {
    const { server, client } = await setup(
      (req, res) => {
        res.statusCode = 503;
        res.end();
      },
      { retryOptions: { retryDelayInMs: 1 } },
    );
    await expect(client.sendToAll(Readable.from([Buffer.from("once")]))).rejects.toBeInstanceOf(RestError);
    // 503 is a response, so the service refused it: a retry would need the body again, which a one-shot stream cannot
    // give.
    expect(server.requests.length).toBeGreaterThanOrEqual(1);
  });

  it("bodyless POST and PUT send Content-Length: 0", async () => {
    const { server, client } = await setup();
    await client.closeAllConnections();
    await client.group("g").addConnection("c");
    expect(server.requests.map((r) => r.headers["content-length"])).toEqual(["0", "0"]);
  });
});

describe("validation before sending", () => {
  const cases: [string, (c: WebPubSubServiceClient) => unknown, string][] = [
    ["text needs a string", (c) => c.sendToAll({ a: 1 } as never, { contentType: "text/plain" }), "message"],
    ["unsupported content type", (c) => c.sendToAll("x", { contentType: "image/png" } as never), "options.contentType"],
    ["undefined message", (c) => c.sendToAll(undefined as never), "message"],
    ["bigint message", (c) => c.sendToAll(10n as never), "message"],
    ["ttl negative", (c) => c.sendToAll("x", { messageTtlSeconds: -1 }), "options.messageTtlSeconds"],
    ["ttl fractional", (c) => c.sendToAll("x", { messageTtlSeconds: 1.5 }), "options.messageTtlSeconds"],
    ["ttl NaN", (c) => c.sendToAll("x", { messageTtlSeconds: Number.NaN }), "options.messageTtlSeconds"],
    ["ttl too large", (c) => c.sendToAll("x", { messageTtlSeconds: 301 }), "options.messageTtlSeconds"],
    ["empty filter", (c) => c.sendToAll("x", { filter: " " }), "options.filter"],
    [
      "excluded not strings",
      (c) => c.sendToAll("x", { excludedConnections: [1 as never] }),
      "options.excludedConnections",
    ],
    ["empty user", (c) => c.sendToUser("", "x"), "username"],
    ["empty connection", (c) => c.sendToConnection("", "x"), "connectionId"],
    ["empty group", (c) => c.group(""), "groupName"],
    ["whitespace group", (c) => c.group("   "), "groupName"],
    ["group too long", (c) => c.group("g".repeat(1025)), "groupName"],
    ["bad permission", (c) => c.grantPermission("c", "admin" as never), "permission"],
    ["bad targetName", (c) => c.grantPermission("c", "sendToGroup", { targetName: "" }), "options.targetName"],
    ["no groups", (c) => c.addConnectionsToGroups([], "userId eq 'a'"), "groups"],
    ["bad filter arg", (c) => c.addConnectionsToGroups(["g"], ""), "filter"],
    ["page size 0", (c) => c.group("g").listConnections({ maxPageSize: 0 }), "options.maxPageSize"],
    ["page size 201", (c) => c.group("g").listConnections({ maxPageSize: 201 }), "options.maxPageSize"],
    ["top 0", (c) => c.group("g").listConnections({ top: 0 }), "options.top"],
    [
      "token lifetime 0",
      (c) => c.getClientAccessToken({ expirationTimeInMinutes: 0 }),
      "options.expirationTimeInMinutes",
    ],
    [
      "token lifetime Infinity",
      (c) => c.getClientAccessToken({ expirationTimeInMinutes: Infinity }),
      "options.expirationTimeInMinutes",
    ],
    ["token roles not strings", (c) => c.getClientAccessToken({ roles: [1 as never] }), "options.roles"],
    ["token groups not array", (c) => c.getClientAccessToken({ groups: "g" as never }), "options.groups"],
    ["token protocol", (c) => c.getClientAccessToken({ clientProtocol: "signalr" as never }), "options.clientProtocol"],
    ["timeout negative", (c) => c.sendToAll("x", { timeoutInMs: -5 }), "options.timeoutInMs"],
    [
      "maxRetries fractional",
      (c) => c.sendToAll("x", { retryOptions: { maxRetries: 1.5 } }),
      "options.retryOptions.maxRetries",
    ],
  ];
  it.each(cases)("%s → ValidationError naming %s, nothing sent", async (_name, call, argument) => {
    const { server, client } = await setup();
    let error: unknown;
    try {
      await call(client);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).argument).toBe(argument);
    expect((error as ValidationError).errorCode).toBe("ERR_VALIDATION");
    expect(server.requests.length).toBe(0);
  });
});

describe("errors from the service", () => {
  it("parses flat JSON errors", async () => {
    const { client } = await setup((req, res) => {
      res.statusCode = 404;
      res.setHeader("content-type", "application/json");
      res.setHeader("x-ms-error-code", "Error.Connection.NotExisted");
      res.setHeader("x-ms-request-id", "req-42");
      res.end(JSON.stringify({ code: "Error.Connection.NotExisted", message: "Connection 'c1' does not exist." }));
    });
    const error = (await client
      .group("g")
      .addConnection("c1")
      .catch((e: unknown) => e)) as RestError;
    expect(error).toBeInstanceOf(RestError);
    expect(error).toMatchObject({
      statusCode: 404,
      code: "Error.Connection.NotExisted",
      requestId: "req-42",
      retryable: false,
    });
    expect(error.message).toBe(
      "PUT /api/hubs/hub/groups/g/connections/c1 failed with status 404 (Error.Connection.NotExisted): Connection 'c1' does not exist.",
    );
    expect(error.details).toEqual({ code: "Error.Connection.NotExisted", message: "Connection 'c1' does not exist." });
  });

  it("parses application/problem+json validation errors", async () => {
    const { client } = await setup((req, res) => {
      res.statusCode = 400;
      res.setHeader("content-type", "application/problem+json; charset=utf-8");
      res.end(
        JSON.stringify({
          code: "Error.BadRequest",
          message: "Invalid syntax for 'x': bad",
          title: "One or more validation errors occurred.",
          status: 400,
          errors: {},
        }),
      );
    });
    const error = (await client.sendToAll("x", { filter: "x" }).catch((e: unknown) => e)) as RestError;
    expect(error.code).toBe("Error.BadRequest");
    expect(error.message).toMatch(/Invalid syntax for 'x'/);
  });

  it("reads x-ms-error-code from bodyless HEAD errors", async () => {
    const { client } = await setup((req, res) => {
      res.statusCode = 403;
      res.setHeader("x-ms-error-code", "Error.Forbidden");
      res.end();
    });
    await expect(client.groupExists("g")).rejects.toMatchObject({ statusCode: 403, code: "Error.Forbidden" });
  });

  it("existence checks answer false on 404", async () => {
    const { client } = await setup((req, res) => {
      res.statusCode = 404;
      res.end();
    });
    expect(await client.connectionExists("c")).toBe(false);
    expect(await client.userExists("u")).toBe(false);
    expect(await client.groupExists("g")).toBe(false);
    expect(await client.hasPermission("c", "sendToGroup")).toBe(false);
  });
});

describe("secrets never leak", () => {
  it("inspect, JSON and errors carry no key or token", async () => {
    const tokens: string[] = [];
    const { client } = await setup((req, res) => {
      tokens.push(String(req.headers.authorization).slice(7));
      res.statusCode = 401;
      res.setHeader("content-type", "application/json");
      res.end('{"code":"Unauthorized","message":"bad token"}');
    });
    const error = await client.sendToAll({ secretBody: "BODY-SECRET" }).catch((e: unknown) => e);
    const texts = [
      inspect(client, { depth: 10, showHidden: true }),
      inspect(error, { depth: 10 }),
      JSON.stringify(error),
      String((error as Error).stack),
      JSON.stringify(client),
    ];
    for (const text of texts) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(tokens[0]);
      expect(text).not.toContain("BODY-SECRET");
    }
  });
});

describe("tokens", () => {
  it("client token expiry follows expirationTimeInMinutes (fake clock)", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2020-01-01T00:00:00Z"));
    const client = new WebPubSubServiceClient(
      `Endpoint=https://x.webpubsub.azure.com;AccessKey=${key};Version=1.0;`,
      "chat",
    );
    const { token, expiresOn } = await client.getClientAccessToken({ userId: "u", expirationTimeInMinutes: 90 });
    const claims = decodeJwt(token);
    expect(claims.exp).toBe(Date.parse("2020-01-01T01:30:00Z") / 1000);
    expect(claims.iat).toBe(Date.parse("2020-01-01T00:00:00Z") / 1000);
    expect(expiresOn.toISOString()).toBe("2020-01-01T01:30:00.000Z");
    vi.useRealTimers();
    await expect(
      jwtVerify(token, new TextEncoder().encode(key), { audience: "https://x.webpubsub.azure.com/client/hubs/chat" }),
    ).rejects.toThrow(/exp/);
  });

  it("REST tokens are cached per audience and re-signed after rotation", async () => {
    const { server, client } = await setup();
    await client.sendToAll("a");
    await client.sendToAll("b");
    await client.sendToUser("u", "c");
    const auth = server.requests.map((r) => r.headers.authorization);
    expect(auth[0]).toBe(auth[1]);
    expect(auth[2]).not.toBe(auth[0]);
    const { payload } = await jwtVerify(String(auth[0]).slice(7), new TextEncoder().encode(key));
    expect(payload.aud).toBe(`${server.url}/api/hubs/hub/:send?api-version=2024-12-01`);
  });

  it("uses :generateToken with a TokenCredential", async () => {
    const server = await startRecordingServer(defaultResponder);
    const scopes: unknown[] = [];
    const credential = {
      // Async on purpose: the code under test awaits what it returns.
      // eslint-disable-next-line @typescript-eslint/require-await
      async getToken(scope: string | string[]) {
        scopes.push(scope);
        return { token: "aad-token", expiresOnTimestamp: Date.now() + 3600_000 };
      },
    };
    const client = new WebPubSubServiceClient(server.url, credential, "hub");
    cleanups.push(async () => {
      await client.close();
      await server.close();
    });
    const result = await client.getClientAccessToken({
      userId: "u1",
      roles: ["r1", "r2"],
      groups: ["g1"],
      expirationTimeInMinutes: 10,
      clientProtocol: "mqtt",
    });
    expect(result.token).toBe("service-token");
    expect(result.url).toBe(`${server.url.replace("http", "ws")}/clients/mqtt/hubs/hub?access_token=service-token`);
    const r = server.requests[0] as RecordedRequest;
    expect(r.method).toBe("POST");
    expect(r.path).toBe("/api/hubs/hub/:generateToken");
    expect(r.query).toEqual([
      ["api-version", "2024-12-01"],
      ["userId", "u1"],
      ["role", "r1"],
      ["role", "r2"],
      ["minutesToExpire", "10"],
      ["group", "g1"],
      ["clientType", "MQTT"],
    ]);
    expect(r.headers.authorization).toBe("Bearer aad-token");
    expect(scopes).toEqual(["https://webpubsub.azure.com/.default"]);
  });
});

describe("transport", () => {
  it("sends through the reverse proxy while the audience keeps the service URL", async () => {
    const proxy = await startRecordingServer();
    const client = new WebPubSubServiceClient(
      `Endpoint=https://x.webpubsub.azure.com;AccessKey=${key};Version=1.0;`,
      "hub",
      { reverseProxyEndpoint: proxy.url },
    );
    cleanups.push(async () => {
      await client.close();
      await proxy.close();
    });
    await client.sendToAll("x");
    const r = proxy.requests[0] as RecordedRequest;
    expect(r.path).toBe("/api/hubs/hub/:send");
    const { payload } = await jwtVerify(String(r.headers.authorization).slice(7), new TextEncoder().encode(key));
    expect(payload.aud).toBe("https://x.webpubsub.azure.com/api/hubs/hub/:send?api-version=2024-12-01");
  });

  it("uses an injected dispatcher and leaves it open on close", async () => {
    const server = await startRecordingServer();
    const agent = new Agent();
    const client = new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};Version=1.0;`, "hub", {
      dispatcher: agent,
    });
    await client.sendToAll("x");
    await client.close();
    expect(agent.closed).toBe(false);
    await agent.close();
    await server.close();
    expect(server.requests.length).toBe(1);
  });

  it("close() then a call → ClosedError; await using disposes", async () => {
    const { client } = await setup();
    await client.sendToAll("x");
    await client[Symbol.asyncDispose]();
    await expect(client.sendToAll("x")).rejects.toBeInstanceOf(ClosedError);
  });

  it("pages with absolute nextLink, for await or byPage, and awaitable like @azure/web-pubsub", async () => {
    const { server, client } = await setup((req, res) => {
      res.setHeader("content-type", "application/json");
      const page = Number(new URLSearchParams(req.url.split("?")[1]).get("continuationToken") ?? "0");
      const next =
        page < 2
          ? `http://127.0.0.1:${server.port}/api/hubs/hub/groups/g/connections?api-version=2024-12-01&maxpagesize=2&continuationToken=${page + 1}`
          : undefined;
      res.end(
        JSON.stringify({
          value: [{ connectionId: `c${page}a`, userId: "u" }, { connectionId: `c${page}b` }],
          nextLink: next,
        }),
      );
    });
    const all: string[] = [];
    for await (const m of client.group("g").listConnections({ maxPageSize: 2 })) all.push(m.connectionId);
    expect(all).toEqual(["c0a", "c0b", "c1a", "c1b", "c2a", "c2b"]);
    const pages = [];
    for await (const page of (await client.group("g").listConnections()).byPage({ maxPageSize: 2 }))
      pages.push(page.continuationToken);
    expect(pages.length).toBe(3);
    expect(pages[2]).toBeUndefined();
    const resumed: string[] = [];
    for await (const page of client
      .group("g")
      .listConnections()
      .byPage({ continuationToken: pages[0] as string }))
      resumed.push(...page.map((m) => m.connectionId));
    expect(resumed).toEqual(["c1a", "c1b", "c2a", "c2b"]);
  });
});

describe("odata", () => {
  it("quotes strings, doubles quotes, writes null/numbers/booleans", () => {
    const userId = "vic's";
    expect(odata`userId eq ${null} or userId eq ${userId} or length(userId) gt ${3} or ${true}`).toBe(
      "userId eq null or userId eq 'vic''s' or length(userId) gt 3 or true",
    );
    expect(odata`userId eq '${userId}'`).toBe("userId eq 'vic''s'");
    expect(odata`${"g1"} in groups`).toBe("'g1' in groups");
  });
});
