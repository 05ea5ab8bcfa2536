// How late this process's timers ran: on a loaded machine (CI, or a 2-core box shared with other suites) a timer
// due in 50 ms may fire hundreds of milliseconds later. Timing assertions about a wait add this to their upper
// margin, so they hold under load and stay tight on a quiet machine. The servers and clients these tests time
// run in the test's own process, so its event-loop delay is the delay their timers saw.
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

const RESOLUTION_MS = 10;

export interface LoopDelay {
  /** The longest single stall seen since the watch started (or since `reset`), in milliseconds. */
  worstMs(): number;
  /**
   * All the stalls seen since the watch started (or since `reset`) added up, in milliseconds: the margin for a
   * span that waits on several timers in turn, each of which a loaded machine may delay.
   */
  totalMs(): number;
  reset(): void;
  stop(): void;
}

/** Starts measuring the event loop's delay (sampled every 10 ms; a stall shows in full). */
export function watchLoopDelay(): LoopDelay {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  // Each sample is the time between two runs of a 10 ms timer: what exceeds 10 ms is the stall.
  const excess = () => (histogram.count === 0 ? 0 : Math.max(0, histogram.mean / 1e6 - RESOLUTION_MS));
  return {
    worstMs: () => histogram.max / 1e6,
    totalMs: () => Math.max(histogram.max / 1e6, histogram.count * excess()),
    reset: () => histogram.reset(),
    stop: () => histogram.disable(),
  };
}
