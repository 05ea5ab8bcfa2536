// One entry for a configuration in either shape, and the older one-handler-per-hub settings as the same thing.
import { fromAppSettings } from "./appsettings";
import { fromHubResources } from "./arm";
import { EmulatorConfigError } from "./error";
import { join, Scope } from "./fields";
import { defaultKeepAliveSeconds, systemEventNames, type ResolvedConfig, type ResolvedHub } from "./resolved";

const shapes =
  'either { "hubs": { "<hub>": <hub properties> } } (hub settings as deployed) or Microsoft\'s emulator settings { "WebPubSub": { "Hubs": { ... } } }';

/**
 * Checks a configuration, telling its shape by its top-level key (`hubs` or `WebPubSub`), and returns it
 * resolved with its notices. Throws {@link EmulatorConfigError} naming `source`, the field and what is allowed.
 */
export function resolveConfig(value: unknown, source: string): ResolvedConfig {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new EmulatorConfigError(source, "", `must be a JSON object: ${shapes}`);
  const keys = Object.keys(value).map((k) => k.toLowerCase());
  const appSettings = keys.includes("webpubsub");
  if (appSettings && keys.includes("hubs"))
    throw new EmulatorConfigError(source, "", `has both "hubs" and "WebPubSub"; use ${shapes}`);
  if (!appSettings && !keys.includes("hubs"))
    throw new EmulatorConfigError(source, "", `has neither "hubs" nor "WebPubSub"; use ${shapes}`);
  const scope = new Scope(source, appSettings ? "notice" : "error");
  const checked = appSettings ? fromAppSettings(scope, value) : fromHubResources(scope, value);
  return { ...checked, notices: scope.notices };
}

/** The emulator's older per-hub settings (`hubs` option, `--upstream HUB=URL`): one event handler each. */
export interface LegacyHubSettings {
  url: string;
  systemEvents?: string[];
  userEvents?: "*" | string[];
  timeoutMs?: number;
}

/** Turns `{ hub: { url, systemEvents, userEvents, timeoutMs } }` into hubs with one event handler each. */
export function resolveLegacyHubs(hubs: Record<string, LegacyHubSettings>, source: string): Map<string, ResolvedHub> {
  const scope = new Scope(source, "error");
  const out = new Map<string, ResolvedHub>();
  for (const [name, settings] of Object.entries(hubs)) {
    const path = join("", name);
    scope.hubName(name, path);
    const fields = scope.fields(
      settings,
      path,
      { url: "read", systemEvents: "read", userEvents: "read", timeoutMs: "read" },
      "a hub's event handler settings",
    );
    const system = fields.get("systemEvents") ?? { value: systemEventNames, path: join(path, "systemEvents") };
    const user = fields.get("userEvents");
    const timeout = fields.get("timeoutMs");
    if (timeout !== undefined && (!Number.isInteger(timeout.value) || (timeout.value as number) < 1))
      scope.fail(timeout.path, "must be a positive whole number of milliseconds");
    const userPattern = user === undefined ? "*" : Array.isArray(user.value) ? user.value.join(",") : user.value;
    out.set(name.toLowerCase(), {
      name,
      handlers: [
        {
          urlTemplate: scope.urlTemplate(fields.get("url"), path, "url"),
          userEvents: scope.userEvents({ value: userPattern, path: join(path, "userEvents") }),
          systemEvents: scope.systemEvents(system),
          ...(timeout === undefined ? {} : { timeoutMs: timeout.value as number }),
        },
      ],
      anonymousConnect: false,
      keepAliveSeconds: defaultKeepAliveSeconds,
    });
  }
  return out;
}
