// Cuts the bytes of an MQTT connection into whole packets before the parser sees them. WebSocket frames need
// not line up with packets (a packet may come one byte per frame), so the bytes gather in one growing buffer
// (doubling, so a million 1-byte frames cost a million copies of one byte, not a million buffers), bounded by
// the packet limit: the fixed header announces the length (MQTT §2.2.3), and a packet announced over the
// limit is refused before it arrives.

export class FramingError extends Error {
  constructor(
    message: string,
    readonly tooLarge: boolean,
  ) {
    super(message);
  }
}

export class PacketFramer {
  #buffer = Buffer.alloc(0);
  #start = 0;
  #end = 0;

  constructor(private readonly maxPacketBytes: number) {}

  /** Bytes received and not yet handed out as packets. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.#end + bytes.length > this.#buffer.length) {
      const needed = this.buffered + bytes.length;
      const target = needed <= this.#buffer.length / 2 ? this.#buffer : Buffer.allocUnsafe(Math.max(64, needed * 2));
      this.#buffer.copy(target, 0, this.#start, this.#end);
      this.#buffer = target;
      this.#end -= this.#start;
      this.#start = 0;
    }
    bytes.copy(this.#buffer, this.#end);
    this.#end += bytes.length;
  }

  /** The next whole packet (a copy), undefined while it is incomplete; throws FramingError for bad lengths. */
  next(): Buffer | undefined {
    const available = this.buffered;
    if (available < 2) return undefined;
    // Remaining Length: 1 to 4 bytes of 7 bits each, the high bit saying another byte follows.
    let remaining = 0;
    let multiplier = 1;
    let headerBytes = 1;
    for (;;) {
      if (headerBytes > 4) throw new FramingError("malformed packet: Remaining Length longer than 4 bytes", false);
      if (headerBytes >= available) return undefined;
      const byte = this.#buffer[this.#start + headerBytes] as number;
      remaining += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      headerBytes++;
      if ((byte & 0x80) === 0) break;
    }
    const total = headerBytes + remaining;
    if (total > this.maxPacketBytes) {
      throw new FramingError(`packet larger than ${this.maxPacketBytes} bytes (announced ${total})`, true);
    }
    if (available < total) return undefined;
    const packet = Buffer.from(this.#buffer.subarray(this.#start, this.#start + total));
    this.#start += total;
    if (this.#start === this.#end) {
      this.#start = 0;
      this.#end = 0;
      // A large packet's buffer is not kept once it has been handed out.
      if (this.#buffer.length > 64 * 1024) this.#buffer = Buffer.alloc(0);
    }
    return packet;
  }
}
