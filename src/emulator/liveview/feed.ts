// The live feed: a bounded history (ring buffer) and Server-Sent Events to each open page. It listens to
// the emulator only while a page is open (and a minute after the last one closes, so a reload keeps the
// history); otherwise the emulator builds no events at all. A slow or stuck page cannot grow memory: each
// viewer has a bounded queue, and what overflows it is replaced by one "missed N events" marker.
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { EmulatorEvent } from "./observe";
import { summarise, type FeedEvent } from "./summary";

/** Bounds of the feed, all in events. */
export interface FeedLimits {
  /** Events kept for pages that open later (the ring buffer). */
  history: number;
  /** Events queued for one page whose connection is not draining. */
  perViewer: number;
  /** Pages open at once (further ones get 429). */
  viewers: number;
  /** How long the feed keeps listening after the last page closed. */
  lingerMs: number;
  /** Events are sent in batches at most this often. */
  flushMs: number;
}

export const defaultFeedLimits: FeedLimits = {
  history: 2000,
  perViewer: 1000,
  viewers: 16,
  lingerMs: 60_000,
  flushMs: 100,
};

/** A batch of events, serialised once for every viewer. */
interface Batch {
  text: string;
  count: number;
}

interface Viewer {
  res: ServerResponse;
  /** Batches waiting for the socket to drain, and how many events they hold. */
  queue: Batch[];
  queued: number;
  missed: number;
}

export class Feed {
  /** Lets a page that reconnects tell a restarted emulator (ids start again) from the same one. */
  readonly instance = randomUUID();
  readonly #ring: (FeedEvent | undefined)[];
  #next = 0;
  #sequence = 0;
  #pending: FeedEvent[] = [];
  #pendingDropped = 0;
  #flushTimer: NodeJS.Timeout | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;
  #stopWatching: (() => void) | undefined;
  readonly #viewers = new Set<Viewer>();

  constructor(
    private readonly watch: (listener: (event: EmulatorEvent) => void) => () => void,
    readonly limits: FeedLimits = defaultFeedLimits,
  ) {
    this.#ring = new Array<FeedEvent | undefined>(limits.history);
  }

  get viewerCount(): number {
    return this.#viewers.size;
  }

  /** Whether another page may open the feed. */
  get full(): boolean {
    return this.#viewers.size >= this.limits.viewers;
  }

  /** Starts streaming to `res`: the history first, then live batches. */
  open(res: ServerResponse): void {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    const viewer: Viewer = { res, queue: [], queued: 0, missed: 0 };
    this.#viewers.add(viewer);
    this.#listen();
    res.write(
      `event: hello\ndata: ${JSON.stringify({ instance: this.instance, history: this.limits.history, perViewer: this.limits.perViewer })}\n\n`,
    );
    const history = this.history();
    if (history.length > 0) this.#deliver(viewer, batchOf(history));
    res.on("drain", () => this.#drain(viewer));
    res.once("close", () => {
      this.#viewers.delete(viewer);
      viewer.queue.length = 0;
      if (this.#viewers.size === 0) this.#linger();
    });
  }

  /** The ring buffer's content, oldest first. */
  history(): FeedEvent[] {
    const out: FeedEvent[] = [];
    const n = this.#ring.length;
    for (let i = 0; i < n; i++) {
      const e = this.#ring[(this.#next + i) % n];
      if (e !== undefined) out.push(e);
    }
    return out;
  }

  /** Stops listening and ends every stream (emulator shutdown). */
  close(): void {
    this.#stopWatching?.();
    this.#stopWatching = undefined;
    clearTimeout(this.#flushTimer);
    clearTimeout(this.#lingerTimer);
    for (const viewer of this.#viewers) viewer.res.destroy();
    this.#viewers.clear();
  }

  #listen(): void {
    clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
    this.#stopWatching ??= this.watch((event) => this.#record(summarise(event, ++this.#sequence, Date.now())));
  }

  #linger(): void {
    clearTimeout(this.#lingerTimer);
    this.#lingerTimer = setTimeout(() => {
      this.#stopWatching?.();
      this.#stopWatching = undefined;
    }, this.limits.lingerMs);
    this.#lingerTimer.unref();
  }

  #record(event: FeedEvent): void {
    this.#ring[this.#next] = event;
    this.#next = (this.#next + 1) % this.#ring.length;
    if (this.#viewers.size === 0) return;
    this.#pending.push(event);
    // More than a viewer may queue is dropped here already (the viewers would drop it anyway).
    if (this.#pending.length > this.limits.perViewer) {
      this.#pending.shift();
      this.#pendingDropped++;
    }
    if (this.#flushTimer === undefined) {
      this.#flushTimer = setTimeout(() => this.#flush(), this.limits.flushMs);
      this.#flushTimer.unref();
    }
  }

  #flush(): void {
    this.#flushTimer = undefined;
    const batch = batchOf(this.#pending);
    const dropped = this.#pendingDropped;
    this.#pending = [];
    this.#pendingDropped = 0;
    for (const viewer of this.#viewers) {
      viewer.missed += dropped;
      this.#deliver(viewer, batch);
    }
  }

  #deliver(viewer: Viewer, batch: Batch): void {
    if (viewer.queue.length > 0 || viewer.res.writableNeedDrain) {
      viewer.queue.push(batch);
      viewer.queued += batch.count;
      // Keep the newest events; count the dropped ones for the marker.
      while (viewer.queued > this.limits.perViewer && viewer.queue.length > 0) {
        const dropped = viewer.queue.shift() as Batch;
        viewer.queued -= dropped.count;
        viewer.missed += dropped.count;
      }
      return;
    }
    this.#write(viewer, batch);
  }

  #drain(viewer: Viewer): void {
    while (viewer.queue.length > 0 && !viewer.res.writableNeedDrain) {
      const batch = viewer.queue.shift() as Batch;
      viewer.queued -= batch.count;
      this.#write(viewer, batch);
    }
  }

  #write(viewer: Viewer, batch: Batch): void {
    if (viewer.missed > 0) {
      viewer.res.write(`event: missed\ndata: ${JSON.stringify({ count: viewer.missed })}\n\n`);
      viewer.missed = 0;
    }
    viewer.res.write(batch.text);
  }
}

function batchOf(events: FeedEvent[]): Batch {
  return { text: `data: ${JSON.stringify(events)}\n\n`, count: events.length };
}
