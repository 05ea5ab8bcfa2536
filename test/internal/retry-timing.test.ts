// Retry timing, driven through @azure/web-pubsub 1.2.0 and through ours against the same kind of
// failing loopback server: the arrival time of every attempt is recorded on the server, and both clients must
// land in @azure/web-pubsub's windows. @azure/web-pubsub's rule (core's exponential + throttling strategies): retry n
// (from 0)
// waits c/2 + randomInteger(0, c/2) with c = min(maxRetryDelayInMs, retryDelayInMs * 2^n); a Retry-After on
// 429/503 is waited in full; 408 and 5xx except 501/505 back off; a 429 without Retry-After is final.
import type { ServerResponse } from "node:http";
import { WebPubSubServiceClient as AzureClient } from "@azure/web-pubsub";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { RestError, WebPubSubServiceClient } from "../../src/index";
import { watchLoopDelay } from "../helpers/loopDelay";
import { startRecordingServer } from "../helpers/recordingServer";

const key = "retry-timing-test-key";
// Timers never fire early, but the arrivals are stamped on the server: allow a little below, and above 300 ms
// plus however late this process's timers ran during the test (a loaded machine); the jitter test below is
// what tells Microsoft's jitter from a ×1–×2 one.
const early = 3;
const loop = watchLoopDelay();
const late = () => 300 + loop.worstMs();
const cleanups: (() => Promise<void>)[] = [];
beforeEach(() => loop.reset());
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});
afterAll(() => loop.stop());

type Step = (res: ServerResponse) => void;
const status =
  (code: number, headers: Record<string, string> = {}): Step =>
  (res) => {
    res.writeHead(code, headers).end();
  };

type Retry = { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };

/** A fresh server answering `steps` in turn (the last repeats), stamping each arrival. */
async function scripted(steps: Step[]) {
  let i = 0;
  const arrivals: number[] = [];
  const server = await startRecordingServer((_req, res) => {
    arrivals.push(performance.now());
    (steps[Math.min(i++, steps.length - 1)] as Step)(res);
  });
  cleanups.push(() => server.close());
  const gaps = () => arrivals.slice(1).map((t, n) => t - (arrivals[n] as number));
  return { cs: `Endpoint=${server.url};AccessKey=${key};Version=1.0;`, arrivals, gaps };
}

/** Runs one sendToAll through each client, each against its own copy of the scripted server, side by side. */
async function both(steps: Step[], retryOptions: Retry | undefined) {
  const azureServer = await scripted(steps);
  const ourServer = await scripted(steps);
  const azure = new AzureClient(azureServer.cs, "hub", {
    allowInsecureConnection: true,
    ...(retryOptions ? { retryOptions } : {}),
  });
  const ourClient = new WebPubSubServiceClient(ourServer.cs, "hub", retryOptions ? { retryOptions } : {});
  cleanups.push(() => ourClient.close());
  const settle = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => e,
    );
  const [azureError, ourError] = await Promise.all([settle(azure.sendToAll("x")), settle(ourClient.sendToAll("x"))]);
  return { azure: { ...azureServer, error: azureError }, ours: { ...ourServer, error: ourError } };
}

/** @azure/web-pubsub's window for retry n: [c/2, c]. */
function window(n: number, retryDelayInMs: number, maxRetryDelayInMs: number): [number, number] {
  const c = Math.min(maxRetryDelayInMs, retryDelayInMs * 2 ** n);
  return [c / 2, c];
}

function expectInWindows(gaps: number[], retryDelayInMs: number, maxRetryDelayInMs: number): void {
  gaps.forEach((gap, n) => {
    const [low, high] = window(n, retryDelayInMs, maxRetryDelayInMs);
    expect(gap, `retry ${n}`).toBeGreaterThanOrEqual(low - early);
    expect(gap, `retry ${n}`).toBeLessThanOrEqual(high + late());
  });
}

describe("retry timing matches @azure/web-pubsub", () => {
  it("503 three times without Retry-After: both back off in @azure/web-pubsub's windows (retryDelayInMs 100)", async () => {
    const r = await both([status(503), status(503), status(503), status(202)], { retryDelayInMs: 100 });
    for (const side of [r.azure, r.ours]) {
      expect(side.error).toBeUndefined();
      expect(side.arrivals).toHaveLength(4);
      expectInWindows(side.gaps(), 100, 64_000);
    }
  });

  it("the cap halves too: with maxRetryDelayInMs 60 every retry waits 30–60 ms in both", async () => {
    const r = await both([status(500)], { retryDelayInMs: 40, maxRetryDelayInMs: 60, maxRetries: 3 });
    for (const side of [r.azure, r.ours]) {
      expect(side.arrivals).toHaveLength(4);
      expectInWindows(side.gaps(), 40, 60);
    }
    expect((r.ours.error as RestError).statusCode).toBe(500);
  });

  it("the jitter is @azure/web-pubsub's (c/2 to c): with the cap at 400 ms, some of 12 waits are well under 400 ms in both", async () => {
    const r = await both([status(503)], { retryDelayInMs: 400, maxRetryDelayInMs: 400, maxRetries: 12 });
    for (const side of [r.azure, r.ours]) {
      expect(side.arrivals).toHaveLength(13);
      const gaps = side.gaps();
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(200 - early);
      // Uniform over [200, 400]: all 12 at 320 or above has odds 0.4^12 (below 1e-4); a ×1–×2 jitter capped at
      // 400 (our old formula) would wait 400 every time. Load only adds: by the event loop's worst delay at most.
      expect(Math.min(...gaps)).toBeLessThan(320 + loop.worstMs());
    }
  });

  it("the defaults are @azure/web-pubsub's: 3 retries, the first 500–1000 ms after the failure", async () => {
    const r = await both([status(503), status(202)], undefined);
    for (const side of [r.azure, r.ours]) {
      expect(side.arrivals).toHaveLength(2);
      expectInWindows(side.gaps(), 1000, 64_000);
    }
  });

  it("429 with Retry-After: 1: neither retries before 1 s", async () => {
    const r = await both([status(429, { "retry-after": "1" }), status(202)], {
      retryDelayInMs: 10,
      maxRetryDelayInMs: 100,
    });
    for (const side of [r.azure, r.ours]) {
      expect(side.error).toBeUndefined();
      expect(side.arrivals).toHaveLength(2);
      expect(side.gaps()[0]).toBeGreaterThanOrEqual(1000 - early);
      expect(side.gaps()[0]).toBeLessThan(1000 + late());
    }
  });

  it("429 without Retry-After is final in both: one attempt, the 429 thrown", async () => {
    const r = await both([status(429), status(202)], { retryDelayInMs: 5 });
    for (const side of [r.azure, r.ours]) {
      expect(side.arrivals).toHaveLength(1);
      expect((side.error as { statusCode: number }).statusCode).toBe(429);
    }
    expect(r.ours.error).toBeInstanceOf(RestError);
    expect((r.ours.error as RestError).retryable).toBe(false);
  });

  it("Retry-After on a 500 is not a throttle in either: the backoff applies, not the 1 s", async () => {
    const r = await both([status(500, { "retry-after": "1" }), status(202)], { retryDelayInMs: 20 });
    for (const side of [r.azure, r.ours]) {
      expect(side.arrivals).toHaveLength(2);
      expectInWindows(side.gaps(), 20, 64_000);
    }
  });

  it.each([408, 500, 501, 502, 503, 504, 505, 507, 508, 511, 400, 404, 409])(
    "%i: both make the same number of attempts",
    async (code) => {
      const r = await both([status(code)], { retryDelayInMs: 2, maxRetries: 2 });
      const retried = code === 408 || (code >= 500 && code !== 501 && code !== 505);
      expect(r.azure.arrivals).toHaveLength(retried ? 3 : 1);
      expect(r.ours.arrivals).toHaveLength(r.azure.arrivals.length);
      expect((r.ours.error as RestError).statusCode).toBe(code);
      expect((r.azure.error as { statusCode: number }).statusCode).toBe(code);
      expect((r.ours.error as RestError).retryable).toBe(retried);
    },
  );
});
