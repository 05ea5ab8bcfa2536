import { ValidationError } from "../errors";

/** A request body ready for the wire. `data` is replayable unless `streamed`. */
export interface EncodedBody {
  contentType: "application/json" | "text/plain" | "application/octet-stream";
  data: string | Uint8Array | Blob | AsyncIterable<Uint8Array> | (() => AsyncIterable<Uint8Array>);
  /** A one-shot stream: it cannot be sent twice, so the call is not retried once sending began. */
  streamed: boolean;
}

/**
 * Turns a message into a body the way `@azure/web-pubsub` does: with `contentType: "text/plain"` the
 * message must be a string and is sent as is; binary values (ArrayBuffer, typed arrays, Buffer, Blob) and
 * streams go as `application/octet-stream`; everything else (strings included) is JSON-encoded.
 */
export function encodeMessage(message: unknown, contentType: unknown): EncodedBody {
  if (
    contentType !== undefined &&
    contentType !== "text/plain" &&
    contentType !== "application/json" &&
    contentType !== "application/octet-stream"
  ) {
    throw new ValidationError(
      `options.contentType ${JSON.stringify(contentType)} is not supported: use "text/plain", or omit it (strings and objects are sent as JSON, binary data as application/octet-stream).`,
      { argument: "options.contentType" },
    );
  }
  if (contentType === "text/plain") {
    if (typeof message !== "string") {
      throw new ValidationError(`With contentType "text/plain" the message must be a string, got ${kind(message)}.`, {
        argument: "message",
      });
    }
    return { contentType: "text/plain", data: message, streamed: false };
  }
  if (message instanceof Uint8Array) return { contentType: "application/octet-stream", data: message, streamed: false };
  if (ArrayBuffer.isView(message)) {
    return {
      contentType: "application/octet-stream",
      data: new Uint8Array(message.buffer, message.byteOffset, message.byteLength),
      streamed: false,
    };
  }
  if (
    message instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer !== "undefined" && message instanceof SharedArrayBuffer)
  ) {
    return { contentType: "application/octet-stream", data: new Uint8Array(message), streamed: false };
  }
  if (typeof Blob !== "undefined" && message instanceof Blob)
    return { contentType: "application/octet-stream", data: message, streamed: false };
  if (typeof message === "function") {
    // @azure/web-pubsub accepts a factory returning a stream; calling it per attempt makes the body replayable.
    const factory = message as () => unknown;
    return {
      contentType: "application/octet-stream",
      data: () => {
        const stream = factory();
        if (!isAsyncIterable(stream)) {
          throw new ValidationError("A message factory must return a readable stream or an async iterable of bytes.", {
            argument: "message",
          });
        }
        return stream;
      },
      streamed: false,
    };
  }
  if (isAsyncIterable(message)) {
    if (contentType === "application/json") {
      throw new ValidationError(
        "A stream cannot be sent as JSON; omit contentType to send it as application/octet-stream.",
        { argument: "options.contentType" },
      );
    }
    return { contentType: "application/octet-stream", data: message, streamed: true };
  }
  if (message === undefined || typeof message === "symbol" || typeof message === "bigint") {
    throw new ValidationError(
      `The message cannot be ${kind(message)}: send a string, number, boolean, object, binary data (ArrayBuffer, typed array, Buffer, Blob) or a stream.`,
      { argument: "message" },
    );
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(message);
  } catch (cause) {
    throw new ValidationError("The message could not be serialized as JSON (it may contain a cycle or a BigInt).", {
      argument: "message",
      cause,
    });
  }
  if (json === undefined) {
    throw new ValidationError(`The message (${kind(message)}) has no JSON form.`, { argument: "message" });
  }
  return { contentType: "application/json", data: json, streamed: false };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  // Node Readable and web ReadableStream are both async iterable on Node 20.
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
  );
}

function kind(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
