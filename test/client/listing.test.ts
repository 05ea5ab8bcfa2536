// Issue 9 items 4 and 5: a listing never escapes as SyntaxError/TypeError/URIError (a 2xx body that is not
// the service's shape is a RestError with code PARSE_ERROR, as @azure/web-pubsub reports an unreadable body),
// and a relative nextLink is resolved against the endpoint exactly as @azure/web-pubsub does.
import type { ServerResponse } from "node:http";
import { WebPubSubServiceClient as AzureClient } from "@azure/web-pubsub";
import { jwtVerify } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { RestError, WebPubSubServiceClient, type RequestLogEvent } from "../../src/index";
import { startRecordingServer, type RecordedRequest } from "../helpers/recordingServer";

const key = "listing-test-key-0123456789";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function serve(respond: (req: RecordedRequest, res: ServerResponse) => void) {
  const server = await startRecordingServer(respond);
  cleanups.push(() => server.close());
  const cs = `Endpoint=${server.url};AccessKey=${key};Version=1.0;`;
  const events: RequestLogEvent[] = [];
  const client = new WebPubSubServiceClient(cs, "hub", {
    retryOptions: { maxRetries: 0 },
    logger: (e) => events.push(e),
  });
  cleanups.push(() => client.close());
  return { server, cs, client, events };
}

const json =
  (body: unknown, type = "application/json") =>
  (_req: RecordedRequest, res: ServerResponse) => {
    res.writeHead(200, { "content-type": type }).end(typeof body === "string" ? body : JSON.stringify(body));
  };

async function list(client: WebPubSubServiceClient): Promise<unknown> {
  const ids: string[] = [];
  for await (const m of client.group("g").listConnections()) ids.push(m.connectionId);
  return ids;
}

describe("a listing that is not the service's shape is a typed error", () => {
  it.each([
    [
      "a proxy's HTML page",
      json("<html><body>Gateway says hi</body></html>", "text/html"),
      /not JSON \(content-type "text\/html"\)/,
    ],
    ["JSON that is not an object", json([1, 2]), /not a JSON object/],
    [
      "a value that is an object",
      json({ value: { connectionId: "c1" } }),
      /`value` that is not an array of group members/,
    ],
    ["a value of numbers", json({ value: [1, 2] }), /`value\[0\]`, which is not a group member/],
    [
      "a member whose connectionId is a number",
      json({ value: [{ connectionId: 7 }] }),
      /`value\[0\]`, which is not a group member with a string connectionId/,
    ],
    ["a userId that is an object", json({ value: [{ connectionId: "c1", userId: {} }] }), /`value\[0\]\.userId`/],
    ["a nextLink that is a number", json({ value: [], nextLink: 42 }), /`nextLink` that is not a string/],
    [
      "a nextLink with malformed percent-encoding",
      json({ value: [], nextLink: "/api/hubs/hub/groups/g/connections?continuationToken=%E0%A4%A" }),
      /`nextLink` that is not a valid URL/,
    ],
    [
      "a nextLink with a bad escape in a query name",
      json({ value: [], nextLink: "/api/x?%zz=1" }),
      /`nextLink` that is not a valid URL/,
    ],
    [
      "a nextLink with spaces",
      json({ value: [], nextLink: "/api/hubs/hub/groups/g/connections?x=a b" }),
      /`nextLink` that is not a valid URL/,
    ],
    [
      "a nextLink with another scheme",
      json({ value: [], nextLink: "file:///etc/passwd" }),
      /`nextLink` that is not a valid URL/,
    ],
  ])("%s → RestError PARSE_ERROR", async (_name, respond, message) => {
    const { server, client, events } = await serve(respond);
    const error = (await list(client).catch((e: unknown) => e)) as RestError;
    expect(error).toBeInstanceOf(RestError);
    expect(error).toMatchObject({
      name: "RestError",
      statusCode: 200,
      code: "PARSE_ERROR",
      retryable: false,
      request: { method: "GET", path: "/api/hubs/hub/groups/g/connections" },
    });
    expect(error.message).toMatch(/^GET \/api\/hubs\/hub\/groups\/g\/connections answered 200 with /);
    expect(error.message).toMatch(message);
    expect(server.requests.length).toBe(1);
    expect(events.length).toBe(1);
  });

  it("the error carries nothing the body echoed (no cause quoting it)", async () => {
    const { client } = await serve(json(`not json ${key}`, "text/plain"));
    const error = (await list(client).catch((e: unknown) => e)) as RestError;
    expect(error.code).toBe("PARSE_ERROR");
    expect(JSON.stringify(error) + String(error.stack) + String(error.cause)).not.toContain(key);
  });
});

describe("nextLink", () => {
  const pages = (nextLinkFor: (page: number) => string) => (req: RecordedRequest, res: ServerResponse) => {
    const page = Number(new URLSearchParams(req.url.split("?")[1]).get("continuationToken") ?? "0");
    const body = { value: [{ connectionId: `c${page}` }], ...(page < 2 ? { nextLink: nextLinkFor(page + 1) } : {}) };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  };

  it.each([
    [
      "with a leading slash",
      (p: number) => `/api/hubs/hub/groups/g/connections?api-version=2024-12-01&continuationToken=${p}`,
    ],
    [
      "without a leading slash",
      (p: number) => `api/hubs/hub/groups/g/connections?api-version=2024-12-01&continuationToken=${p}`,
    ],
  ])(
    "a relative one (%s) is resolved against the endpoint, the same request as @azure/web-pubsub",
    async (_name, link) => {
      const mine = await serve(pages(link));
      expect(await list(mine.client)).toEqual(["c0", "c1", "c2"]);

      const theirs = await serve(pages(link));
      const azure = new AzureClient(theirs.cs, "hub", { allowInsecureConnection: true });
      const ids: string[] = [];
      for await (const m of await azure.group("g").listConnections()) ids.push(m.connectionId);
      expect(ids).toEqual(["c0", "c1", "c2"]);

      expect(mine.server.requests.map((r) => r.url)).toEqual(theirs.server.requests.map((r) => r.url));
      const secret = new TextEncoder().encode(key);
      for (let i = 0; i < 3; i++) {
        const ours = await jwtVerify(String(mine.server.requests[i]?.headers.authorization).slice(7), secret);
        const azureClaims = await jwtVerify(String(theirs.server.requests[i]?.headers.authorization).slice(7), secret);
        // The audience is the URL signed: the endpoint plus the resolved link, with the test server's own port.
        expect(ours.payload.aud?.toString().replace(/:\d+\//, ":P/")).toBe(
          azureClaims.payload.aud?.toString().replace(/:\d+\//, ":P/"),
        );
      }
    },
  );

  it("a relative one resumes from byPage({ continuationToken })", async () => {
    const { client } = await serve(
      pages((p) => `/api/hubs/hub/groups/g/connections?api-version=2024-12-01&continuationToken=${p}`),
    );
    const tokens: (string | undefined)[] = [];
    for await (const page of client.group("g").listConnections().byPage()) tokens.push(page.continuationToken);
    expect(tokens[0]).toBe("/api/hubs/hub/groups/g/connections?api-version=2024-12-01&continuationToken=1");
    const resumed: string[] = [];
    for await (const page of client
      .group("g")
      .listConnections()
      .byPage({ continuationToken: tokens[0] as string }))
      resumed.push(...page.map((m) => m.connectionId));
    expect(resumed).toEqual(["c1", "c2"]);
  });

  it("an absolute one naming another host still goes to the service's own origin", async () => {
    const { server, client } = await serve(
      pages(
        (p) =>
          `http://elsewhere.invalid:9/api/hubs/hub/groups/g/connections?api-version=2024-12-01&continuationToken=${p}`,
      ),
    );
    expect(await list(client)).toEqual(["c0", "c1", "c2"]);
    expect(server.requests.length).toBe(3);
  });
});
