// Event-handler faults: a CloudEvents call answered as if the handler failed with a status, timed out, or
// made later. What follows is the emulator's usual handling of such an outcome (a failed connect refuses the
// connection; a failed user event acks the error and drops the connection, per reference-cloud-events).
import { setTimeout as sleep } from "node:timers/promises";
import type { FaultController } from "./controller";
import { matchesEvent } from "./match";
import type { EventHandlerFaultRule } from "./types";

/** The failure an injected fault stands in for (the shape of the upstream client's failed result). */
export interface InjectedFailure {
  ok: false;
  status: number;
  message: string;
  reached?: boolean;
  timedOut?: boolean;
}

/** Runs `call` (the real event-handler request) under the first rule that hits this event, if any. */
export async function withEventHandlerFault<T>(
  faults: FaultController,
  hub: string,
  event: string,
  connectionId: string,
  call: () => Promise<T>,
): Promise<T | InjectedFailure> {
  const active = faults.hit("eventHandler", (rule) => matchesEvent(rule, hub, event));
  if (active === undefined) return call();
  const rule = active.rule as EventHandlerFaultRule;
  if (rule.delayMs !== undefined) {
    faults.report(active, hub, `event '${event}' delayed ${rule.delayMs} ms`, connectionId);
    await sleep(rule.delayMs);
  }
  if (rule.failStatus !== undefined) {
    faults.report(active, hub, `event '${event}' failed with ${rule.failStatus}`, connectionId);
    return {
      ok: false,
      status: rule.failStatus,
      message: `the event handler answered ${rule.failStatus} (injected fault)`,
    };
  }
  if (rule.timeout === true) {
    const after = rule.timeoutAfterMs ?? 1000;
    faults.report(active, hub, `event '${event}' timed out after ${after} ms`, connectionId);
    // The handler still receives the event (as with a slow handler); its answer comes too late to count.
    void call().catch(() => undefined);
    await sleep(after);
    return {
      ok: false,
      status: 502,
      message: "the event handler did not answer in time",
      reached: false,
      timedOut: true,
    };
  }
  return call();
}
