// The one size-limited body reader. Everything that reads a body a stranger controls goes through here: the
// transport's responses, the event handler's requests (web and Node), and the emulator's REST, upstream and
// live-view bodies. Callers turn "too large" into their own error; nothing past the limit is buffered.
// No node: import, so the web build can carry it.

/** Collects chunks up to `limit` bytes. */
class Collector {
  readonly #chunks: Uint8Array[] = [];
  #size = 0;

  constructor(private readonly limit: number) {}

  /** Keeps the chunk; false (and the chunk dropped) once the total would pass the limit. */
  add(chunk: Uint8Array): boolean {
    if (this.#size + chunk.byteLength > this.limit) return false;
    this.#chunks.push(chunk);
    this.#size += chunk.byteLength;
    return true;
  }

  bytes(): Uint8Array {
    return concatBytes(this.#chunks, this.#size);
  }
}

/** Concatenates byte chunks (one chunk is returned as it is). */
export function concatBytes(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * Reads a web stream (a fetch `Response.body`, a `Request.body`) to its end; undefined, with the stream
 * cancelled, once it holds more than `limit` bytes. `onChunk` runs per chunk (an idle timer's refresh).
 */
export async function readWebBody(
  stream: ReadableStream<Uint8Array> | null,
  limit: number,
  onChunk?: () => void,
): Promise<Uint8Array | undefined> {
  if (stream === null) return new Uint8Array(0);
  const collector = new Collector(limit);
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return collector.bytes();
    onChunk?.();
    if (!collector.add(value)) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
  }
}

/** The part of Node's `IncomingMessage` the reader uses (structural, so this file imports nothing from node:). */
export interface NodeBodyStream {
  on(event: "data", listener: (chunk: Uint8Array | string) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  off(event: "data", listener: (chunk: Uint8Array | string) => void): unknown;
  resume(): unknown;
}

/**
 * Reads a Node request body to its end; undefined once it holds more than `limit` bytes. The rest of an
 * oversized body is drained unread, so the socket stays usable for the answer (a 413) instead of being reset.
 */
export function readNodeBody(req: NodeBodyStream, limit: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const collector = new Collector(limit);
    let over = false;
    const onData = (chunk: Uint8Array | string): void => {
      const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
      if (collector.add(bytes)) return;
      over = true;
      req.off("data", onData);
      req.resume();
      resolve(undefined);
    };
    req.on("data", onData);
    req.on("end", () => {
      if (!over) resolve(collector.bytes());
    });
    req.on("error", reject);
  });
}
