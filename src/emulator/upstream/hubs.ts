// The event handlers of each hub, as the configuration and the per-hub overrides (the `hubs` option,
// Emulator.setHub) say, and the upstream clients that reach them (one per handler URL, made on first use).
import type { ConfigRuntime } from "../config/runtime";
import { resolveLegacyHubs } from "../config/parse";
import type { Observation } from "../liveview/observe";
import type { FaultController } from "../faults/controller";
import { Upstream, type HubSettings } from "./client";
import { UpstreamRouter, type EventRoute } from "./router";

export class Upstreams {
  readonly #router: UpstreamRouter;

  constructor(
    private readonly configs: ConfigRuntime,
    accessKey: string,
    /** The emulator's `host:port`, known once it listens. */
    origin: () => string,
    log: (line: string) => void,
    observation: Observation,
    faults?: FaultController,
  ) {
    this.#router = new UpstreamRouter(
      (handler) => new Upstream(handler, accessKey, origin(), log, observation, faults),
    );
  }

  /** The hub's event handlers; undefined when it has none. */
  get(hub: string): EventRoute | undefined {
    return this.#router.route(this.configs.store.get(hub));
  }

  /** Emulator.setHub: one event handler for the hub over the configured ones, or (undefined) back to them. */
  set(hub: string, settings: HubSettings | undefined): void {
    const handlers =
      settings === undefined
        ? undefined
        : (resolveLegacyHubs({ [hub]: settings }, "setHub").get(hub.toLowerCase())?.handlers ?? []);
    this.configs.store.setHandlers(hub, handlers);
  }
}
