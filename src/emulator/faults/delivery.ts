// Delivery faults: messages to a connection held back, by a delay or until a pause ends. A held message holds
// every later one to the same connection too, so order is kept; they are recorded and sent on release.
import type { ClientConnection, DeliveryGate } from "../state/connection";
import type { EncodedMessage } from "../state/messages";
import type { ActiveRule } from "./active";
import type { FaultController } from "./controller";
import { matchesConnection } from "./match";
import type { DeliveryFaultRule } from "./types";

interface Held {
  message: EncodedMessage;
  /** Epoch ms; Infinity while paused by `pausedBy`. */
  releaseAt: number;
  pausedBy: ActiveRule | undefined;
}

export class FaultDeliveryGate implements DeliveryGate {
  readonly #held = new Map<ClientConnection, { queue: Held[]; timer: NodeJS.Timeout | undefined }>();

  constructor(private readonly faults: FaultController) {
    faults.effects("delivery", { ended: (rule) => this.#unpause(rule) });
  }

  hold(connection: ClientConnection, message: EncodedMessage): boolean {
    const entry = this.#held.get(connection);
    if (entry === undefined && this.faults.rules.delivery.length === 0) return false;
    const active = this.faults.hit("delivery", (rule) => matchesConnection(rule, connection));
    if (active === undefined && entry === undefined) return false;
    const rule = active?.rule as DeliveryFaultRule | undefined;
    const held: Held = {
      message,
      releaseAt: rule === undefined ? 0 : rule.pause === true ? Infinity : Date.now() + (rule.delayMs ?? 0),
      pausedBy: rule?.pause === true ? active : undefined,
    };
    if (active !== undefined) {
      const what = rule?.pause === true ? "paused" : `delayed ${rule?.delayMs ?? 0} ms`;
      this.faults.report(
        active,
        connection.hub,
        `message to ${connection.connectionId} ${what}`,
        connection.connectionId,
      );
    }
    const queue = entry?.queue ?? [];
    queue.push(held);
    if (entry === undefined) this.#held.set(connection, { queue, timer: undefined });
    this.#flush(connection);
    return true;
  }

  /** Sends what is due, in order; waits for the first that is not. */
  #flush(connection: ClientConnection): void {
    const entry = this.#held.get(connection);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const now = Date.now();
    while (entry.queue.length > 0 && (entry.queue[0] as Held).releaseAt <= now) {
      connection.deliverNow((entry.queue.shift() as Held).message);
    }
    if (entry.queue.length === 0 || connection.closed) {
      this.#held.delete(connection);
      return;
    }
    const next = (entry.queue[0] as Held).releaseAt;
    if (Number.isFinite(next)) {
      entry.timer = setTimeout(() => this.#flush(connection), next - now);
      entry.timer.unref();
    }
  }

  #unpause(rule: ActiveRule): void {
    for (const [connection, entry] of [...this.#held]) {
      for (const held of entry.queue) if (held.pausedBy === rule) held.releaseAt = 0;
      this.#flush(connection);
    }
  }
}
