import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  query: [string, string][];
  headers: IncomingMessage["headers"];
  body: Buffer;
  url: string;
}

export type Responder = (request: RecordedRequest, res: ServerResponse) => void | Promise<void>;

/**
 * A loopback HTTP server that records every request and answers with `respond` (default: the service's success codes).
 */
export async function startRecordingServer(respond: Responder = defaultResponder): Promise<{
  url: string;
  port: number;
  requests: RecordedRequest[];
  server: Server;
  close(): Promise<void>;
}> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const recorded: RecordedRequest = {
        method: req.method ?? "",
        path: url.pathname,
        query: [...url.searchParams.entries()],
        headers: req.headers,
        body: Buffer.concat(chunks),
        url: req.url ?? "",
      };
      requests.push(recorded);
      Promise.resolve(respond(recorded, res)).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Success answers shaped like the service's (REFERENCE.md). */
export function defaultResponder(request: RecordedRequest, res: ServerResponse): void {
  const { method, path } = request;
  if (method === "HEAD") {
    res.statusCode = 200;
    res.end();
  } else if (path.endsWith("/:send")) {
    res.statusCode = 202;
    res.end();
  } else if (path.endsWith("/:generateToken")) {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ token: "service-token" }));
  } else if (method === "GET" && path.endsWith("/connections")) {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ value: [{ connectionId: "c1", userId: "u1" }, { connectionId: "c2" }] }));
  } else if (method === "PUT" || path.endsWith("ToGroups") || path.endsWith("FromGroups")) {
    res.statusCode = 200;
    res.end();
  } else {
    res.statusCode = 204;
    res.end();
  }
}
