// The public shapes of the emulator: its options, a running emulator, and a connection as it sees it.
import type { ReceivedMessage } from "./state/messages";
import type { EmulatorEvent } from "./liveview/observe";
import type { HubSettings } from "./upstream/client";
import type { EmulatorAppSettings, EmulatorConfig } from "./config/types";
import type { EmulatorFaults, FaultRule } from "./faults/types";

/** Options for {@link startEmulator}. */
export interface EmulatorOptions {
  /**
   * The port to listen on; 0 picks a free one.
   * @default 8080
   */
  port?: number;
  /**
   * The interface to listen on.
   * @default "127.0.0.1"
   */
  host?: string;
  /**
   * The access key tokens must be signed with.
   * @default "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH" (Microsoft's emulator's key)
   */
  accessKey?: string;
  /** Receives one line per connection and request (nothing is logged by default). Never given keys or tokens. */
  log?: (line: string) => void;
  /**
   * One event handler per hub name, e.g. `{ chat: { url: "http://localhost:3000/eventhandler/{event}" } }`.
   * For a hub also in {@link EmulatorOptions.config}, these handlers replace the configured ones.
   */
  hubs?: Record<string, HubSettings>;
  /**
   * Hub settings as teams deploy them (`{ hubs: { chat: { eventHandlers: [...], anonymousConnectPolicy,
   * webSocketKeepAliveIntervalInSeconds } } }`) or as Microsoft's emulator reads them (its appsettings.json
   * object): several event handlers per hub, matched in order. Checked at start: an invalid one throws an
   * `EmulatorConfigError` naming the field. Its `port`, `host` and `accessKey` apply where these options
   * leave them out. See docs/emulator-config.md.
   */
  config?: EmulatorConfig | EmulatorAppSettings;
  /**
   * A file holding {@link EmulatorOptions.config} (JSON; comments and trailing commas allowed), read at start
   * and followed while running: each valid edit applies without dropping connections, an invalid one is
   * logged and the previous settings stay in force. The `webpubsub emulator --config` flag uses it.
   */
  configFile?: string;
  /**
   * How long a dropped `json.reliable.webpubsub.azure.v1` connection waits for its client to reconnect.
   * @default 30000
   */
  reconnectionGraceMs?: number;
  /**
   * Keep what each connection receives for {@link Emulator.nextMessage} even when nothing awaits it yet
   * (bounded to 1000 per connection). Turn off for load tests.
   * @default true
   */
  recordMessages?: boolean;
  /**
   * Largest REST request body accepted (413 beyond).
   * @default 16 MiB
   */
  maxBodyBytes?: number;
  /**
   * The emulator's public endpoint when it sits behind a proxy, e.g. `https://pubsub.example.com`: tokens must
   * name it as their audience (as the service checks a token against its own endpoint, never the request's
   * Host header), and `connectionString`, `endpoint`, `:generateToken` and `nextLink`s use it.
   * @default the listening address (tokens for `localhost`, `127.0.0.1` or `[::1]` are all accepted by a loopback listener)
   */
  publicEndpoint?: string;
  /**
   * How long a REST request (headers and body) may take to arrive before it is answered 408.
   * @default 30000
   */
  requestTimeoutMs?: number;
  /**
   * The most groups one connection may be in; joining more is refused (ack `Forbidden`, REST 400).
   * @default 1000
   */
  maxGroupsPerConnection?: number;
  /**
   * Serve the live view at `/ui/`: a page showing connections, groups and traffic as they happen, with
   * actions (send, close, group membership, client URLs, a test client). It needs the access key or the
   * token in {@link Emulator.liveViewUrl}. The `webpubsub emulator` command turns it on unless `--no-ui`.
   * @default false
   */
  ui?: boolean;
  /**
   * The longest an interrupted MQTT session is kept for its client to come back (the service keeps them
   * "up to 30 seconds"; MQTT 5 clients may ask for less with their Session Expiry Interval).
   * @default 30000
   */
  mqttSessionExpiryMs?: number;
  /** Fault rules in force from the start (see {@link Emulator.faults}); a bad one throws a `FaultRuleError`. */
  faults?: FaultRule[];
  /**
   * A JSON file of fault rules (`{ "faults": [ ...rules ] }`), read at start and followed while running: each
   * valid edit replaces the file's rules, an invalid one is logged naming the field and the previous rules stay.
   * The `webpubsub emulator --faults` flag uses it. See docs/testing-unhappy-paths.md.
   */
  faultsFile?: string;
}

/** A client connection, as the emulator sees it. */
export interface ConnectionInfo {
  hub: string;
  connectionId: string;
  userId: string | null;
  groups: string[];
  roles: string[];
  /** `json.webpubsub.azure.v1`, `json.reliable.webpubsub.azure.v1`, `mqtt` for MQTT sessions, a simple client's custom subprotocol, or undefined. */
  subprotocol: string | undefined;
  /** False while a dropped reliable connection waits for its client to come back. */
  online: boolean;
  /** When the connection was established. */
  connectedAt: Date;
  /** When the client last sent a frame or was delivered a message. */
  lastActivityAt: Date;
}

/** A running emulator. */
export interface Emulator {
  /** `Endpoint=http://<host>:<port>;AccessKey=<key>;Version=1.0;` */
  readonly connectionString: string;
  /** `http://<host>:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** The live view's URL with the token that opens it, when started with `ui: true`. */
  readonly liveViewUrl: string | undefined;
  /** Hubs that have connections or groups. */
  hubs(): string[];
  /** Current client connections, of one hub or all. */
  connections(hub?: string): ConnectionInfo[];
  /** Resolves with the next message the connection receives (or the oldest one not yet taken). */
  nextMessage(connectionId: string, options?: { timeoutMs?: number }): Promise<ReceivedMessage>;
  /** Resolves once `predicate` holds for the hub's connections (polling briefly), e.g. `n => n.length === 2`. */
  waitForConnections(
    hub: string,
    predicate: (connections: ConnectionInfo[]) => boolean,
    options?: { timeoutMs?: number },
  ): Promise<ConnectionInfo[]>;
  /**
   * Sets (or with `undefined`, removes) a hub's event handler settings while running, as the portal's
   * event handler page would; new events use them at once.
   */
  setHub(hub: string, settings: HubSettings | undefined): void;
  /**
   * Replaces the hub settings (the same object {@link EmulatorOptions.config} takes) while running, as
   * editing a `--config` file does: connections stay open and new events, connects and pings follow the new
   * settings. An invalid configuration throws an `EmulatorConfigError` and the previous one stays in force.
   * Per-hub handlers given by `hubs` or {@link Emulator.setHub} still win for their hub.
   */
  setConfig(config: EmulatorConfig | EmulatorAppSettings): void;
  /**
   * Cuts a connection's socket without a close frame, as a network failure would (reliable clients may
   * then recover it). Returns false when there is no such online connection.
   */
  dropConnection(connectionId: string): boolean;
  /**
   * Calls `listener` with everything that happens from now on: REST calls (status, latency, how many
   * connections a send reached), client frames, event-handler calls, connects, disconnects with their
   * reasons, refused upgrades and group changes. Returns a function that stops it. While nothing watches,
   * the emulator builds no events at all. A listener that throws is ignored.
   *
   * @example
   * ```ts
   * const stop = emulator.watch((event) => {
   *   if (event.kind === "rest") console.log(event.method, event.path, event.status, event.reach);
   * });
   * ```
   */
  watch(listener: (event: EmulatorEvent) => void): () => void;
  /**
   * Fault injection: REST calls throttled, failed, delayed or left hanging; connections refused or dropped;
   * delivery delayed or paused; event-handler calls failed or timed out. Each rule by count, seeded
   * probability or duration. With no rule in force the emulator pays one length check per hook.
   *
   * @example
   * ```ts
   * using throttled = emulator.faults.add({ kind: "rest", operation: "sendToAll", status: 429, retryAfterSeconds: 1, count: 2 });
   * ```
   */
  readonly faults: EmulatorFaults;
  /** Stops listening, closes every socket and clears every timer. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
