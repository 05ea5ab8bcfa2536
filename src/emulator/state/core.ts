import { Hub } from "./hub";
import type { Observation } from "../liveview/observe";
import type { ResolvedHub } from "../config/resolved";
import type { EventRoute } from "../upstream/router";
import type { FaultController } from "../faults/controller";
import type { DeliveryGate } from "./connection";

/** What the REST and WebSocket sides share: hubs, the key, settings and the log. */
export interface EmulatorCore {
  readonly accessKey: string;
  readonly keyBytes: Uint8Array;
  /** The log; undefined when nobody reads it (call it as `log?.(...)`: the line is then never built). */
  readonly log: ((line: string) => void) | undefined;
  /** How long a dropped reliable connection waits for its client to reconnect. */
  readonly reconnectionGraceMs: number;
  readonly recordMessages: boolean;
  /** Who watches what happens (`observation.emit` is undefined while nobody does). */
  readonly observation: Observation;
  /** The most groups one connection may be in. */
  readonly maxGroupsPerConnection: number;
  /** The origins (`http://host:port`, lower case) a token's `aud` may name: the emulator's own endpoint(s). */
  origins(): readonly string[];
  /** The origin the emulator tells clients to use (`:generateToken` audiences, `nextLink`s). */
  publicOrigin(): string;
  hub(name: string): Hub;
  existingHub(name: string): Hub | undefined;
  /** The hub's event handlers, when it has any: `wants` tells whether one takes an event, `send` sends it there. */
  upstream(hub: string): EventRoute | undefined;
  /** The hub's configured settings (anonymous connect, keep-alive), when a configuration names it. */
  hubSettings(hub: string): ResolvedHub | undefined;
  /** Fault rules in force (hook sites check `faults.rules.<kind>.length` first). */
  readonly faults: FaultController;
  /** Removes a hub's state when it has nothing left in it. */
  prune(hub: Hub): void;
}

export class HubRegistry {
  readonly #hubs = new Map<string, Hub>();

  constructor(
    private readonly observation?: Observation,
    private readonly gate?: DeliveryGate,
  ) {}

  get(name: string): Hub {
    const key = name.toLowerCase();
    let hub = this.#hubs.get(key);
    if (hub === undefined) this.#hubs.set(key, (hub = new Hub(name, this.observation, this.gate)));
    return hub;
  }

  find(name: string): Hub | undefined {
    return this.#hubs.get(name.toLowerCase());
  }

  prune(hub: Hub): void {
    if (hub.isEmpty && hub.groups.size === 0) this.#hubs.delete(hub.name.toLowerCase());
  }

  all(): Hub[] {
    return [...this.#hubs.values()];
  }
}
