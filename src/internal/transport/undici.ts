import type { Dispatcher } from "undici";
import {
  TransportFailure,
  type AttemptControl,
  type Transport,
  type TransportFactory,
  type TransportOptions,
  type TransportRequest,
  type TransportResponse,
} from "./types";

// undici's full entry costs ~80 ms to load, so only its Pool is loaded, pre-bundled into one file
// (src/vendor/undici-pool.ts), on the first request (never at import time), and only when the user gave no
// dispatcher of their own.
let poolModule: Promise<typeof import("undici").Pool> | undefined;

/** The Node default: undici's `dispatch()` with a callback handler (no stream objects per request). */
export const undiciTransport: TransportFactory = (origin, options) => new UndiciTransport(origin, options);

class UndiciTransport implements Transport {
  readonly #origin: string;
  readonly #options: TransportOptions;
  #dispatcher: Dispatcher | Promise<Dispatcher> | undefined;
  #owned = false;

  constructor(origin: string, options: TransportOptions) {
    this.#origin = origin;
    this.#options = options;
    this.#dispatcher = options.dispatcher as Dispatcher | undefined;
  }

  send(request: TransportRequest, control: AttemptControl): Promise<TransportResponse> {
    const dispatcher = this.#dispatcher ?? this.#createPool();
    // Not an async function: a resolved dispatcher goes straight to dispatch(), with no extra ticks.
    if (dispatcher instanceof Promise) return dispatcher.then((d) => dispatch(d, request, control));
    return dispatch(dispatcher, request, control);
  }

  #createPool(): Promise<Dispatcher> {
    poolModule ??= import("../../vendor/undici-pool").then((m) => m.Pool);
    const pending = poolModule.then((Pool) => {
      const pool = new Pool(this.#origin, {
        connections: this.#options.connections ?? 128,
        pipelining: this.#options.pipelining ?? 1,
        keepAliveTimeout: 30_000,
      });
      this.#dispatcher = pool;
      this.#owned = true;
      return pool;
    });
    this.#dispatcher = pending;
    return pending;
  }

  /** Closes the pool this transport created; a user's dispatcher is theirs to close. */
  async close(): Promise<void> {
    const dispatcher = await this.#dispatcher;
    if (dispatcher !== undefined && this.#owned) await dispatcher.close();
  }
}

function dispatch(
  dispatcher: Dispatcher,
  request: TransportRequest,
  control: AttemptControl,
): Promise<TransportResponse> {
  return new Promise<TransportResponse>((resolve, reject) => {
    const handler = new ResponseHandler(resolve, reject, control);
    try {
      // The pipeline's AttemptControl enforces every timeout (undici's own tick only every ~0.5 s), so
      // undici's are switched off.
      dispatcher.dispatch(
        {
          origin: request.origin,
          method: request.method,
          path: request.path,
          headers: request.headers,
          body: request.body as Exclude<Dispatcher.DispatchOptions["body"], undefined>,
          headersTimeout: 0,
          bodyTimeout: 0,
        },
        handler,
      );
    } catch (error) {
      handler.onError(error as Error);
    }
  });
}

// Shared by every response without a body; never written to (a Buffer of length 0 has nothing to write).
const emptyBody = Buffer.alloc(0);

class UndiciResponse implements TransportResponse {
  constructor(
    readonly status: number,
    private readonly raw: Buffer[] | string[] | null,
    readonly body: Buffer,
  ) {}

  header(name: string): string | undefined {
    const raw = this.raw;
    if (raw === null) return undefined;
    let found: string | undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (String(raw[i]).toLowerCase() === name) found = String(raw[i + 1]);
    }
    return found;
  }

  headers(): Record<string, string> {
    const headers: Record<string, string> = {};
    const raw = this.raw;
    if (raw !== null)
      for (let i = 0; i + 1 < raw.length; i += 2) headers[String(raw[i]).toLowerCase()] = String(raw[i + 1]);
    return headers;
  }
}

/** undici's callback-style handler: collects the body and reports progress to the attempt's control. */
class ResponseHandler implements Dispatcher.DispatchHandler {
  #status = 0;
  #rawHeaders: Buffer[] | string[] | null = null;
  // Most answers (202, 204) have no body: the chunk list is made by the first chunk.
  #chunks: Buffer[] | undefined;
  #size = 0;
  #requestSent = false;
  #settled = false;
  #abort: ((error?: Error) => void) | undefined;
  #ended: Error | undefined;

  constructor(
    private readonly resolve: (response: TransportResponse) => void,
    private readonly reject: (error: unknown) => void,
    private readonly control: AttemptControl,
  ) {
    control.onEnd(this);
  }

  /** The attempt ended (timeout, abort) before the response did. */
  attemptEnded(reason: Error): void {
    this.#fail(reason);
  }

  onConnect(abort: (error?: Error) => void): void {
    this.#abort = abort;
    // Ended before undici got to it (timed out or aborted while queued): drop the request unsent.
    if (this.#settled)
      abort(
        this.#ended ??
          new TransportFailure("The attempt ended before it was sent.", {
            code: "UND_ERR_ABORTED",
            requestSent: false,
          }),
      );
  }

  onBodySent(): void {
    // An upload that is making progress is not a stalled request.
    this.control.progress();
  }

  onRequestSent(): void {
    this.#requestSent = true;
    this.control.sent();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[] | string[]): boolean {
    this.#status = statusCode;
    this.#rawHeaders = rawHeaders;
    if (!this.#requestSent) {
      this.#requestSent = true;
      this.control.sent();
    }
    this.control.progress();
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.#size += chunk.length;
    if (this.#size > this.control.maxResponseBytes) {
      this.#fail(
        new TransportFailure(`The response body exceeded ${this.control.maxResponseBytes} bytes.`, {
          code: "ERR_RESPONSE_TOO_LARGE",
          requestSent: true,
        }),
      );
      return false;
    }
    (this.#chunks ??= []).push(chunk);
    this.control.progress();
    return true;
  }

  onComplete(): void {
    if (this.#settle()) {
      const chunks = this.#chunks;
      const body =
        chunks === undefined ? emptyBody : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      this.resolve(new UndiciResponse(this.#status, this.#rawHeaders, body));
    }
  }

  onError(error: Error): void {
    if (!this.#settle()) return;
    if (error === this.#ended || error instanceof TransportFailure) {
      this.reject(error);
      return;
    }
    const code = (error as { code?: unknown }).code;
    this.reject(
      new TransportFailure(error.message, {
        code: typeof code === "string" ? code : "",
        requestSent: this.#requestSent,
        cause: error,
      }),
    );
  }

  /** Ends the attempt with `reason`: cancels the request if undici has started it, else rejects now. */
  #fail(reason: Error): void {
    if (this.#settled) return;
    this.#ended = reason;
    if (this.#abort !== undefined) this.#abort(reason);
    else this.onError(reason);
  }

  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    return true;
  }
}
