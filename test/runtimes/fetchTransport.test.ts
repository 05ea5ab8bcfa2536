// The fetch transport on its own, against real loopback servers: what it sends, what it returns, and how
// far a failed request got (which decides at-most-once retries above it). The pipeline's own guarantees
// (deadlines, retries, typed errors) are covered for both transports by the runtime scenario and core tests.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { FetchTransport, fetchTransport } from "../../src/internal/transport/fetch";
import { TransportFailure, type AttemptControl } from "../../src/internal/transport/types";
import { ValidationError } from "../../src/errors";

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An attempt as the pipeline hands it over: a signal, and a record of what the transport reported. */
function control(maxResponseBytes = 1 << 20, controller = new AbortController()) {
  const seen = { sent: 0, progress: 0 };
  const value: AttemptControl & { seen: typeof seen; controller: AbortController } = {
    signal: controller.signal,
    onEnd: (listener) =>
      controller.signal.addEventListener("abort", () => listener.attemptEnded(controller.signal.reason as Error)),
    sent: () => void seen.sent++,
    progress: () => void seen.progress++,
    maxResponseBytes,
    seen,
    controller,
  };
  return value;
}

const request = (origin: string, extra: Partial<Parameters<FetchTransport["send"]>[0]> = {}) => ({
  origin,
  method: "POST" as const,
  path: "/api/hubs/h/:send?api-version=2024-12-01",
  headers: { authorization: "Bearer t", "content-type": "application/json", "content-length": "2" },
  body: "{}",
  ...extra,
});

describe("FetchTransport", () => {
  it("sends method, path, headers and body; returns status, headers and the whole body", async () => {
    let got: Record<string, string | undefined> = {};
    const origin = await serve((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        got = { method: req.method, url: req.url, auth: req.headers.authorization, body };
        res
          .writeHead(404, { "x-ms-error-code": "Error.Connection.NotExisted", "content-type": "application/json" })
          .end('{"code":"x"}');
      });
    });
    const c = control();
    const response = await new FetchTransport().send(request(origin), c);
    expect(got).toEqual({
      method: "POST",
      url: "/api/hubs/h/:send?api-version=2024-12-01",
      auth: "Bearer t",
      body: "{}",
    });
    expect(response.status).toBe(404);
    expect(response.header("x-ms-error-code")).toBe("Error.Connection.NotExisted");
    expect(response.headers()["content-type"]).toBe("application/json");
    expect(new TextDecoder().decode(response.body)).toBe('{"code":"x"}');
    expect(c.seen.sent).toBe(1);
    expect(c.seen.progress).toBeGreaterThan(0);
  });

  it("streams an async iterable body, reporting progress per chunk", async () => {
    let received = 0;
    const origin = await serve((req, res) => {
      req.on("data", (c: Buffer) => (received += c.length));
      req.on("end", () => res.writeHead(202).end());
    });
    // An async iterable on purpose (the code under test reads one).
    // eslint-disable-next-line @typescript-eslint/require-await
    async function* chunks() {
      for (let i = 0; i < 8; i++) yield new Uint8Array(4096).fill(i);
    }
    const c = control();
    const response = await new FetchTransport().send(
      request(origin, { body: chunks(), headers: { "content-type": "application/octet-stream" } }),
      c,
    );
    expect(response.status).toBe(202);
    expect(received).toBe(8 * 4096);
    expect(c.seen.progress).toBeGreaterThanOrEqual(8);
  });

  it("fails with ERR_RESPONSE_TOO_LARGE past maxResponseBytes", async () => {
    const origin = await serve((_req, res) => res.writeHead(500).end("x".repeat(100_000)));
    const error = await new FetchTransport().send(request(origin), control(1000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportFailure);
    expect(error).toMatchObject({ code: "ERR_RESPONSE_TOO_LARGE", requestSent: true });
  });

  it("a refused connection did not reach the service", async () => {
    const origin = await serve(() => undefined);
    const server = servers.pop()!;
    await new Promise((resolve) => server.close(resolve));
    const error = await new FetchTransport().send(request(origin), control()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportFailure);
    expect(error).toMatchObject({ requestSent: false });
  });

  it("a connection reset after the request was written may have reached it; the query is not in the message", async () => {
    const origin = await serve((req) => req.on("end", () => req.socket.destroy()).resume());
    const error = await new FetchTransport()
      .send(request(origin, { path: "/api/hubs/h/:send?api-version=2024-12-01&filter=secret%20value" }), control())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportFailure);
    expect(error).toMatchObject({ requestSent: true });
    expect(String((error as Error).message)).not.toContain("secret");
  });

  it("rejects with the signal's reason, unchanged, when the pipeline ends the attempt", async () => {
    const origin = await serve(() => undefined); // never answers
    const c = control();
    const reason = new Error("the typed error the pipeline chose");
    setTimeout(() => c.controller.abort(reason), 50);
    await expect(new FetchTransport().send(request(origin), c)).rejects.toBe(reason);
  });

  it("refuses an undici dispatcher with a ValidationError naming it", () => {
    expect(() => fetchTransport("http://x", { dispatcher: {} })).toThrow(ValidationError);
    expect(() => fetchTransport("http://x", { dispatcher: {} })).toThrow(/options\.dispatcher/);
    expect(fetchTransport("http://x", { connections: 4 })).toBeInstanceOf(FetchTransport);
  });
});
