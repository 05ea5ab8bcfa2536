// The configuration's life in a running emulator: read at start (an object or a file), applied, followed
// when it is a file, and replaced by `setConfig`. Every applied configuration logs its notices.
import { EmulatorConfigError } from "./error";
import { parseConfigText, readConfigText } from "./load";
import { resolveConfig, resolveLegacyHubs, type LegacyHubSettings } from "./parse";
import type { ResolvedConfig } from "./resolved";
import { HubSettingsStore } from "./store";
import { watchConfigFile, type ConfigWatcher } from "./watch";

export interface ConfigOptions {
  config?: unknown;
  configFile?: string;
  hubs?: Record<string, LegacyHubSettings>;
}

/** The configuration given at start, checked, with the file's text when it came from one. */
export interface InitialConfig {
  config: ResolvedConfig | undefined;
  file?: { path: string; text: string };
}

export async function readInitialConfig(options: ConfigOptions): Promise<InitialConfig> {
  if (options.config !== undefined && options.configFile !== undefined)
    throw new TypeError("Give either config or configFile, not both.");
  if (options.configFile !== undefined) {
    if (typeof options.configFile !== "string" || options.configFile === "")
      throw new TypeError("configFile must be a file path.");
    const path = options.configFile;
    const text = await readConfigText(path);
    return { config: parseConfigText(text, path), file: { path, text } };
  }
  return { config: options.config === undefined ? undefined : resolveConfig(options.config, "config option") };
}

/** Listening settings cannot change under running clients: a reload that edits them says so. */
function needsRestart(before: ResolvedConfig | undefined, after: ResolvedConfig): string[] {
  const changed = (["host", "port", "accessKey"] as const).filter((key) => before?.[key] !== after[key]);
  return changed.length === 0 ? [] : [`${changed.join(", ")} changed; restart the emulator to apply`];
}

export class ConfigRuntime {
  /** The hub settings in force; the `hubs` option's handlers win over the configuration's for their hub. */
  readonly store: HubSettingsStore;
  #applied: ResolvedConfig | undefined;
  #watcher: ConfigWatcher | undefined;

  constructor(
    initial: InitialConfig,
    hubs: Record<string, LegacyHubSettings> | undefined,
    private readonly log: (line: string) => void,
    /** Called after each change, so per-connection timers (keep-alive) pick up new intervals. */
    private readonly changed: () => void,
  ) {
    this.store = new HubSettingsStore(initial.config, resolveLegacyHubs(hubs ?? {}, "hubs option"));
    this.#applied = initial.config;
    for (const line of initial.config?.notices ?? []) log(`notice: ${line}`);
  }

  /** `emulator.setConfig`: checks (throwing, the old settings kept) and applies. */
  set(config: unknown, source = "setConfig"): void {
    this.#apply(resolveConfig(config, source));
  }

  /** Follows a configuration file: each valid edit applies; an invalid one is logged and changes nothing. */
  follow(file: { path: string; text: string }): void {
    this.#watcher = watchConfigFile(file.path, {
      appliedText: file.text,
      onChange: (config) => {
        this.#apply(config);
        this.log(`config: ${file.path} reloaded; connections stay open`);
      },
      onError: (error: EmulatorConfigError) =>
        this.log(`config: ${error.message}; the previous settings stay in force`),
    });
  }

  close(): void {
    this.#watcher?.close();
  }

  #apply(config: ResolvedConfig): void {
    for (const line of config.notices) this.log(`notice: ${line}`);
    for (const line of needsRestart(this.#applied, config)) this.log(`notice: ${line}`);
    this.store.setConfig(config);
    this.#applied = config;
    this.changed();
  }
}
