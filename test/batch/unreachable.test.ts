// sendMany when the endpoint is down: a closed loopback port refuses every connection. The batch must
// pause as a whole, stop after maxUnreachableInMs with one error counting sent/failed/not tried, and resume
// when the service comes back without items having used up their retries.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import {
  ServiceUnreachableError,
  WebPubSubError,
  WebPubSubServiceClient,
  sendMany,
  type BatchProgress,
} from "../../src/index";

const key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";

/** A loopback port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function clientFor(port: number) {
  return new WebPubSubServiceClient(`Endpoint=http://127.0.0.1:${port};AccessKey=${key};Version=1.0;`, "hub");
}

describe("sendMany against an endpoint that is down", () => {
  it("stops after maxUnreachableInMs with one error counting sent, failed and never tried", async () => {
    const client = clientFor(await closedPort());
    const items = Array.from({ length: 5000 }, (_, i) => ({ message: { i } }));
    const progress: BatchProgress[] = [];
    const t0 = performance.now();
    const error = await sendMany(client, items, {
      concurrency: 16,
      maxUnreachableInMs: 1000,
      progressIntervalInMs: 0,
      onProgress: (p) => progress.push(p),
    }).catch((e: unknown) => e);
    const elapsed = performance.now() - t0;
    expect(error).toBeInstanceOf(ServiceUnreachableError);
    expect(error).toBeInstanceOf(WebPubSubError);
    const stopped = error as ServiceUnreachableError;
    expect(stopped).toMatchObject({
      errorCode: "ERR_UNREACHABLE",
      succeeded: 0,
      failed: 0,
      notTried: 5000,
      sourceExhausted: true,
    });
    expect(stopped.unreachableForMs).toBeGreaterThanOrEqual(1000);
    // The message rounds the outage to a tenth of a second (past 1 s by however late a loaded machine ran).
    const seconds = Math.round(stopped.unreachableForMs / 100) / 10;
    expect(stopped.message).toContain(
      `unreachable for ${seconds} s, so the batch stopped: 0 sent, 0 failed, 5000 not tried`,
    );
    expect(stopped.message).not.toContain(key);
    expect((stopped.cause as Error).message).toMatch(/ECONNREFUSED/);
    // Bounded: about the outage limit (ten times it is room for a loaded machine), not 5,000 items each
    // retrying alone (minutes).
    expect(elapsed).toBeLessThan(10_000);
    // Only the first wave was read from the source: the batch paused instead of burning through it.
    expect(progress.at(-1)!.started).toBeLessThanOrEqual(16);
    await client.close();
  });

  it("counts what it could for a source it cannot measure (an async iterable)", async () => {
    const client = clientFor(await closedPort());
    let produced = 0;
    // An async iterable on purpose (the code under test reads one).
    // eslint-disable-next-line @typescript-eslint/require-await
    async function* source() {
      for (;;) yield { message: produced++ };
    }
    const error = (await sendMany(client, source(), { concurrency: 4, maxUnreachableInMs: 300 }).catch(
      (e: unknown) => e,
    )) as ServiceUnreachableError;
    expect(error).toBeInstanceOf(ServiceUnreachableError);
    expect(error).toMatchObject({ succeeded: 0, failed: 0, notTried: 4, sourceExhausted: false });
    expect(error.message).toMatch(/4 not tried \(and the rest of the source was not read\)/);
    expect(produced).toBe(4);
    await client.close();
  });

  it("pauses the whole batch while the service is down and finishes when it comes back, retries intact", async () => {
    const port = await closedPort();
    const client = clientFor(port);
    const received: number[] = [];
    let server: Server | undefined;
    // The service comes back after 600 ms on the same port.
    const back = setTimeout(() => {
      server = createServer((req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => {
          received.push((JSON.parse(body) as { i: number }).i);
          res.writeHead(202).end();
        });
      });
      server.listen(port, "127.0.0.1");
    }, 600);
    const progress: BatchProgress[] = [];
    const result = await sendMany(
      client,
      Array.from({ length: 50 }, (_, i) => ({ message: { i } })),
      {
        concurrency: 8,
        maxRetries: 3,
        retryDelayInMs: 50,
        maxUnreachableInMs: 10_000,
        progressIntervalInMs: 0,
        onProgress: (p) => progress.push(p),
      },
    );
    clearTimeout(back);
    // Every item sent exactly once, though the first wave failed more often than maxRetries allows.
    expect(result).toMatchObject({ succeeded: 50, failed: 0 });
    expect(new Set(received).size).toBe(50);
    expect(received.length).toBe(50);
    expect(progress.some((p) => p.unreachableMs > 0)).toBe(true);
    expect(progress.at(-1)!.unreachableMs).toBe(0);
    await client.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });
});
