// A client that sends requests faster than it reads the replies must not make the emulator queue replies
// without end. The service closes such clients too: its ConnectionCloseCategory metric has "SlowClient: Too many
// messages queued up at service side, which needed to be sent" (Learn, concept-metrics). Every kind of
// client (simple, json, json.reliable, protobuf, MQTT) goes through a ReadGate: while its unsent replies are
// over `pauseBytes`, its socket is not read (TCP then slows the client down); when they stay over for
// `maxStalledMs`, or pass `maxBytes`, the connection is closed with the reason.
import type { WebSocket } from "ws";

export const backpressureLimits = {
  /** Unsent bytes (and per-frame bookkeeping) above which a connection's input is no longer read. */
  pauseBytes: 1024 * 1024,
  /** Unsent bytes above which a connection is closed at once. */
  maxBytes: 16 * 1024 * 1024,
  /** How long a connection may stay paused over `pauseBytes` before it is closed. */
  maxStalledMs: 30_000,
  /** What one queued frame costs besides its bytes (the buffers and callbacks that hold it). */
  frameOverheadBytes: 256,
} as const;

const pollMs = 20;

export class ReadGate {
  #paused = false;
  #since = 0;
  #timer: NodeJS.Timeout | undefined;
  #ended = false;

  constructor(
    private readonly ws: WebSocket,
    /** Bytes held for this connection besides the socket's own buffer (queued frames and their overhead). */
    private readonly held: () => number,
    private readonly onOverflow: (reason: string) => void,
    /** Called when reading resumes (the MQTT link continues with the packets it held back). */
    private readonly onResume?: () => void,
  ) {}

  get paused(): boolean {
    return this.#paused;
  }

  #pending(): number {
    return this.ws.bufferedAmount + this.held();
  }

  /** After handling input: true when the connection may be read on; false when it is paused (or closed). */
  check(): boolean {
    if (this.#ended) return false;
    const pending = this.#pending();
    if (pending > backpressureLimits.maxBytes) {
      this.#overflow(`more than ${backpressureLimits.maxBytes} bytes of replies the client does not read`);
      return false;
    }
    if (pending <= backpressureLimits.pauseBytes) return !this.#paused;
    if (!this.#paused) {
      this.#paused = true;
      this.#since = Date.now();
      this.ws.pause();
      this.#timer = setInterval(() => this.#poll(), pollMs);
      this.#timer.unref?.();
    }
    return false;
  }

  #poll(): void {
    if (this.ws.readyState !== 1) return this.end();
    const pending = this.#pending();
    if (pending <= backpressureLimits.pauseBytes / 2) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.#paused = false;
      this.ws.resume();
      this.onResume?.();
      return;
    }
    if (pending > backpressureLimits.maxBytes || Date.now() - this.#since > backpressureLimits.maxStalledMs) {
      this.#overflow(
        `the client read none of ${pending} bytes of replies for ${Math.round((Date.now() - this.#since) / 1000)} s`,
      );
    }
  }

  #overflow(reason: string): void {
    this.end();
    this.onOverflow(`slow client: ${reason}`);
  }

  /** Stops watching (the connection closed). */
  end(): void {
    this.#ended = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
