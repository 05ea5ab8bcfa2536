import { createHmac, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

export const KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";
export const SECOND_KEY = "secondary-key-for-rotation";

/** `ce-signature` exactly as the service computes it. */
export function sign(connectionId: string, ...keys: string[]): string {
  return keys.map((key) => `sha256=${createHmac("sha256", key).update(connectionId).digest("hex")}`).join(",");
}

export interface EventInit {
  type: string;
  hub?: string;
  connectionId?: string;
  userId?: string;
  eventName?: string;
  signature?: string | null;
  state?: Record<string, unknown> | string;
  subprotocol?: string;
  contentType?: string;
  body?: string | Uint8Array;
  extraHeaders?: Record<string, string>;
}

/** CloudEvents binary-mode request headers as the service sends them. */
export function eventRequest(init: EventInit): RequestInit {
  const hub = init.hub ?? "chat";
  const connectionId = init.connectionId ?? randomUUID();
  const headers: Record<string, string> = {
    "ce-specversion": "1.0",
    "ce-awpsversion": "1.0",
    "ce-type": init.type,
    "ce-source": `/hubs/${hub}/client/${connectionId}`,
    "ce-id": randomUUID(),
    "ce-time": new Date().toISOString(),
    "ce-hub": hub,
    "ce-connectionId": connectionId,
    "ce-eventName": init.eventName ?? init.type.split(".").pop()!,
    "webhook-request-origin": "localhost",
    ...init.extraHeaders,
  };
  const signature = init.signature === undefined ? sign(connectionId, KEY) : init.signature;
  if (signature !== null) headers["ce-signature"] = signature;
  if (init.userId) headers["ce-userId"] = init.userId;
  if (init.subprotocol) headers["ce-subprotocol"] = init.subprotocol;
  if (init.state !== undefined) {
    headers["ce-connectionState"] =
      typeof init.state === "string" ? init.state : Buffer.from(JSON.stringify(init.state)).toString("base64");
  }
  if (init.contentType) headers["content-type"] = init.contentType;
  const body = init.body ?? (init.contentType ? undefined : "{}");
  if (body !== undefined && !init.contentType) headers["content-type"] = "application/json; charset=utf-8";
  return body === undefined ? { method: "POST", headers } : { method: "POST", headers, body: body as BodyInit };
}

export interface Listening {
  url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 port 0. */
export async function listen(server: Server): Promise<Listening> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Serves a web-standard `(Request) => Promise<Response>` handler over a real Node HTTP server, the way edge
 * adapters do, so the fetch-style core is exercised over the wire too.
 */
export function webServer(handle: (request: Request) => Promise<Response>): Server {
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string") headers.set(name, value);
    }
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method!,
      headers,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream) : null,
      ...(hasBody ? { duplex: "half" } : {}),
    });
    const response = await handle(request);
    res.statusCode = response.status;
    response.headers.forEach((value, name) => res.setHeader(name, value));
    res.end(Buffer.from(await response.arrayBuffer()));
  };
  return createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
}
