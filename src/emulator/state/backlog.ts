// What a reliable connection has sent and the client has not acknowledged yet (client-spec 3.2): replayed
// when the client comes back, dropped when acknowledged or past its TTL. Only reliable connections have one.

/** What the service queues for a reliable client before it gives up on it (client-spec 3.2). */
export const maxUnackedMessages = 1000;
export const maxUnackedBytes = 16 * 1024 * 1024;

/** A frame on the wire: JSON text, or protobuf bytes (a string's length counts toward the backlog as is). */
export type Frame = string | Uint8Array;

interface Unacked {
  readonly id: number;
  readonly frame: Frame;
  readonly expiresAt: number | undefined;
}

export class Backlog {
  #sequence = 0;
  #bytes = 0;
  readonly #entries: Unacked[] = [];

  /** The sequence id of the next message. */
  nextId(): number {
    return ++this.#sequence;
  }

  /**
   * Keeps a frame until it is acknowledged. False when the backlog is then over the service's capacity, even
   * without the messages whose TTL passed (those no longer count: they will never be sent again).
   */
  add(id: number, frame: Frame, expiresAt: number | undefined): boolean {
    this.#entries.push({ id, frame, expiresAt });
    this.#bytes += frame.length;
    if (!this.#full()) return true;
    this.forgetExpired();
    return !this.#full();
  }

  /** Drops the oldest frame (to keep the newest where nobody closes the connection). */
  dropOldest(): void {
    const oldest = this.#entries.shift();
    if (oldest !== undefined) this.#bytes -= oldest.frame.length;
  }

  /** The client has everything up to `sequenceId`. */
  acknowledge(sequenceId: number): void {
    while (this.#entries.length > 0 && (this.#entries[0] as Unacked).id <= sequenceId) this.dropOldest();
  }

  /** Drops the frames whose TTL has passed (they are not replayed). */
  forgetExpired(): void {
    const now = Date.now();
    let kept = 0;
    for (const entry of this.#entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.#bytes -= entry.frame.length;
      else this.#entries[kept++] = entry;
    }
    this.#entries.length = kept;
  }

  /** The frames to send again, oldest first. */
  frames(): readonly Unacked[] {
    return this.#entries;
  }

  clear(): void {
    this.#entries.length = 0;
    this.#bytes = 0;
  }

  #full(): boolean {
    return this.#entries.length > maxUnackedMessages || this.#bytes > maxUnackedBytes;
  }
}
