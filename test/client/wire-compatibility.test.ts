// The same call through `@azure/web-pubsub` 1.2.0 and through us, against one recording server: the
// requests must match (method, path, query, content type, body), and both bearer JWTs must verify.
import { WebPubSubServiceClient as AzureClient } from "@azure/web-pubsub";
import { jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebPubSubServiceClient } from "../../src/index";
import { startRecordingServer, type RecordedRequest } from "../helpers/recordingServer";

const key = "differential-test-key-0123456789";
let server: Awaited<ReturnType<typeof startRecordingServer>>;
let ours: WebPubSubServiceClient;
let azure: AzureClient;

beforeAll(async () => {
  server = await startRecordingServer();
  const cs = `Endpoint=${server.url};AccessKey=${key};Version=1.0;`;
  ours = new WebPubSubServiceClient(cs, "Hub_1", { retryOptions: { maxRetries: 0 } });
  azure = new AzureClient(cs, "Hub_1", { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
});
afterAll(async () => {
  await ours.close();
  await server.close();
});

// Every call is written against @azure/web-pubsub's types and run through both clients: ours is a drop-in, so a
// call that type-checks against Microsoft's client must work unchanged on ours (which the requests then prove).
type Call = (client: AzureClient) => Promise<unknown>;

async function record(call: Call, client: AzureClient): Promise<RecordedRequest[]> {
  const start = server.requests.length;
  await call(client);
  return server.requests.slice(start);
}

function normalize(r: RecordedRequest) {
  const type = r.headers["content-type"]?.split(";")[0];
  return {
    method: r.method,
    path: r.path,
    query: [...r.query].sort((a, b) => (a[0] + a[1] < b[0] + b[1] ? -1 : 1)),
    contentType: type,
    body: r.body.toString("latin1"),
  };
}

async function verifyAuth(r: RecordedRequest): Promise<string> {
  const auth = r.headers.authorization ?? "";
  expect(auth.startsWith("Bearer ")).toBe(true);
  const { payload } = await jwtVerify(auth.slice(7), new TextEncoder().encode(key), { algorithms: ["HS256"] });
  expect(typeof payload.exp).toBe("number");
  return String(payload.aud);
}

const cases: [string, Call][] = [
  ["sendToAll json object", (c) => c.sendToAll({ hello: "world", n: [1, 2] })],
  ["sendToAll json string", (c) => c.sendToAll("hi")],
  ["sendToAll number", (c) => c.sendToAll(42)],
  ["sendToAll boolean", (c) => c.sendToAll(false)],
  ["sendToAll text", (c) => c.sendToAll("Hello World", { contentType: "text/plain" })],
  ["sendToAll binary Uint8Array", (c) => c.sendToAll(new Uint8Array([0, 1, 2, 255]))],
  ["sendToAll binary ArrayBuffer", (c) => c.sendToAll(new Uint8Array([9, 8, 7]).buffer)],
  ["sendToAll binary Buffer", (c) => c.sendToAll(Buffer.from("buffer body"))],
  [
    "sendToAll excluded, filter, ttl",
    (c) =>
      c.sendToAll(
        { a: 1 },
        { excludedConnections: ["c 1", "c/2"], filter: "userId eq 'a b' or 'g1' in groups", messageTtlSeconds: 30 },
      ),
  ],
  ["sendToAll ttl 0", (c) => c.sendToAll({ a: 1 }, { messageTtlSeconds: 0 })],
  ["sendToUser", (c) => c.sendToUser("user/1 x", { a: 1 }, { filter: "connectionId ne 'x'", messageTtlSeconds: 5 })],
  [
    "sendToAll filter with list and functions",
    (c) =>
      c.sendToAll({ a: 1 }, { filter: "userId in ('a','b!') and startswith(userId, 'x*') and length(groups) gt 1" }),
  ],
  ["sendToUser text", (c) => c.sendToUser("u1", "text", { contentType: "text/plain" })],
  ["sendToConnection", (c) => c.sendToConnection("conn?1#", { a: 1 }, { messageTtlSeconds: 300 })],
  ["sendToConnection binary", (c) => c.sendToConnection("c1", new Uint16Array([1, 2]))],
  ["connectionExists", (c) => c.connectionExists("c 1")],
  ["closeConnection", (c) => c.closeConnection("c1", { reason: "bye now" })],
  ["closeConnection no reason", (c) => c.closeConnection("c1")],
  ["closeAllConnections", (c) => c.closeAllConnections({ reason: "maintenance" })],
  ["closeUserConnections", (c) => c.closeUserConnections("user 1", { reason: "r" })],
  ["removeUserFromAllGroups", (c) => c.removeUserFromAllGroups("user 1")],
  ["removeConnectionFromAllGroups", (c) => c.removeConnectionFromAllGroups("c1")],
  ["addConnectionsToGroups", (c) => c.addConnectionsToGroups(["g1", "g 2"], "userId eq 'u1'")],
  ["removeConnectionsFromGroups", (c) => c.removeConnectionsFromGroups(["g1"], "'g3' in groups")],
  ["groupExists", (c) => c.groupExists("group 1")],
  ["userExists", (c) => c.userExists("user@example.com")],
  ["grantPermission", (c) => c.grantPermission("c1", "sendToGroup", { targetName: "g1" })],
  ["grantPermission all groups", (c) => c.grantPermission("c1", "joinLeaveGroup")],
  ["revokePermission", (c) => c.revokePermission("c1", "joinLeaveGroup", { targetName: "g 1" })],
  ["hasPermission", (c) => c.hasPermission("c1", "sendToGroup", { targetName: "g1" })],
  [
    "group.sendToAll",
    (c) =>
      c
        .group("g/1 ü")
        .sendToAll({ a: 1 }, { excludedConnections: ["c1"], filter: "userId ne null", messageTtlSeconds: 1 }),
  ],
  ["group.sendToAll text", (c) => c.group("g1").sendToAll("plain", { contentType: "text/plain" })],
  ["group.addConnection", (c) => c.group("g1").addConnection("c 1")],
  ["group.removeConnection", (c) => c.group("g1").removeConnection("c1")],
  ["group.addUser", (c) => c.group("g 1").addUser("u/1")],
  ["group.removeUser", (c) => c.group("g1").removeUser("u1")],
  ["group.closeAllConnections", (c) => c.group("g1").closeAllConnections({ reason: "done" })],
  [
    "group.listConnections",
    async (c) => {
      const members = [];
      for await (const m of await c.group("g1").listConnections({ maxPageSize: 10, top: 5 })) members.push(m);
      return members;
    },
  ],
];

describe("same request as @azure/web-pubsub 1.2.0", () => {
  it.each(cases)("%s", async (_name, call) => {
    const theirs = await record(call, azure);
    const mine = await record(call, ours as unknown as AzureClient);
    expect(mine.length).toBe(theirs.length);
    for (let i = 0; i < mine.length; i++) {
      const a = mine[i] as RecordedRequest;
      const b = theirs[i] as RecordedRequest;
      expect(normalize(a)).toEqual(normalize(b));
      expect(a.query[0]?.[0]).toBe("api-version");
      // Both sign the full request URL as the audience.
      expect(await verifyAuth(a)).toBe(await verifyAuth(b));
    }
  });

  it("returns the same answers", async () => {
    expect(await ours.connectionExists("c1")).toBe(await azure.connectionExists("c1"));
    const mine = [];
    for await (const m of ours.group("g1").listConnections()) mine.push(m);
    const theirs = [];
    for await (const m of await azure.group("g1").listConnections()) theirs.push(m);
    expect(mine).toEqual(theirs);
  });
});

describe("client access tokens match @azure/web-pubsub 1.2.0", () => {
  const variants = [
    {},
    { userId: "alice" },
    { userId: "bob", roles: ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup.chat"], groups: ["chat", "x y"] },
    { expirationTimeInMinutes: 5 },
    { clientProtocol: "mqtt" as const, userId: "m" },
    { clientProtocol: "socketio" as const },
  ];
  it.each(variants)("%j", async (options) => {
    const before = Date.now();
    const a = await ours.getClientAccessToken(options);
    const b = await azure.getClientAccessToken(options);
    // Minted moments apart; on a loaded machine the moment may be seconds: allow for it.
    const apart = 2 + Math.ceil((Date.now() - before) / 1000);
    expect(a.baseUrl).toBe(b.baseUrl);
    expect(a.url).toBe(`${a.baseUrl}?access_token=${a.token}`);
    const secret = new TextEncoder().encode(key);
    const pa = (await jwtVerify(a.token, secret)).payload;
    const pb = (await jwtVerify(b.token, secret)).payload;
    const { iat: ia, exp: ea, ...restA } = pa;
    const { iat: ib, exp: eb, ...restB } = pb;
    expect(restA).toEqual(restB);
    expect(Math.abs((ea as number) - (eb as number))).toBeLessThanOrEqual(apart);
    expect(Math.abs((ia as number) - (ib as number))).toBeLessThanOrEqual(apart);
    expect(a.expiresOn.getTime()).toBe((ea as number) * 1000);
  });
});
