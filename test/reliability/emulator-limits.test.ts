// A client's mistake is a 4xx, never a 5xx or silence; every resource a stranger can grow is bounded; the
// emulator checks a token's audience against its own endpoint; every REST answer has a request id.
// Raw sockets where Microsoft's SDK cannot produce the fault, Microsoft's SDK where it can.
import { connect } from "node:net";
import { WebPubSubServiceClient as AzureServiceClient, odata } from "@azure/web-pubsub";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultAccessKey, startEmulator, type Emulator } from "../../src/emulator/index";
import { WebPubSubServiceClient, type RequestLogEvent } from "../../src/index";
import { TestSocket, refusedStatus } from "../helpers/ws";

const key = new TextEncoder().encode(defaultAccessKey);
let emulator: Emulator;
let azure: AzureServiceClient;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, requestTimeoutMs: 1500, maxGroupsPerConnection: 5 });
  azure = new AzureServiceClient(emulator.connectionString, "limits", {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
});
afterAll(() => emulator.close());

/** Sends raw bytes to the emulator and resolves with the status line of its answer ("" if it closed without one). */
function raw(request: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(emulator.port, "127.0.0.1");
    let answer = "";
    socket.on("data", (d) => {
      answer += d.toString("latin1");
      if (answer.includes("\r\n")) socket.destroy();
    });
    socket.on("error", () => {});
    socket.on("close", () => resolve(answer.split("\r\n")[0] ?? ""));
    // The socket stays open for writing (a half-closed request is not what clients send).
    socket.on("connect", () => socket.write(request));
  });
}

async function token(aud: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setAudience(aud)
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(key);
}

describe("client mistakes are 4xx", () => {
  it.each([
    ["a Host header with a space", "GET /api/health HTTP/1.1\r\nHost: exa mple\r\n\r\n"],
    ["a Host header with a path", "HEAD /api/health HTTP/1.1\r\nHost: a/b\r\n\r\n"],
    ["a Host header with a bad port", "HEAD /api/health HTTP/1.1\r\nHost: localhost:99999\r\n\r\n"],
  ])("REST: %s → 400", async (_name, request) => {
    expect(await raw(request)).toMatch(/^HTTP\/1\.1 400 /);
  });

  it("an upgrade with a malformed Host header or a bad percent-encoding in the path → 400", async () => {
    const upgrade = (path: string, host: string) =>
      `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;
    expect(await raw(upgrade("/client/hubs/limits", "bad host"))).toMatch(/^HTTP\/1\.1 400 /);
    expect(await raw(upgrade("/client/hubs/%E0%A4%A", `127.0.0.1:${emulator.port}`))).toMatch(/^HTTP\/1\.1 400 /);
    expect(await refusedStatus(`${emulator.endpoint.replace(/^http/, "ws")}/client/hubs/%ZZ`)).toBe(400);
  });

  it("an unknown method → 400 and oversized headers → 431, as Node's default server answers", async () => {
    expect(await raw("BREW /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n")).toMatch(/^HTTP\/1\.1 400 /);
    expect(await raw(`GET /api/health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${"x".repeat(64 * 1024)}\r\n\r\n`)).toMatch(
      /^HTTP\/1\.1 431 /,
    );
  });

  it("a request body that trickles in is answered 408 once requestTimeoutMs passes", async () => {
    const started = Date.now();
    const path = "/api/hubs/limits/:send?api-version=2024-12-01";
    const bearer = await token(`${emulator.endpoint}${path}`);
    const status = await raw(
      `POST ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${bearer}\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nabc`,
    );
    expect(status).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("filters nested thousands deep → 400 naming the depth limit, in the URL and in :addToGroups bodies", async () => {
    // In the URL (as deep as fits Node's 16 KiB header limit: the SDK signs the URL into the token too) and in a body (far deeper).
    const nested = (n: number) => [
      `${"(".repeat(n)}userId eq 'a'${")".repeat(n)}`,
      `${"not ".repeat(n)}userId eq 'a'`,
      `${"tolower(".repeat(n)}userId${")".repeat(n)} eq 'a'`,
    ];
    const depthError = {
      statusCode: 400,
      message: expect.stringContaining("Nesting deeper than 64 levels at position") as unknown,
    };
    for (const filter of nested(300))
      await expect(azure.sendToAll("x", { contentType: "text/plain", filter })).rejects.toMatchObject(depthError);
    for (const filter of nested(10_000))
      await expect(azure.addConnectionsToGroups(["g"], filter)).rejects.toMatchObject(depthError);
    // A long flat chain is fine (it is not nesting) and is evaluated without recursion.
    const chain = Array.from({ length: 20_000 }, (_, i) => `userId ne 'u${i}'`).join(" and ");
    await azure.removeConnectionsFromGroups(["g"], chain);
    expect(await azure.groupExists("never")).toBe(false);
  });
});

describe("filter syntax errors read like the service's", () => {
  it.each([
    ["invalid filter", 14],
    ["userId eq", 9],
    ["userId eq 'a' and", 17],
    ["userId eq 'a')", 14],
  ])("%s → position %d", async (filter, position) => {
    const expected = `Invalid syntax for '${filter}': Syntax error at position ${position} in '${filter}'. (Parameter 'filter')`;
    await expect(azure.sendToAll("x", { contentType: "text/plain", filter })).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining(JSON.stringify(expected)) as unknown,
    });
    await expect(azure.removeConnectionsFromGroups(["g"], filter)).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining(JSON.stringify(expected)) as unknown,
    });
  });

  it("a filter built by Microsoft's odata helper selects exactly the connections it names (quote escaped)", async () => {
    const pubsub = async (userId: string, groups: string[] = []) => {
      const { url } = await azure.getClientAccessToken({ userId, groups });
      const socket = new TestSocket(url, "json.webpubsub.azure.v1");
      expect(await socket.nextJson()).toMatchObject({ event: "connected", userId });
      return socket;
    };
    const quoted = await pubsub("o'k");
    const member = await pubsub("member", ["g"]);
    const other = await pubsub("other");
    await azure.sendToAll("picked", { contentType: "text/plain", filter: odata`userId eq ${"o'k"} or 'g' in groups` });
    // Sent after the filtered message: the first frame `other` gets shows the filter left it out.
    await azure.sendToUser("other", "after", { contentType: "text/plain" });
    expect(await quoted.nextJson()).toMatchObject({ type: "message", data: "picked" });
    expect(await member.nextJson()).toMatchObject({ type: "message", data: "picked" });
    expect(await other.nextJson()).toMatchObject({ type: "message", data: "after" });
    for (const socket of [quoted, member, other]) socket.close();
  });
});

describe("bounded resources", () => {
  it("a connection may be in at most maxGroupsPerConnection groups: joinGroup is Forbidden, REST adds are 400", async () => {
    const { url } = await azure.getClientAccessToken({ userId: "joiner", roles: ["webpubsub.joinLeaveGroup"] });
    const socket = new TestSocket(url, "json.webpubsub.azure.v1");
    const id = String((await socket.nextJson())["connectionId"]);
    for (let i = 1; i <= 5; i++) {
      socket.send({ type: "joinGroup", group: `g${i}`, ackId: i });
      expect(await socket.nextJson()).toMatchObject({ ackId: i, success: true });
    }
    socket.send({ type: "joinGroup", group: "g6", ackId: 6 });
    expect(await socket.nextJson()).toMatchObject({ ackId: 6, success: false, error: { name: "Forbidden" } });
    socket.send({ type: "joinGroup", group: "g1", ackId: 7 });
    expect(await socket.nextJson()).toMatchObject({ ackId: 7, success: true });
    await expect(azure.group("g6").addConnection(id)).rejects.toMatchObject({ statusCode: 400 });
    await expect(azure.group("g6").addUser("joiner")).rejects.toMatchObject({ statusCode: 400 });
    await expect(azure.addConnectionsToGroups(["g6"], odata`userId eq ${"joiner"}`)).rejects.toMatchObject({
      statusCode: 400,
    });
    expect(emulator.connections("limits").find((c) => c.connectionId === id)?.groups).toHaveLength(5);
    socket.close();
  });

  it("a token that would start a connection in more groups than allowed is refused with 400", async () => {
    const { url } = await azure.getClientAccessToken({ groups: ["a", "b", "c", "d", "e", "f"] });
    expect(await refusedStatus(url)).toBe(400);
  });
});

describe("token audience is the emulator's own endpoint", () => {
  it("a token minted for another host is refused even when the request claims that host", async () => {
    const path = "/api/hubs/limits/:send?api-version=2024-12-01";
    const foreign = await token(`http://elsewhere.example${path}`);
    const send = (host: string, bearer: string) =>
      raw(
        `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${bearer}\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\nx`,
      );
    expect(await send("elsewhere.example", foreign)).toMatch(/^HTTP\/1\.1 401 /);
    // The same call with a token for the emulator's own endpoint is accepted whatever the Host header says.
    expect(await send("elsewhere.example", await token(`${emulator.endpoint}${path}`))).toMatch(/^HTTP\/1\.1 202 /);
    // Loopback names of the same listener are the same endpoint.
    expect(await send("localhost", await token(`http://localhost:${emulator.port}${path}`))).toMatch(
      /^HTTP\/1\.1 202 /,
    );

    const ws = `${emulator.endpoint.replace(/^http/, "ws")}/client/hubs/limits`;
    expect(
      await refusedStatus(`${ws}?access_token=${await token("http://elsewhere.example/client/hubs/limits")}`),
    ).toBe(401);
  });

  it("behind a proxy, publicEndpoint names the endpoint tokens must be for, and the emulator hands it out", async () => {
    const proxied = await startEmulator({ port: 0, publicEndpoint: "https://pubsub.example.com" });
    try {
      expect(proxied.endpoint).toBe("https://pubsub.example.com");
      expect(proxied.connectionString).toContain("Endpoint=https://pubsub.example.com;");
      const direct = `http://127.0.0.1:${proxied.port}`;
      // A client of the proxy signs for the public URL; the emulator accepts it on its private port.
      const viaProxy = new AzureServiceClient(proxied.connectionString, "hub", { retryOptions: { maxRetries: 0 } });
      const { token: clientToken } = await viaProxy.getClientAccessToken();
      const ok = new TestSocket(`ws://127.0.0.1:${proxied.port}/client/hubs/hub?access_token=${clientToken}`);
      await ok.opened;
      ok.close();
      // A token for the private address is not for this emulator any more.
      expect(
        await refusedStatus(
          `ws://127.0.0.1:${proxied.port}/client/hubs/hub?access_token=${await token(`${direct}/client/hubs/hub`)}`,
        ),
      ).toBe(401);
    } finally {
      await proxied.close();
    }
    await expect(startEmulator({ port: 0, publicEndpoint: "pubsub.example.com/path" })).rejects.toThrow(
      /publicEndpoint/,
    );
  });
});

describe("request ids", () => {
  it("every REST answer carries x-ms-request-id: RestError.requestId (Microsoft's and ours) and our logger see it", async () => {
    const response = await fetch(`${emulator.endpoint}/api/health`, { method: "HEAD" });
    expect(response.headers.get("x-ms-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const error = (await azure
      .group("g")
      .addConnection("nobody")
      .catch((e: unknown) => e)) as {
      statusCode: number;
      request: { requestId: string };
      response?: { headers: { get(n: string): string | undefined } };
    };
    expect(error.statusCode).toBe(404);
    expect(error.response?.headers.get("x-ms-request-id")).toMatch(/^[0-9a-f-]{36}$/);

    const events: RequestLogEvent[] = [];
    const ours = new WebPubSubServiceClient(emulator.connectionString, "limits", {
      retryOptions: { maxRetries: 0 },
      logger: (e: RequestLogEvent) => events.push(e),
    });
    const ourError = (await ours
      .group("g")
      .addConnection("nobody")
      .catch((e: unknown) => e)) as { requestId?: string };
    expect(ourError.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(events.some((e) => e.requestId === ourError.requestId)).toBe(true);
    await ours.close();
  });
});
