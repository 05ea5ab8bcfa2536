import { ValidationError } from "../../errors";
import { readWebBody } from "../body";
import {
  TransportFailure,
  type AttemptControl,
  type Transport,
  type TransportOptions,
  type TransportRequest,
  type TransportResponse,
} from "./types";

// The transport for every runtime but Node (and for Node when the fetch build is chosen): the platform's own
// `fetch`, which pools and keeps connections alive by itself. Deadlines, retries, errors and redaction stay in
// the pipeline above; this file only moves bytes and says how far a request got.

/** Options for {@link FetchTransport}. */
export interface FetchTransportOptions {
  /** The fetch to call. @default globalThis.fetch, looked up per request (so a test or polyfill can replace it) */
  fetch?: typeof fetch | undefined;
}

// Headers fetch computes itself (and some runtimes refuse when given).
const computedHeaders = new Set(["content-length", "host", "connection", "transfer-encoding"]);

export class FetchTransport implements Transport {
  readonly #fetch: typeof fetch | undefined;

  constructor(options: FetchTransportOptions = {}) {
    this.#fetch = options.fetch;
  }

  async send(request: TransportRequest, control: AttemptControl): Promise<TransportResponse> {
    const fetchImpl = this.#fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== "function") {
      throw new TransportFailure("This runtime has no global fetch.", { code: "ERR_NO_FETCH", requestSent: false });
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers))
      if (!computedHeaders.has(name.toLowerCase())) headers[name] = value;
    const init: RequestInit & { duplex?: "half" } = {
      method: request.method,
      headers,
      signal: control.signal,
      redirect: "manual",
    };
    const body = request.body;
    if (body !== null) {
      if (typeof body === "string" || body instanceof Uint8Array) init.body = body as BodyInit;
      else {
        // A streamed body: fetch pulls it chunk by chunk; an upload making progress is not a stalled request.
        init.body = toReadableStream(body, control);
        init.duplex = "half";
      }
    }
    let response: Response;
    try {
      response = await fetchImpl(request.origin + request.path, init);
    } catch (error) {
      throw failure(error, control, "request");
    }
    control.sent();
    control.progress();
    let bytes: Uint8Array;
    try {
      bytes = await readBody(response, control);
    } catch (error) {
      throw error instanceof TransportFailure ? error : failure(error, control, "response");
    }
    const responseHeaders = response.headers;
    return {
      status: response.status,
      header: (name) => responseHeaders.get(name) ?? undefined,
      headers: () => {
        const record: Record<string, string> = {};
        responseHeaders.forEach((value, name) => (record[name.toLowerCase()] = value));
        return record;
      },
      body: bytes,
    };
  }

  async close(): Promise<void> {
    // fetch owns its connections; there is nothing of ours to release.
  }
}

/** Reads the whole body, refreshing the idle timer per chunk; fails past `maxResponseBytes`. */
async function readBody(response: Response, control: AttemptControl): Promise<Uint8Array> {
  const bytes = await readWebBody(response.body, control.maxResponseBytes, () => control.progress());
  if (bytes !== undefined) return bytes;
  throw new TransportFailure(`The response is larger than ${control.maxResponseBytes} bytes.`, {
    code: "ERR_RESPONSE_TOO_LARGE",
    requestSent: true,
  });
}

function toReadableStream(source: AsyncIterable<Uint8Array>, control: AttemptControl): ReadableStream<Uint8Array> {
  let iterator: AsyncIterator<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      iterator ??= source[Symbol.asyncIterator]();
      const step = await iterator.next();
      if (step.done === true) {
        controller.close();
        return;
      }
      control.progress();
      controller.enqueue(step.value);
    },
    async cancel(reason) {
      await iterator?.return?.(reason);
    },
  });
}

// Failures where the request cannot have reached the service: nothing was connected. Each runtime words them
// differently (Node/edge-runtime: undici's cause codes; Deno: "tcp connect error"/"dns error"; Bun:
// ConnectionRefused; workerd: "connect() failed"), so a match on code or message is the only portable test.
const notConnected =
  /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT_TIMEOUT|ConnectionRefused|FailedToOpenSocket|refused|tcp connect|dns error|getaddrinfo|Unable to connect|connect\(\) failed/i;

function describe(error: unknown): { code: string; text: string } {
  const e = error as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } } | null;
  const code = typeof e?.cause?.code === "string" ? e.cause.code : typeof e?.code === "string" ? e.code : "";
  const text = [
    code,
    typeof e?.message === "string" ? e.message : "",
    typeof e?.cause?.message === "string" ? e.cause.message : "",
  ].join(" ");
  return { code, text };
}

/**
 * The pipeline's error when it aborted the attempt (timeout, abort), else a TransportFailure saying how far the request
 * got.
 */
function failure(error: unknown, control: AttemptControl, stage: "request" | "response"): unknown {
  if (control.signal.aborted) return control.signal.reason;
  const { code, text } = describe(error);
  const requestSent = stage === "response" || !notConnected.test(text);
  const raw = typeof (error as { message?: unknown })?.message === "string" ? (error as Error).message : String(error);
  // Some runtimes (Deno) quote the URL; its query may hold a filter, which errors never show.
  const reason = raw.replace(/(\b[a-z]+:\/\/[^\s?)]*)\?[^\s)]*/gi, "$1");
  return new TransportFailure(reason, {
    code: code || (requestSent ? "ERR_CONNECTION_LOST" : "ERR_CONNECT"),
    requestSent,
    cause: error,
  });
}

/**
 * The transport factory of the fetch build (the pipeline's default outside Node). `connections` and
 * `pipelining` are the runtime's business with fetch; an undici `dispatcher` cannot be used here.
 */
export function fetchTransport(_origin: string, options: TransportOptions): Transport {
  if (options.dispatcher !== undefined) {
    throw new ValidationError(
      "options.dispatcher is an undici Dispatcher, which this build cannot use: it sends with the runtime's fetch.",
      {
        argument: "options.dispatcher",
      },
    );
  }
  return new FetchTransport();
}
