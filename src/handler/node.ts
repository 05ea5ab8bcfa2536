import type { IncomingMessage, ServerResponse } from "node:http";
import { readNodeBody } from "../internal/body";
import { BodyTooLargeError, type EventHttpRequest, type EventHttpResponse } from "./message";

// Type-only node imports: this file runs only when a Node request is handed in, so the handler entry still
// bundles for edge runtimes.

function toHeaders(raw: IncomingMessage["headers"]): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  return headers;
}

/** A body a framework's parser already read (Express `req.body`, etc.), turned back into bytes. */
function parsedBody(body: unknown): Uint8Array {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (body instanceof Uint8Array) return body;
  if (typeof body === "string") return new TextEncoder().encode(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  // Parsed JSON: re-serialise; the handler only needs the same value back.
  return new TextEncoder().encode(JSON.stringify(body));
}

async function readRequestBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  if (req.readableEnded) return parsedBody((req as IncomingMessage & { body?: unknown }).body);
  const bytes = await readNodeBody(req, limit);
  if (bytes === undefined) throw new BodyTooLargeError();
  return bytes;
}

/** Wraps a Node request for the core. */
export function fromNodeRequest(req: IncomingMessage): EventHttpRequest {
  return {
    method: req.method ?? "GET",
    headers: toHeaders(req.headers),
    readBody: (limit) => readRequestBody(req, limit),
  };
}

/** Writes the core's reply to a Node response. */
export function writeNodeResponse(res: ServerResponse, response: EventHttpResponse): void {
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  if (response.status === 204 || response.body === undefined) res.end();
  else res.end(response.body);
}
