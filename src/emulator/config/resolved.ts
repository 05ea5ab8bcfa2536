// What a checked configuration becomes inside the emulator, whichever shape it was written in.

export type SystemEventName = "connect" | "connected" | "disconnected";
export const systemEventNames: readonly SystemEventName[] = ["connect", "connected", "disconnected"];

/** One event handler, checked: which events it takes and where they go. */
export interface ResolvedHandler {
  /** `{hub}` and `{event}` (any case) are replaced when an event is sent. */
  readonly urlTemplate: string;
  /** `*` for every user event, else the lower-cased names it takes (empty: none). */
  readonly userEvents: "*" | ReadonlySet<string>;
  readonly systemEvents: ReadonlySet<SystemEventName>;
  /** How long to wait for the handler; the upstream client's defaults apply when absent. */
  readonly timeoutMs?: number;
}

/** The service's default WebSocket keep-alive interval ("Default to 20 seconds"). */
export const defaultKeepAliveSeconds = 20;

/** A hub's settings, checked. */
export interface ResolvedHub {
  /** The hub's name as written. */
  readonly name: string;
  /** In priority order: the first that matches an event receives it. */
  readonly handlers: readonly ResolvedHandler[];
  readonly anonymousConnect: boolean;
  readonly keepAliveSeconds: number;
}

/** A whole configuration, checked; hubs keyed by lower-cased name (hub names are case-insensitive). */
export interface ResolvedConfig {
  readonly hubs: ReadonlyMap<string, ResolvedHub>;
  readonly port?: number;
  readonly host?: string;
  readonly accessKey?: string;
  /** One line per setting that was accepted but has no effect in the emulator. */
  readonly notices: readonly string[];
}
