// The handler core works on these two small shapes so web `Request`/`Response` and Node's
// `IncomingMessage`/`ServerResponse` (and framework adapters that already read the body) share one path.
import { readWebBody } from "../internal/body";

/** An incoming HTTP request, independent of the server API that received it. */
export interface EventHttpRequest {
  method: string;
  headers: Headers;
  /** Reads the body; rejects with a `BodyTooLargeError` past the limit. */
  readBody(limit: number): Promise<Uint8Array>;
}

/** The reply the core produces. */
export interface EventHttpResponse {
  status: number;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** Thrown by `readBody` when a body exceeds the configured limit. */
export class BodyTooLargeError extends Error {
  constructor() {
    super("request body too large");
    this.name = "BodyTooLargeError";
  }
}

/** Plain-text reply, used for every error so the service logs show why an event was refused. */
export function textResponse(status: number, text: string): EventHttpResponse {
  return { status, headers: { "content-type": "text/plain; charset=utf-8" }, body: text };
}

export const JSON_TYPE = "application/json; charset=utf-8";

/** JSON reply. */
export function jsonResponse(status: number, value: unknown): EventHttpResponse {
  return { status, headers: { "content-type": JSON_TYPE }, body: JSON.stringify(value) };
}

/** Reads a web-standard body stream with a size limit, without buffering past it. */
export async function readStreamLimited(stream: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  const bytes = await readWebBody(stream, limit);
  if (bytes === undefined) throw new BodyTooLargeError();
  return bytes;
}
