// webpubsub/emulator: a local Azure Web PubSub service (REST data plane + WebSocket clients) for
// development and tests. Never loaded by the main entry.
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { HubRegistry, type EmulatorCore } from "./core";
import type { ReceivedMessage } from "./messages";
import { MqttEndpoint } from "./mqtt/endpoint";
import { Observation, type EmulatorEvent } from "./observe";
import { RestApi } from "./rest";
import { createLiveView, type LiveView } from "./ui/index";
import { Upstream, type HubSettings } from "./upstream";
import { answerClientErrors, ownOrigins, parsePublicEndpoint } from "./endpoint";
import { ClientEndpoint } from "./websocket";

export type { HubSettings } from "./upstream";
export type { ReceivedMessage, DataType } from "./messages";
export type { EmulatorEvent, RestEvent, FrameEvent, UpstreamEvent, ConnectionEvent, RefusedEvent, GroupEvent } from "./observe";
export { compileFilter, FilterSyntaxError, type FilterSubject, type FilterPredicate } from "./filter";

/** The access key of Microsoft's local emulator, used by default so its connection string works here too. */
export const defaultAccessKey = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";

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
  /** Event handlers per hub name, e.g. `{ chat: { url: "http://localhost:3000/eventhandler/{event}" } }`. */
  hubs?: Record<string, HubSettings>;
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
  waitForConnections(hub: string, predicate: (connections: ConnectionInfo[]) => boolean, options?: { timeoutMs?: number }): Promise<ConnectionInfo[]>;
  /**
   * Sets (or with `undefined`, removes) a hub's event handler settings while running, as the portal's
   * event handler page would; new events use them at once.
   */
  setHub(hub: string, settings: HubSettings | undefined): void;
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
  /** Stops listening, closes every socket and clears every timer. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts a local Web PubSub emulator.
 *
 * @example
 * ```ts
 * const emulator = await startEmulator({ port: 0 });
 * const client = new WebPubSubServiceClient(emulator.connectionString, "chat");
 * // ... connect clients, publish, assert with emulator.nextMessage(connectionId)
 * await emulator.close();
 * ```
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`port ${String(port)} is not a port number (0–65535).`);
  const accessKey = options.accessKey ?? defaultAccessKey;
  if (typeof accessKey !== "string" || accessKey === "") throw new TypeError("accessKey must be a non-empty string.");
  const mqttSessionExpiryMs = options.mqttSessionExpiryMs ?? 30_000;
  if (!Number.isInteger(mqttSessionExpiryMs) || mqttSessionExpiryMs < 0) throw new TypeError(`mqttSessionExpiryMs ${String(mqttSessionExpiryMs)} is not a whole number of milliseconds (0 or more).`);
  const log = options.log ?? (() => {});
  const publicEndpoint = parsePublicEndpoint(options.publicEndpoint);
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 1) throw new TypeError(`requestTimeoutMs ${String(requestTimeoutMs)} must be a positive integer (milliseconds).`);
  const maxGroupsPerConnection = options.maxGroupsPerConnection ?? 1000;
  if (!Number.isInteger(maxGroupsPerConnection) || maxGroupsPerConnection < 1) throw new TypeError(`maxGroupsPerConnection ${String(maxGroupsPerConnection)} must be a positive integer.`);
  let origins: string[] = [];
  const observation = new Observation();
  const registry = new HubRegistry(observation);
  const upstreams = new Map<string, Upstream>();
  const hubSettings = new Map<string, HubSettings>(Object.entries(options.hubs ?? {}).map(([name, settings]) => [name.toLowerCase(), settings]));
  let origin = `${host}:${port}`;

  const core: EmulatorCore = {
    accessKey,
    keyBytes: new TextEncoder().encode(accessKey),
    log,
    reconnectionGraceMs: options.reconnectionGraceMs ?? 30_000,
    recordMessages: options.recordMessages ?? true,
    observation,
    maxGroupsPerConnection,
    origins: () => origins,
    publicOrigin: () => origins[0] as string,
    hub: (name) => registry.get(name),
    existingHub: (name) => registry.find(name),
    prune: (hub) => registry.prune(hub),
    upstream: (hub) => {
      const key = hub.toLowerCase();
      let upstream = upstreams.get(key);
      if (upstream === undefined) {
        const settings = hubSettings.get(key);
        if (settings === undefined) return undefined;
        upstream = new Upstream(settings, accessKey, origin, log, observation);
        upstreams.set(key, upstream);
      }
      return upstream;
    },
  };
  const clients = new ClientEndpoint(core);
  // MQTT clients (/clients/mqtt/hubs/{hub}) have their own endpoint; their sessions live in the same hubs.
  const mqtt = new MqttEndpoint(core, { sessionExpiryMs: mqttSessionExpiryMs });
  const rest = new RestApi(core, clients, options.maxBodyBytes ?? 16 * 1024 * 1024);
  const sockets = new Set<Socket>();
  let ui: LiveView | undefined;
  // A request that trickles in is answered 408 (checked every second, not Node's default 30 s).
  const serverOptions = { keepAliveTimeout: 65_000, requestTimeout: requestTimeoutMs, headersTimeout: Math.min(60_000, requestTimeoutMs), connectionsCheckingInterval: Math.min(1000, requestTimeoutMs) };
  const server: Server = createServer(serverOptions, (req, res) => {
    if (ui?.handle(req, res) === true) return;
    void rest.handle(req, res);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("upgrade", (req, socket, head) => (MqttEndpoint.serves(req.url) ? mqtt.handleUpgrade(req, socket, head) : clients.handleUpgrade(req, socket, head)));
  answerClientErrors(server);

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  const endpointHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  origin = `${endpointHost}:${actualPort}`;
  origins = ownOrigins(host, actualPort, publicEndpoint);
  if (publicEndpoint === undefined) origins.unshift(`http://${origin}`.toLowerCase());
  origins = [...new Set(origins)];
  const endpoint = publicEndpoint?.origin ?? `http://${origin}`;
  log(`emulator listening on ${endpoint}`);

  const info = (hubName: string, c: import("./connection").ClientConnection): ConnectionInfo => ({
    hub: hubName,
    connectionId: c.connectionId,
    userId: c.userId,
    groups: [...c.groups],
    roles: [...c.roles],
    subprotocol: c.subprotocol,
    online: c.socket !== undefined,
    connectedAt: new Date(c.connectedAt.getTime()),
    lastActivityAt: new Date(c.lastActivityAt),
  });
  const connections = (hub?: string): ConnectionInfo[] => {
    const hubs = hub === undefined ? registry.all() : [registry.find(hub)].filter((h) => h !== undefined);
    return hubs.flatMap((h) => [...h.connections.values()].map((c) => info(h.name, c)));
  };
  if (options.ui === true) ui = createLiveView({ accessKey, keyBytes: core.keyBytes, connections: () => connections(), watch: (listener) => observation.add(listener) }, endpoint);
  let closed: Promise<void> | undefined;
  const emulator: Emulator = {
    connectionString: `Endpoint=${endpoint};AccessKey=${accessKey};Version=1.0;`,
    endpoint,
    port: actualPort,
    liveViewUrl: ui?.url,
    hubs: () => registry.all().map((h) => h.name),
    connections,
    nextMessage(connectionId, opts) {
      for (const hub of registry.all()) {
        const c = hub.connections.get(connectionId);
        if (c !== undefined) return c.nextMessage(opts?.timeoutMs ?? 5000);
      }
      return Promise.reject(new Error(`no connection ${connectionId}`));
    },
    setHub(hub, settings) {
      const key = hub.toLowerCase();
      upstreams.delete(key);
      if (settings === undefined) hubSettings.delete(key);
      else hubSettings.set(key, settings);
    },
    dropConnection(connectionId) {
      for (const hub of registry.all()) {
        const socket = hub.connections.get(connectionId)?.socket;
        if (socket !== undefined) {
          socket.terminate();
          return true;
        }
      }
      return false;
    },
    watch: (listener) => observation.add(listener),
    async waitForConnections(hub, predicate, opts) {
      const deadline = Date.now() + (opts?.timeoutMs ?? 5000);
      for (;;) {
        const list = connections(hub);
        if (predicate(list)) return list;
        if (Date.now() > deadline) throw new Error(`hub ${hub}: the expected connections did not appear in time (have ${list.length})`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const hub of registry.all()) for (const c of [...hub.connections.values()]) hub.remove(c);
        clients.closeAll();
        mqtt.closeAll();
        ui?.close();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
    [Symbol.asyncDispose]() {
      return this.close();
    },
  };
  return emulator;
}
