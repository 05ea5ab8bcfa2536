// The logger option: one event per attempt, with redacted URLs and never a secret.
import { afterEach, describe, expect, it } from "vitest";
import { ValidationError, WebPubSubServiceClient, type RequestLogEvent } from "../../src/index";
import { startRecordingServer } from "../helpers/recordingServer";

const key = "LOGGING-SECRET-KEY-0123456789";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function setup(statuses: number[], options: Record<string, unknown> = {}) {
  let i = 0;
  const server = await startRecordingServer((_req, res) => {
    const status = statuses[Math.min(i++, statuses.length - 1)] as number;
    res.writeHead(status, status >= 400 ? { "x-ms-request-id": `rid-${i}`, "x-ms-error-code": "Busy" } : {}).end();
  });
  const events: RequestLogEvent[] = [];
  const client = new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};Version=1.0;`, "hub", {
    retryOptions: { retryDelayInMs: 1 },
    logger: (e: RequestLogEvent) => events.push(e),
    ...options,
  });
  cleanups.push(async () => {
    await client.close();
    await server.close();
  });
  return { client, events };
}

describe("logger", () => {
  it("reports each attempt: failures as warnings with status, request id and code, then the success", async () => {
    const { client, events } = await setup([503, 202]);
    await client.sendToAll({ secret: "BODY" }, { filter: "userId eq 'alice'" });
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      level: "warning",
      method: "POST",
      attempt: 1,
      status: 503,
      requestId: "rid-1",
      errorCode: "ERR_REST",
      retryable: true,
    });
    expect(events[1]).toMatchObject({ level: "info", method: "POST", attempt: 2, status: 202 });
    // Query values are redacted, except api-version.
    expect(events[0]?.url).toBe("/api/hubs/hub/:send?api-version=2024-12-01&filter=REDACTED");
    const text = JSON.stringify(events);
    expect(text).not.toContain(key);
    expect(text).not.toContain("BODY");
    expect(text).not.toContain("alice");
    expect(text).not.toMatch(/eyJ/);
  });

  it("loggingOptions.additionalAllowedQueryParameters shows those values, as in @azure/web-pubsub", async () => {
    const { client, events } = await setup([202], { loggingOptions: { additionalAllowedQueryParameters: ["Filter"] } });
    await client.sendToAll("x", { filter: "userId eq 'bob'", excludedConnections: ["c1"] });
    expect(events[0]?.url).toBe(
      "/api/hubs/hub/:send?api-version=2024-12-01&excluded=REDACTED&filter=userId%20eq%20%27bob%27",
    );
  });

  it("a throwing logger never breaks the call; a non-function logger is refused up front", async () => {
    const server = await startRecordingServer();
    cleanups.push(() => server.close());
    const client = new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};Version=1.0;`, "hub", {
      logger: () => {
        throw new Error("logger broke");
      },
    });
    await expect(client.sendToAll("x")).resolves.toBeUndefined();
    await client.close();
    expect(
      () =>
        new WebPubSubServiceClient(`Endpoint=${server.url};AccessKey=${key};`, "hub", { logger: "console" as never }),
    ).toThrow(ValidationError);
  });
});
