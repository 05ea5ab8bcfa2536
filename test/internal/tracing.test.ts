// OpenTelemetry tracing: an operation span per call with @azure/web-pubsub's names, a CLIENT span per HTTP
// attempt under it, and the W3C traceparent of that attempt on the wire. Real OpenTelemetry SDK (in-memory
// exporter), our emulator, and a loopback server that records headers and injects 503/400.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { context, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index";
import { RestError, WebPubSubServiceClient } from "../../src/index";
import { startRecordingServer } from "../helpers/recordingServer";

const fast = { retryDelayInMs: 5, maxRetryDelayInMs: 20 };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function recording(statuses: number[]) {
  let i = 0;
  const server = await startRecordingServer((_req, res) => {
    res.statusCode = statuses[Math.min(i++, statuses.length - 1)]!;
    res.setHeader("x-ms-request-id", `rid-${i}`);
    res.end();
  });
  const client = new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=tracing-test-key;Version=1.0;`, "hub", {
    retryOptions: fast,
  });
  cleanups.push(async () => {
    await client.close();
    await server.close();
  });
  return { server, client };
}

// The names @azure/web-pubsub passes to tracingClient.withSpan, read from its shipped code.
const require = createRequire(import.meta.url);
const azureDir = require.resolve("@azure/web-pubsub").replace(/dist[/\\].*$/, "dist/esm/");
const azureNames = new Set(
  ["hubClient.js", "groupClient.js"].flatMap((file) =>
    [...readFileSync(azureDir + file, "utf8").matchAll(/withSpan\("([^"]+)"/g)].map((m) => m[1]!),
  ),
);

// Runs before any provider is registered (the describe blocks run in order).
describe("tracing with @opentelemetry/api but no SDK", () => {
  it("adds no traceparent header", async () => {
    const { server, client } = await recording([202]);
    await client.sendToAll({ a: 1 });
    await client.group("g").addUser("u");
    expect(server.requests).toHaveLength(2);
    for (const request of server.requests) {
      expect(request.headers["traceparent"]).toBeUndefined();
      expect(request.headers["tracestate"]).toBeUndefined();
    }
  });

  it("follows a provider registered after the client was built and used, and one disabled again", async () => {
    const { server, client } = await recording([202]);
    await client.sendToAll({ before: true });
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    try {
      await client.sendToAll({ registered: true });
    } finally {
      trace.disable();
    }
    await client.sendToAll({ after: true });
    const traceparents = server.requests.map((request) => request.headers["traceparent"]);
    expect(traceparents[0]).toBeUndefined();
    expect(traceparents[1]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(traceparents[2]).toBeUndefined();
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual([
      "HTTP POST",
      "WebPubSubServiceClient.sendToAll",
    ]);
  });
});

describe("tracing with the OpenTelemetry SDK", () => {
  const exporter = new InMemorySpanExporter();
  const contextManager = new AsyncLocalStorageContextManager();
  let emulator: Emulator;
  beforeAll(async () => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    emulator = await startEmulator({ port: 0 });
  });
  afterAll(async () => {
    await emulator.close();
    trace.disable();
    context.disable();
  });
  afterEach(() => exporter.reset());

  const spans = () => exporter.getFinishedSpans();
  const named = (name: string) => spans().filter((s) => s.name === name);
  const childrenOf = (parent: ReadableSpan) =>
    spans().filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);

  it("emits one operation span per call, named as @azure/web-pubsub names it, with its HTTP spans below", async () => {
    const client = new WebPubSubServiceClient(emulator.connectionString, "hub");
    cleanups.push(() => client.close());
    await client.sendToAll({ hello: "world" });
    expect(await client.groupExists("nobody-here")).toBe(false);
    const addError = await client
      .group("g")
      .addConnection("no-such-connection")
      .catch((e: unknown) => e);
    expect(addError).toBeInstanceOf(RestError);
    const members = [];
    for await (const member of client.group("g").listConnections()) members.push(member);
    expect(members).toEqual([]);

    const expected = [
      "WebPubSubServiceClient.sendToAll",
      "WebPubSubServiceClient.groupExists",
      "WebPubSubGroupClient.addConnection",
      "WebPubSubGroupClient.listConnections",
    ];
    for (const name of expected) expect(azureNames.has(name), name).toBe(true);
    const operations = spans().filter((s) => !s.name.startsWith("HTTP "));
    expect(operations.map((s) => s.name)).toEqual(expected);
    for (const op of operations) {
      expect(op.attributes["az.namespace"]).toBe("Microsoft.WebPubSub");
      expect(op.kind).toBe(0); // INTERNAL, as core-tracing's withSpan
      const http = childrenOf(op);
      expect(http).toHaveLength(1);
      expect(http[0]!.kind).toBe(2); // CLIENT
      expect(http[0]!.attributes["az.namespace"]).toBe("Microsoft.WebPubSub");
      expect(http[0]!.spanContext().traceId).toBe(op.spanContext().traceId);
    }
    const [send, exists, add, list] = operations;
    expect(send!.status.code).toBe(1);
    expect(childrenOf(send!)[0]).toMatchObject({
      name: "HTTP POST",
      attributes: { "http.method": "POST", "http.status_code": 202 },
    });
    // An existence check answered by 404 succeeds; its HTTP span is ≥ 400, so an error, as in core-rest-pipeline.
    expect(exists!.status.code).toBe(1);
    expect(childrenOf(exists!)[0]).toMatchObject({
      name: "HTTP HEAD",
      attributes: { "http.status_code": 404 },
      status: { code: 2 },
    });
    expect(add!.status).toMatchObject({ code: 2, message: (addError as Error).message });
    expect(
      add!.events.some(
        (e) => e.name === "exception" && e.attributes?.["exception.message"] === (addError as Error).message,
      ),
    ).toBe(true);
    expect(childrenOf(add!)[0]).toMatchObject({
      name: "HTTP PUT",
      attributes: { "http.status_code": 404 },
      status: { code: 2 },
    });
    expect(list!.status.code).toBe(1);
    expect(childrenOf(list!)[0]!.name).toBe("HTTP GET");
  });

  it("creates one HTTP span per attempt and sends each attempt's own traceparent", async () => {
    const { server, client } = await recording([503, 202]);
    await client.sendToAll("x");
    const [op] = named("WebPubSubServiceClient.sendToAll");
    const attempts = childrenOf(op!).sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
    expect(attempts.map((s) => [s.name, s.attributes["http.status_code"], s.status.code])).toEqual([
      ["HTTP POST", 503, 2],
      ["HTTP POST", 202, 0],
    ]);
    expect(attempts.map((s) => s.attributes["serviceRequestId"])).toEqual(["rid-1", "rid-2"]);
    expect(server.requests).toHaveLength(2);
    server.requests.forEach((request, i) => {
      const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(request.headers["traceparent"]));
      expect(match, String(request.headers["traceparent"])).not.toBeNull();
      expect(match![1]).toBe(op!.spanContext().traceId);
      expect(match![2]).toBe(attempts[i]!.spanContext().spanId);
    });
    expect(op!.status.code).toBe(1);
  });

  it("records a 400 as an error with the exception on the operation span", async () => {
    const { client } = await recording([400]);
    const error = await client
      .group("g")
      .removeUser("u")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestError);
    const [op] = named("WebPubSubGroupClient.removeUser");
    expect(azureNames.has("WebPubSubGroupClient.removeUser")).toBe(true);
    expect(op!.status).toEqual({ code: 2, message: (error as Error).message });
    expect(op!.events.filter((e) => e.name === "exception")).toHaveLength(1);
    expect(childrenOf(op!)).toHaveLength(1);
    expect(childrenOf(op!)[0]).toMatchObject({ attributes: { "http.status_code": 400 }, status: { code: 2 } });
  });

  it("uses tracingOptions.tracingContext as the parent, else the active context", async () => {
    const { server, client } = await recording([202]);
    const tracer = trace.getTracer("test");
    const explicit = tracer.startSpan("explicit-parent", {}, ROOT_CONTEXT);
    const active = tracer.startSpan("active-parent", {}, ROOT_CONTEXT);
    await context.with(trace.setSpan(ROOT_CONTEXT, active), async () => {
      await client.connectionExists("c1", {
        tracingOptions: { tracingContext: trace.setSpan(ROOT_CONTEXT, explicit) },
      });
      await client.userExists("u1");
    });
    explicit.end();
    active.end();
    const [fromOption] = named("WebPubSubServiceClient.connectionExists");
    const [fromActive] = named("WebPubSubServiceClient.userExists");
    expect(fromOption!.parentSpanContext?.spanId).toBe(explicit.spanContext().spanId);
    expect(fromOption!.spanContext().traceId).toBe(explicit.spanContext().traceId);
    expect(fromActive!.parentSpanContext?.spanId).toBe(active.spanContext().spanId);
    expect(String(server.requests[0]!.headers["traceparent"]).split("-")[1]).toBe(explicit.spanContext().traceId);
  });
});
