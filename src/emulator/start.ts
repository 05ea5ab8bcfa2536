// startEmulator: builds the emulator's parts around one shared state and serves them on one node:http server.
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { ClientConnection } from "./state/connection";
import { HubRegistry, type EmulatorCore } from "./state/core";
import { MqttEndpoint } from "./protocols/mqtt/endpoint";
import { Observation } from "./liveview/observe";
import { RestApi } from "./rest/api";
import { createLiveView, type LiveView } from "./liveview/liveview";
import { Upstream } from "./upstream/client";
import { UpstreamRouter } from "./upstream/router";
import { resolveLegacyHubs } from "./config/parse";
import { ConfigRuntime, readInitialConfig } from "./config/runtime";
import { answerClientErrors, ownOrigins, parsePublicEndpoint } from "./auth/endpoint";
import type { ConnectionInfo, Emulator, EmulatorOptions } from "./types";
import { ClientEndpoint } from "./protocols/websocket/endpoint";

/** The access key of Microsoft's local emulator, used by default so its connection string works here too. */
export const defaultAccessKey = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";

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
  const initial = await readInitialConfig(options);
  const { config } = initial;
  const host = options.host ?? config?.host ?? "127.0.0.1";
  const port = options.port ?? config?.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new TypeError(`port ${String(port)} is not a port number (0–65535).`);
  const accessKey = options.accessKey ?? config?.accessKey ?? defaultAccessKey;
  if (typeof accessKey !== "string" || accessKey === "") throw new TypeError("accessKey must be a non-empty string.");
  const mqttSessionExpiryMs = options.mqttSessionExpiryMs ?? 30_000;
  if (!Number.isInteger(mqttSessionExpiryMs) || mqttSessionExpiryMs < 0)
    throw new TypeError(
      `mqttSessionExpiryMs ${String(mqttSessionExpiryMs)} is not a whole number of milliseconds (0 or more).`,
    );
  const log = options.log ?? (() => {});
  const publicEndpoint = parsePublicEndpoint(options.publicEndpoint);
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 1)
    throw new TypeError(`requestTimeoutMs ${String(requestTimeoutMs)} must be a positive integer (milliseconds).`);
  const maxGroupsPerConnection = options.maxGroupsPerConnection ?? 1000;
  if (!Number.isInteger(maxGroupsPerConnection) || maxGroupsPerConnection < 1)
    throw new TypeError(`maxGroupsPerConnection ${String(maxGroupsPerConnection)} must be a positive integer.`);
  let origins: string[] = [];
  const observation = new Observation();
  const registry = new HubRegistry(observation);
  // The `hubs` option is per-hub event handlers over the configuration, as `--upstream` flags over a file.
  const configs = new ConfigRuntime(initial, options.hubs, log, () => clients.keepAlive.reschedule());
  const settings = configs.store;
  let origin = `${host}:${port}`;
  const router = new UpstreamRouter((handler) => new Upstream(handler, accessKey, origin, log, observation));

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
    upstream: (hub) => router.route(settings.get(hub)),
    hubSettings: (hub) => settings.get(hub),
  };
  const clients = new ClientEndpoint(core);
  // MQTT clients (/clients/mqtt/hubs/{hub}) have their own endpoint; their sessions live in the same hubs.
  const mqtt = new MqttEndpoint(core, { sessionExpiryMs: mqttSessionExpiryMs });
  const rest = new RestApi(core, clients, options.maxBodyBytes ?? 16 * 1024 * 1024);
  const sockets = new Set<Socket>();
  let ui: LiveView | undefined;
  // A request that trickles in is answered 408 (checked every second, not Node's default 30 s).
  const serverOptions = {
    keepAliveTimeout: 65_000,
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(60_000, requestTimeoutMs),
    connectionsCheckingInterval: Math.min(1000, requestTimeoutMs),
  };
  const server: Server = createServer(serverOptions, (req, res) => {
    if (ui?.handle(req, res) === true) return;
    void rest.handle(req, res);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("upgrade", (req, socket, head) =>
    MqttEndpoint.serves(req.url) ? mqtt.handleUpgrade(req, socket, head) : clients.handleUpgrade(req, socket, head),
  );
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
  if (initial.file !== undefined) configs.follow(initial.file);

  const info = (hubName: string, c: ClientConnection): ConnectionInfo => ({
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
  if (options.ui === true)
    ui = createLiveView(
      {
        accessKey,
        keyBytes: core.keyBytes,
        connections: () => connections(),
        watch: (listener) => observation.add(listener),
      },
      endpoint,
    );
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
    setHub(hub, hubSettings) {
      const handlers =
        hubSettings === undefined
          ? undefined
          : (resolveLegacyHubs({ [hub]: hubSettings }, "setHub").get(hub.toLowerCase())?.handlers ?? []);
      settings.setHandlers(hub, handlers);
    },
    setConfig: (next) => configs.set(next),
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
        if (Date.now() > deadline)
          throw new Error(`hub ${hub}: the expected connections did not appear in time (have ${list.length})`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const hub of registry.all()) for (const c of [...hub.connections.values()]) hub.remove(c);
        clients.closeAll();
        mqtt.closeAll();
        ui?.close();
        configs.close();
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
