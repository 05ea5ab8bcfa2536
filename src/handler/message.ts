// The handler core works on these two small shapes so web `Request`/`Response` and Node's
// `IncomingMessage`/`ServerResponse` (and framework adapters that already read the body) share one path.

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
  if (!stream) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError();
    }
    chunks.push(value);
  }
  return concat(chunks, size);
}

/** Concatenates byte chunks. */
export function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
