// The emulator command's defaults from the environment (containers and CI set these rather than flags).
// Precedence: command-line flags, then the --config file, then these, then the built-in defaults.
import { integerIn } from "./usage";

/** The variables `webpubsub emulator` reads, by setting. */
export const environmentVariables = {
  port: "WEBPUBSUB_EMULATOR_PORT",
  host: "WEBPUBSUB_EMULATOR_HOST",
  accessKey: "WEBPUBSUB_EMULATOR_ACCESS_KEY",
  config: "WEBPUBSUB_EMULATOR_CONFIG",
} as const;

export interface EnvironmentDefaults {
  port?: number;
  host?: string;
  accessKey?: string;
  config?: string;
}

/** Reads the variables; an empty one counts as unset, a malformed port is a usage error naming the variable. */
export function environmentDefaults(env: NodeJS.ProcessEnv): EnvironmentDefaults {
  const read = (name: string) => {
    const value = env[name];
    return value === undefined || value.trim() === "" ? undefined : value;
  };
  const out: EnvironmentDefaults = {};
  const port = read(environmentVariables.port);
  if (port !== undefined) out.port = integerIn(environmentVariables.port, port, 0, 65535, " (0 = any free port)");
  const host = read(environmentVariables.host);
  if (host !== undefined) out.host = host.trim();
  const accessKey = read(environmentVariables.accessKey);
  if (accessKey !== undefined) out.accessKey = accessKey;
  const config = read(environmentVariables.config);
  if (config !== undefined) out.config = config;
  return out;
}
