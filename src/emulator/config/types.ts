// The public shapes of a hub configuration: the hub settings teams deploy (the `properties` of the
// `Microsoft.SignalRService/webPubSub/hubs` resource) and Microsoft's emulator's appsettings.json.

/** One event handler of a hub, as in the `eventHandlers` list of the hub resource's `properties`. */
export interface EventHandlerProperties {
  /**
   * Where events go; `{hub}` and `{event}` are replaced (percent-encoded), e.g.
   * `http://localhost:3000/eventhandler/{hub}/{event}`. Key Vault references cannot be resolved locally.
   */
  urlTemplate: string;
  /**
   * The user events this handler receives: `*` for all, one name, or names separated by commas
   * (`message,chat`). Names match case-insensitively. Absent or empty: no user events.
   */
  userEventPattern?: string;
  /** The system events this handler receives: any of `connect`, `connected`, `disconnected`. Absent: none. */
  systemEvents?: string[];
  /**
   * Upstream authentication. Accepted so deployed settings load unchanged, but the emulator has no managed
   * identity: its requests carry no `Authorization` header (a notice says so).
   */
  auth?: { type?: string; managedIdentity?: { resource?: string } };
  /** Group presence event filters: accepted and ignored (the emulator sends no group presence events). */
  groupPresenceEvents?: unknown;
}

/** A hub's settings: the `properties` of a `Microsoft.SignalRService/webPubSub/hubs` resource. */
export interface HubProperties {
  /**
   * Event handlers in priority order: for each event the first one whose `systemEvents` or
   * `userEventPattern` matches receives it, and no other.
   */
  eventHandlers?: EventHandlerProperties[];
  /** Event Hubs listeners: accepted and ignored (a notice says so). */
  eventListeners?: unknown[];
  /**
   * `"allow"` lets clients connect without an access token (no user id, no roles, no groups unless the
   * `connect` handler gives them).
   * @default "deny"
   */
  anonymousConnectPolicy?: "allow" | "deny" | (string & {});
  /**
   * How often the emulator pings each WebSocket client of the hub, in seconds (1–120).
   * @default 20
   */
  webSocketKeepAliveIntervalInSeconds?: number;
}

/**
 * A configuration in the shape of the hub settings teams deploy: `{ "hubs": { "<hub>": <properties> } }`,
 * where `<properties>` is the hub resource's `properties` object as in ARM or Bicep JSON.
 *
 * @example
 * ```ts
 * const config: EmulatorConfig = {
 *   hubs: {
 *     chat: {
 *       eventHandlers: [
 *         { urlTemplate: "http://localhost:3000/auth/{event}", systemEvents: ["connect"] },
 *         { urlTemplate: "http://localhost:3000/events/{event}", userEventPattern: "*", systemEvents: ["connected", "disconnected"] },
 *       ],
 *       anonymousConnectPolicy: "deny",
 *     },
 *   },
 * };
 * ```
 */
export interface EmulatorConfig {
  /** Hub names (case-insensitive) mapped to their settings. */
  hubs: Record<string, HubProperties>;
  /** The port to listen on (the `--port` flag and the `port` option win). */
  port?: number;
  /** The interface to listen on (the `--host` flag and the `host` option win). */
  host?: string;
  /** The access key (the `--access-key` flag and the `accessKey` option win). */
  accessKey?: string;
  /** A JSON Schema reference, ignored. */
  $schema?: string;
}

/** One event handler in Microsoft's emulator's appsettings.json (`WebPubSub:Hubs:<hub>:EventHandlers`). */
export interface EmulatorAppSettingsHandler {
  /** Where events go; `{hub}` and `{event}` are replaced. */
  UrlTemplate: string;
  /** Any of `connect`, `connected`, `disconnected`. */
  SystemEvents?: string[];
  /** `*`, one name, or names separated by commas. */
  EventPattern?: string;
  /** Refused by Microsoft's emulator; accepted here with a notice (no managed identity locally). */
  Auth?: unknown;
}

/**
 * Microsoft's emulator's settings file (appsettings.json), so a team can switch emulators without
 * rewriting it: `{ "WebPubSub": { "AccessKey"?, "Hubs": { "<hub>": { "EventHandlers": [...] } } }, "Urls"? }`.
 * Keys match case-insensitively, as ASP.NET configuration does; sections it does not know are ignored.
 */
export interface EmulatorAppSettings {
  /** The emulator's section; keys match case-insensitively. */
  WebPubSub: {
    AccessKey?: string;
    Hubs?: Record<
      string,
      {
        EventHandlers?: EmulatorAppSettingsHandler[];
        EventListeners?: unknown[];
        /** Not read by Microsoft's emulator; honoured here with the hub resource's meaning. */
        AnonymousConnectPolicy?: string;
        /** Not read by Microsoft's emulator; honoured here with the hub resource's meaning. */
        WebSocketKeepAliveIntervalInSeconds?: number;
      }
    >;
    [key: string]: unknown;
  };
  /** ASP.NET's listening URLs, e.g. `http://localhost:8080` (the first one is used). */
  Urls?: string;
  /** Other ASP.NET sections (`Logging`, `AllowedHosts`...), ignored. */
  [section: string]: unknown;
}
