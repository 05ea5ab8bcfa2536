// Which hubs have an event handler, and one Upstream client per such hub, made on first use. Changing a hub's
// settings (Emulator.setHub) drops its client, so the next event uses the new settings.
import type { Observation } from "../liveview/observe";
import { Upstream, type HubSettings } from "./client";

export class Upstreams {
  readonly #clients = new Map<string, Upstream>();

  constructor(
    /** Event-handler settings by lower-case hub name. */
    private readonly settings: Map<string, HubSettings>,
    private readonly accessKey: string,
    /** The emulator's `host:port`, known once it listens. */
    private readonly origin: () => string,
    private readonly log: (line: string) => void,
    private readonly observation: Observation,
  ) {}

  /** The hub's event-handler client; undefined when the hub has no event handler. */
  get(hub: string): Upstream | undefined {
    const key = hub.toLowerCase();
    let upstream = this.#clients.get(key);
    if (upstream === undefined) {
      const settings = this.settings.get(key);
      if (settings === undefined) return undefined;
      upstream = new Upstream(settings, this.accessKey, this.origin(), this.log, this.observation);
      this.#clients.set(key, upstream);
    }
    return upstream;
  }

  set(hub: string, settings: HubSettings | undefined): void {
    const key = hub.toLowerCase();
    this.#clients.delete(key);
    if (settings === undefined) this.settings.delete(key);
    else this.settings.set(key, settings);
  }
}
