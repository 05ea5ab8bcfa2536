// No access key, JWT, signature or message body in any error message, stack, inspect output, JSON form or
// log line, even when a hostile or careless server echoes them back.
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AzureKeyCredential, WebPubSubServiceClient } from "../../src/index";
import { startEmulator, type Emulator } from "../../src/emulator/index";
import { WebPubSubEventHandler } from "../../src/handler/index";
import { startRecordingServer, type RecordedRequest } from "../helpers/recordingServer";
import { TestSocket, refusedStatus } from "../helpers/ws";

const key = "SECRET-KEY-abcdefghijklmnopqrstuvwxyz0123456789";
const body = "BODY-SECRET-7f3a";

/** Every textual form of a value a user might log. */
function renderings(value: unknown): string[] {
  const error = value as Error;
  return [
    inspect(value, { depth: 10, showHidden: true }),
    JSON.stringify(value) ?? "",
    String(error?.message),
    String(error?.stack),
    String(value),
    inspect((value as { cause?: unknown })?.cause, { depth: 10 }),
  ];
}

function expectClean(texts: string[], secrets: string[]): void {
  for (const text of texts)
    for (const secret of secrets)
      expect(text.includes(secret), `leaked ${secret.slice(0, 12)}… in ${text.slice(0, 200)}`).toBe(false);
}

describe("SDK errors", () => {
  let tokens: string[] = [];
  const echo = (status: number) => (req: RecordedRequest, res: import("node:http").ServerResponse) => {
    const token = String(req.headers.authorization).slice("Bearer ".length);
    tokens.push(token);
    // A careless server echoing the credentials and the body back in its error.
    res.writeHead(status, { "content-type": "application/json", "x-ms-error-code": "Echo" });
    res.end(
      JSON.stringify({
        code: "Echo",
        message: `bad token ${token} for body ${req.body.toString()} (key ${key})`,
        authorization: req.headers.authorization,
      }),
    );
  };

  it.each([401, 400, 500])(
    "a service error echoing token, key and body (%i) is redacted everywhere",
    async (status) => {
      tokens = [];
      const server = await startRecordingServer(echo(status));
      const client = new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};Version=1.0;`, "hub", {
        retryOptions: { maxRetries: 0 },
      });
      const error = await client.sendToAll({ secret: body }).catch((e: unknown) => e);
      expect(error).toMatchObject({ statusCode: status });
      expect(tokens.length).toBe(1);
      expectClean(
        [...renderings(error), inspect(client, { depth: 10, showHidden: true }), JSON.stringify(client)],
        [key, tokens[0] as string, body],
      );
      await client.close();
      await server.close();
    },
  );

  // Issue 9 item 6: echoes that are not verbatim. The body has characters every escaping changes.
  const richBody = `BODY-SECRET-7f3a <b class="x">it's "quoted" & marked</b> then a long tail of private words`;
  const html = (t: string) =>
    t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  it.each([
    ["JSON-escaped in a text/plain page", "text/plain", (sent: string) => `you sent: ${JSON.stringify(sent)}`],
    [
      "JSON-escaped inside a JSON error",
      "application/json",
      (sent: string) => JSON.stringify({ code: "Echo", message: `got ${JSON.stringify(sent)}` }),
    ],
    [
      "HTML-escaped in an HTML page",
      "text/html",
      (sent: string) => `<html><body><pre>${html(sent)}</pre></body></html>`,
    ],
    ["cut short at 40 characters", "text/plain", (sent: string) => `truncated echo: ${sent.slice(0, 40)}…`],
    ["cut short in the middle", "text/plain", (sent: string) => `…${sent.slice(25, 70)}…`],
  ])("a body echoed %s is redacted", async (_name, type, render) => {
    const server = await startRecordingServer((req, res) => {
      res.writeHead(400, { "content-type": type }).end(render(req.body.toString()));
    });
    const client = new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};Version=1.0;`, "hub", {
      retryOptions: { maxRetries: 0 },
    });
    const error = await client.sendToAll(richBody, { contentType: "text/plain" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "RestError", statusCode: 400 });
    const sent = server.requests[0]?.body.toString() ?? "";
    const fragments = [
      richBody,
      JSON.stringify(richBody).slice(1, -1),
      html(richBody),
      sent.slice(0, 40),
      sent.slice(25, 70),
      "private words",
      "BODY-SECRET-7f3a",
    ];
    expectClean(renderings(error), fragments);
    await client.close();
    await server.close();
  });

  it("a JWT echoed without its header segment (or only its signature) is still redacted", async () => {
    let token = "";
    const server = await startRecordingServer((req, res) => {
      token = String(req.headers.authorization).slice("Bearer ".length);
      const [, payload, signature] = token.split(".");
      res
        .writeHead(401, { "content-type": "text/plain" })
        .end(`rejected ${payload}.${signature}; signature was ${signature}`);
    });
    const client = new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};Version=1.0;`, "hub", {
      retryOptions: { maxRetries: 0 },
    });
    const error = await client.sendToAll("x").catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 401 });
    const [, payload, signature] = token.split(".") as [string, string, string];
    expectClean(renderings(error), [payload, signature, `${payload}.${signature}`]);
    await client.close();
    await server.close();
  });

  it("network errors, timeouts and validation errors carry no secret either", async () => {
    const server = await startRecordingServer((_req, res) => {
      res.socket?.destroy();
    });
    const client = new WebPubSubServiceClient(server.url, new AzureKeyCredential(key), "hub", {
      retryOptions: { maxRetries: 0 },
      timeoutInMs: 100,
    });
    const network = await client.sendToAll(body, { contentType: "text/plain" }).catch((e: unknown) => e);
    const validation = await client.sendToAll(body, { messageTtlSeconds: -1 }).catch((e: unknown) => e);
    const token = String(server.requests[0]?.headers.authorization).slice(7);
    expectClean([...renderings(network), ...renderings(validation)], [key, token, body]);
    await client.close();
    await server.close();
  });

  it("a connection string with a bad part never echoes the key", () => {
    let error: unknown;
    try {
      new WebPubSubServiceClient(`Endpoint=notaurl;AccessKey=${key};Port=x;`, "hub");
    } catch (e) {
      error = e;
    }
    expect(error).toBeDefined();
    expectClean(renderings(error), [key]);
  });
});

describe("emulator logs", () => {
  let emulator: Emulator;
  const lines: string[] = [];
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, accessKey: key, log: (line) => lines.push(line) });
  });
  afterAll(() => emulator.close());

  it("connections, refusals, REST calls and failures are logged without keys, tokens or bodies", async () => {
    const client = new WebPubSubServiceClient(emulator.connectionString, "logs");
    const { url, token } = await client.getClientAccessToken({ userId: "u" });
    const socket = new TestSocket(url, "json.webpubsub.azure.v1");
    await socket.nextJson();
    socket.send({ type: "sendToGroup", group: "g", dataType: "text", data: body, ackId: 1 });
    await socket.nextJson();
    await client.sendToAll(body, { contentType: "text/plain" });
    await socket.nextJson();
    expect(await refusedStatus(url.replace(token, `${token.slice(0, -4)}AAAA`))).toBe(401);
    const wrong = new WebPubSubServiceClient(emulator.endpoint, new AzureKeyCredential("W".repeat(44)), "logs", {
      retryOptions: { maxRetries: 0 },
    });
    await expect(wrong.sendToAll(body)).rejects.toMatchObject({ statusCode: 401 });
    socket.close();
    await client.close();
    await wrong.close();
    expect(lines.length).toBeGreaterThan(3);
    expectClean(lines, [key, token, body, token.split(".")[2] as string]);
  });
});

describe("event handler", () => {
  it("a forged signature is refused with a body that does not repeat it, and onError never sees a key", async () => {
    const errors: string[] = [];
    const handler = new WebPubSubEventHandler("hub", { accessKeys: [key], onError: (e) => errors.push(inspect(e)) });
    const forged = "sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const response = await handler.handleRequest(
      new Request("http://localhost/api/webpubsub/hubs/hub/", {
        method: "POST",
        headers: {
          "content-type": "text/plain",
          "ce-specversion": "1.0",
          "ce-type": "azure.webpubsub.user.message",
          "ce-source": "/hubs/hub/client/c",
          "ce-id": "1",
          "ce-hub": "hub",
          "ce-connectionid": "c",
          "ce-eventname": "message",
          "ce-signature": forged,
          "webhook-request-origin": "localhost",
        },
        body,
      }),
    );
    expect(response?.status).toBe(401);
    const text = await response?.text();
    expectClean([String(text), ...errors], [key, forged.slice(7), body]);
  });
});
