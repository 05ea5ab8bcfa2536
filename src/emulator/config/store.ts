// The hub settings in force: a configuration (the `config` option, a file, `setConfig`) under per-hub
// overrides (the `hubs` option, `setHub`), which win for their hub's event handlers as CLI flags win over a file.
import type { ResolvedConfig, ResolvedHandler, ResolvedHub } from "./resolved";
import { defaultKeepAliveSeconds } from "./resolved";

export class HubSettingsStore {
  #config: ReadonlyMap<string, ResolvedHub>;
  readonly #overrides = new Map<string, readonly ResolvedHandler[]>();
  readonly #effective = new Map<string, ResolvedHub>();

  constructor(config: ResolvedConfig | undefined, overrides: ReadonlyMap<string, ResolvedHub>) {
    this.#config = config?.hubs ?? new Map();
    for (const [key, hub] of overrides) this.#overrides.set(key, hub.handlers);
  }

  /** Replaces the configuration layer; connections stay, and the next event uses the new settings. */
  setConfig(config: ResolvedConfig): void {
    this.#config = config.hubs;
    this.#effective.clear();
  }

  /** Sets (or with undefined removes) a hub's event handlers over whatever the configuration says. */
  setHandlers(hub: string, handlers: readonly ResolvedHandler[] | undefined): void {
    const key = hub.toLowerCase();
    if (handlers === undefined) this.#overrides.delete(key);
    else this.#overrides.set(key, handlers);
    this.#effective.delete(key);
  }

  /** A hub's settings in force, or undefined when nothing configures it (the defaults then apply). */
  get(hub: string): ResolvedHub | undefined {
    const key = hub.toLowerCase();
    const handlers = this.#overrides.get(key);
    // Only configured hubs are merged and kept: a client naming any hub must not grow this map.
    if (handlers === undefined) return this.#config.get(key);
    let effective = this.#effective.get(key);
    if (effective === undefined) {
      const configured = this.#config.get(key);
      effective = {
        name: configured?.name ?? hub,
        handlers,
        anonymousConnect: configured?.anonymousConnect ?? false,
        keepAliveSeconds: configured?.keepAliveSeconds ?? defaultKeepAliveSeconds,
      };
      this.#effective.set(key, effective);
    }
    return effective;
  }
}
