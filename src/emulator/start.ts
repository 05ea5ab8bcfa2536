// startEmulator: checks the options, builds the parts around one shared state (hubs, connections, groups),
// serves them on one node:http server, and hands back the Emulator a test or app drives.
import { ownOrigins } from "./auth/endpoint";
import { createLiveView, type LiveView } from "./liveview/liveview";
import { Observation } from "./liveview/observe";
import { resolveOptions, type Settings } from "./options";
import { MqttEndpoint } from "./protocols/mqtt/endpoint";
import { ClientEndpoint } from "./protocols/websocket/endpoint";
import { RestApi } from "./rest/api";
import { createEmulatorServer, type EmulatorServer } from "./server";
import type { ClientConnection } from "./state/connection";
import { HubRegistry, type EmulatorCore } from "./state/core";
import type { ConnectionInfo, Emulator, EmulatorOptions } from "./types";
import { Upstreams } from "./upstream/hubs";
import { ConfigRuntime, readInitialConfig } from "./config/runtime";
import { FaultController } from "./faults/controller";
import { FaultDeliveryGate } from "./faults/delivery";
import { followFaultsFile } from "./faults/file";
import { dropOnStart, refuseUpgrade } from "./faults/sockets";

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
  const settings = resolveOptions(options, initial.config);
  const observation = new Observation();
  const faults = new FaultController(observation);
  const registry = new HubRegistry(observation, new FaultDeliveryGate(faults));
  // Where the emulator is reachable; known once it listens (upstream clients and tokens are made after that).
  const address = { origin: `${settings.host}:${settings.port}`, origins: [] as string[] };
  // Keep-alive timers pick up edited intervals when the configuration changes.
  const configs = new ConfigRuntime(initial, options.hubs, settings.log, () => clients.keepAlive.reschedule());
  const upstreams = new Upstreams(configs, settings.accessKey, () => address.origin, settings.log, observation, faults);
  const core = createCore(settings, registry, observation, upstreams, configs, address, faults);
  const clients = new ClientEndpoint(core);
  dropOnStart(faults, registry, (connection, code, reason) => clients.endWith(connection, code, reason));
  for (const [i, rule] of (options.faults ?? []).entries()) faults.add(rule, "api", `faults[${i}]`);
  const faultsFile =
    options.faultsFile === undefined ? undefined : await followFaultsFile(faults, options.faultsFile, settings.log);
  // MQTT clients (/clients/mqtt/hubs/{hub}) have their own endpoint; their sessions live in the same hubs.
  const mqtt = new MqttEndpoint(core, { sessionExpiryMs: settings.mqttSessionExpiryMs });
  const rest = new RestApi(core, clients, settings.maxBodyBytes);
  let ui: LiveView | undefined;
  const server = createEmulatorServer(settings.requestTimeoutMs, {
    liveView: (req, res) => ui?.handle(req, res) === true,
    rest: (req, res) => rest.handle(req, res),
    isMqtt: (url) => MqttEndpoint.serves(url),
    mqttUpgrade: (req, socket, head) => mqtt.handleUpgrade(req, socket, head),
    clientUpgrade: (req, socket, head) => clients.handleUpgrade(req, socket, head),
    refuseUpgrade: (req, socket, mqtt) => faults.rules.refuse.length !== 0 && refuseUpgrade(faults, req, socket, mqtt),
    log: settings.log,
  });
  const port = await server.listen(settings.port, settings.host);
  const endpoint = settle(address, settings, port);
  // Behind a proxy the connection string names the public endpoint; the proxy needs where we really listen.
  const listeningAt = `http://${address.origin}`;
  settings.log(
    endpoint === listeningAt
      ? `emulator listening on ${endpoint}`
      : `emulator listening on ${listeningAt}; public endpoint (in the connection string) ${endpoint}`,
  );
  if (initial.file !== undefined) configs.follow(initial.file);
  const connections = connectionLister(registry);
  if (settings.ui)
    ui = createLiveView(
      {
        accessKey: settings.accessKey,
        keyBytes: core.keyBytes,
        connections: () => connections(),
        watch: (listener) => observation.add(listener),
        faults,
      },
      endpoint,
    );
  const stop = (): void => {
    clients.closeAll();
    mqtt.closeAll();
    ui?.close();
    configs.close();
    faultsFile?.close();
    faults.clear();
  };
  return emulatorApi({
    settings,
    endpoint,
    port,
    liveViewUrl: ui?.url,
    registry,
    observation,
    upstreams,
    configs,
    server,
    faults,
    stop,
  });
}

function createCore(
  settings: Settings,
  registry: HubRegistry,
  observation: Observation,
  upstreams: Upstreams,
  configs: ConfigRuntime,
  address: { origins: string[] },
  faults: FaultController,
): EmulatorCore {
  return {
    accessKey: settings.accessKey,
    keyBytes: new TextEncoder().encode(settings.accessKey),
    log: settings.logging ? settings.log : undefined,
    reconnectionGraceMs: settings.reconnectionGraceMs,
    recordMessages: settings.recordMessages,
    observation,
    maxGroupsPerConnection: settings.maxGroupsPerConnection,
    origins: () => address.origins,
    publicOrigin: () => address.origins[0] as string,
    hub: (name) => registry.get(name),
    existingHub: (name) => registry.find(name),
    prune: (hub) => registry.prune(hub),
    upstream: (hub) => upstreams.get(hub),
    hubSettings: (hub) => configs.store.get(hub),
    faults,
  };
}

/** Fills in the address once the port is known; returns the endpoint clients are told to use. */
function settle(address: { origin: string; origins: string[] }, settings: Settings, port: number): string {
  const { host, publicEndpoint } = settings;
  const endpointHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  address.origin = `${endpointHost}:${port}`;
  const origins = ownOrigins(host, port, publicEndpoint);
  if (publicEndpoint === undefined) origins.unshift(`http://${address.origin}`.toLowerCase());
  address.origins = [...new Set(origins)];
  return publicEndpoint?.origin ?? `http://${address.origin}`;
}

function connectionLister(registry: HubRegistry): (hub?: string) => ConnectionInfo[] {
  const info = (hubName: string, c: ClientConnection): ConnectionInfo => ({
    hub: hubName,
    connectionId: c.connectionId,
    userId: c.userId,
    groups: [...c.groups],
    roles: [...c.roles],
    subprotocol: c.subprotocol,
    online: c.socket !== undefined,
    connectedAt: c.connectedAt,
    lastActivityAt: new Date(c.lastActivityAt),
  });
  return (hub) => {
    const hubs = hub === undefined ? registry.all() : [registry.find(hub)].filter((h) => h !== undefined);
    return hubs.flatMap((h) => [...h.connections.values()].map((c) => info(h.name, c)));
  };
}

interface Parts {
  settings: Settings;
  endpoint: string;
  port: number;
  liveViewUrl: string | undefined;
  registry: HubRegistry;
  observation: Observation;
  upstreams: Upstreams;
  configs: ConfigRuntime;
  server: EmulatorServer;
  faults: FaultController;
  /** Closes every client endpoint and the live view. */
  stop(): void;
}

/** The Emulator handed to the caller: what it may ask of and do to the running emulator. */
function emulatorApi(parts: Parts): Emulator {
  const { registry } = parts;
  const connections = connectionLister(registry);
  const find = (connectionId: string): ClientConnection | undefined => {
    for (const hub of registry.all()) {
      const c = hub.connections.get(connectionId);
      if (c !== undefined) return c;
    }
    return undefined;
  };
  let closed: Promise<void> | undefined;
  return {
    connectionString: `Endpoint=${parts.endpoint};AccessKey=${parts.settings.accessKey};Version=1.0;`,
    endpoint: parts.endpoint,
    port: parts.port,
    liveViewUrl: parts.liveViewUrl,
    hubs: () => registry.all().map((h) => h.name),
    connections,
    nextMessage(connectionId, opts) {
      const c = find(connectionId);
      if (c !== undefined) return c.nextMessage(opts?.timeoutMs ?? 5000);
      return Promise.reject(new Error(`no connection ${connectionId}`));
    },
    setHub: (hub, settings) => parts.upstreams.set(hub, settings),
    setConfig: (config) => parts.configs.set(config),
    dropConnection(connectionId) {
      const socket = find(connectionId)?.socket;
      socket?.terminate();
      return socket !== undefined;
    },
    watch: (listener) => parts.observation.add(listener),
    faults: parts.faults.api(),
    waitForConnections: (hub, predicate, opts) => waitFor(() => connections(hub), hub, predicate, opts?.timeoutMs),
    close() {
      closed ??= (async () => {
        for (const hub of registry.all()) for (const c of [...hub.connections.values()]) hub.remove(c);
        parts.stop();
        await parts.server.close();
      })();
      return closed;
    },
    [Symbol.asyncDispose]() {
      return this.close();
    },
  };
}

async function waitFor(
  list: () => ConnectionInfo[],
  hub: string,
  predicate: (connections: ConnectionInfo[]) => boolean,
  timeoutMs = 5000,
): Promise<ConnectionInfo[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = list();
    if (predicate(now)) return now;
    if (Date.now() > deadline)
      throw new Error(`hub ${hub}: the expected connections did not appear in time (have ${now.length})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
