// startEmulator's options, checked up front (a clear TypeError naming the bad value) and with defaults filled in.
import { escapingLog } from "./log";
import { parsePublicEndpoint } from "./auth/endpoint";
import type { ResolvedConfig } from "./config/resolved";
import type { EmulatorOptions } from "./types";

/** The access key of Microsoft's local emulator, used by default so its connection string works here too. */
export const defaultAccessKey = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";

/** EmulatorOptions, checked, with every default applied. */
export interface Settings {
  host: string;
  port: number;
  accessKey: string;
  log: (line: string) => void;
  /** Whether `log` goes anywhere (hot paths skip building lines nobody reads). */
  logging: boolean;
  reconnectionGraceMs: number;
  recordMessages: boolean;
  maxBodyBytes: number;
  publicEndpoint: URL | undefined;
  requestTimeoutMs: number;
  maxGroupsPerConnection: number;
  ui: boolean;
  mqttSessionExpiryMs: number;
}

/** The options win over a configuration's `host`, `port` and `accessKey`, which win over the defaults. */
export function resolveOptions(options: EmulatorOptions, config?: ResolvedConfig): Settings {
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
  const publicEndpoint = parsePublicEndpoint(options.publicEndpoint);
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 1)
    throw new TypeError(`requestTimeoutMs ${String(requestTimeoutMs)} must be a positive integer (milliseconds).`);
  const maxGroupsPerConnection = options.maxGroupsPerConnection ?? 1000;
  if (!Number.isInteger(maxGroupsPerConnection) || maxGroupsPerConnection < 1)
    throw new TypeError(`maxGroupsPerConnection ${String(maxGroupsPerConnection)} must be a positive integer.`);
  return {
    host: options.host ?? config?.host ?? "127.0.0.1",
    port,
    accessKey,
    log: options.log === undefined ? () => {} : escapingLog(options.log),
    logging: options.log !== undefined,
    reconnectionGraceMs: options.reconnectionGraceMs ?? 30_000,
    recordMessages: options.recordMessages ?? true,
    maxBodyBytes: options.maxBodyBytes ?? 16 * 1024 * 1024,
    publicEndpoint,
    requestTimeoutMs,
    maxGroupsPerConnection,
    ui: options.ui === true,
    mqttSessionExpiryMs,
  };
}
