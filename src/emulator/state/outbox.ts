// Frames waiting for a slow client. While a socket has more than `highWaterBytes` unsent, new frames wait
// here instead of in the socket's buffer, so a message that outlives its `messageTtlSeconds` can still be
// dropped: "messages that are not consumed by the client within the specified TTL will be dropped by the
// service. This parameter can help when the client's bandwidth is limited." (REST API, messageTtlSeconds).
import type { WebSocket } from "ws";
import { backpressureLimits } from "../protocols/websocket/backpressure";

/** Unsent bytes a socket may hold before frames wait in the outbox. */
export const highWaterBytes = 256 * 1024;
/** How often a waiting outbox looks whether its socket has room again. */
const pollMs = 20;
const sweepMs = 250;

interface Waiting {
  data: string | Uint8Array;
  binary: boolean;
  expiresAt: number | undefined;
}

export class Outbox {
  readonly #waiting: Waiting[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** How many waiting frames have a TTL, and when the queue was last swept for expired ones. */
  #expiring = 0;
  #sweptAt = 0;
  /** Frames dropped because their TTL passed while they waited. */
  expired = 0;
  /** What the waiting frames hold: their bytes and each one's bookkeeping. */
  #waitingBytes = 0;
  #overflowed = false;

  constructor(
    readonly socket: WebSocket,
    /** Called once when the waiting frames pass `backpressureLimits.maxBytes`: the client reads too slowly. */
    private readonly onOverflow?: (reason: string) => void,
  ) {}

  /** Bytes waiting here (not yet given to the socket), with each frame's bookkeeping. */
  get waitingBytes(): number {
    return this.#waitingBytes;
  }

  /** Sends now when the socket has room and nothing waits before it; otherwise queues in order. */
  send(data: string | Uint8Array, binary: boolean, expiresAt: number | undefined): void {
    if (this.#waiting.length === 0 && this.socket.bufferedAmount <= highWaterBytes) {
      this.socket.send(data, { binary });
      return;
    }
    this.#waiting.push({ data, binary, expiresAt });
    this.#waitingBytes += cost(data);
    if (expiresAt !== undefined) this.#expiring++;
    this.#timer ??= setInterval(() => this.#flush(), pollMs);
    if (!this.#overflowed && this.#waitingBytes + this.socket.bufferedAmount > backpressureLimits.maxBytes) {
      this.#overflowed = true;
      this.onOverflow?.(
        `slow client: more than ${backpressureLimits.maxBytes} bytes of messages waiting for the client to read them`,
      );
    }
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Stops waiting (the socket closed or was replaced): what waits is dropped. */
  discard(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#waiting.length = 0;
    this.#waitingBytes = 0;
    this.#expiring = 0;
  }

  #drop(counted = true): void {
    this.expired++;
    if (counted) this.#expiring--;
  }

  #flush(): void {
    if (this.socket.readyState !== this.socket.OPEN) return this.discard();
    const now = Date.now();
    while (this.#waiting.length > 0 && this.socket.bufferedAmount <= highWaterBytes) {
      const next = this.#waiting.shift() as Waiting;
      this.#waitingBytes -= cost(next.data);
      if (next.expiresAt !== undefined) this.#expiring--;
      if (next.expiresAt !== undefined && next.expiresAt <= now) this.#drop(false);
      else this.socket.send(next.data, { binary: next.binary });
    }
    // Expired frames leave even while the socket stays full, so a stalled client holds no dead weight
    // (a sweep of the whole queue, at most every sweepMs and only while frames with a TTL wait).
    if (this.#expiring > 0 && now - this.#sweptAt >= sweepMs) {
      this.#sweptAt = now;
      let kept = 0;
      for (const item of this.#waiting) {
        if (item.expiresAt !== undefined && item.expiresAt <= now) {
          this.#drop();
          this.#waitingBytes -= cost(item.data);
        } else this.#waiting[kept++] = item;
      }
      this.#waiting.length = kept;
    }
    if (this.#waiting.length === 0) this.discard();
  }
}

function cost(data: string | Uint8Array): number {
  return (typeof data === "string" ? data.length * 2 : data.byteLength) + backpressureLimits.frameOverheadBytes;
}
