// `webpubsub emulator`: runs the local emulator until interrupted, logging connections and requests.
import { parseArgs } from "node:util";
import { defaultAccessKey, EmulatorConfigError, FaultRuleError, startEmulator } from "../emulator/index";
import { loadConfigFile } from "../emulator/config/load";
import { environmentDefaults, environmentVariables as env } from "./environment";
import { hubName, integerIn, reportUsage, UsageError } from "./usage";

const help = `usage: webpubsub emulator [--port 8080] [--host 127.0.0.1] [--access-key KEY] [--config FILE] [--faults FILE] [--upstream HUB=URL]... [--public-endpoint URL] [--no-ui] [--quiet]

Starts a local Azure Web PubSub emulator (REST data plane and WebSocket clients) and prints its
connection string. --config reads hub settings from a JSON file, either { "hubs": { HUB: <hub
properties as deployed> } } or Microsoft's emulator's appsettings.json, and applies each later edit
without dropping connections (see docs/emulator-config.md). --upstream sends a hub's events to one
event handler (URL may use {hub} and {event}), replacing that hub's handlers from the file.
It also serves a live view of connections, groups and traffic at the printed URL (which carries a token
derived from the access key); --no-ui turns it off. Behind a proxy, --public-endpoint names the URL
clients use (e.g. https://pubsub.example.com): tokens must be minted for it.
--faults injects faults from a JSON file ({ "faults": [ rules ] }: REST throttling and outages, refused or
dropped connections, held deliveries, failing event handlers) and follows its edits; an invalid edit is
refused naming the field and the previous rules stay (see docs/testing-unhappy-paths.md).
Environment: ${env.port}, ${env.host}, ${env.accessKey} and ${env.config}
give defaults; flags win over the file, the file over the environment.
Exit status: 0 when stopped with Ctrl+C, 2 for bad usage (including a port already in use or an invalid
--config or --faults file).
`;

/** `HUB=URL` checked at start-up, so a typo is reported once here and not as a failed connect per client. */
function upstream(spec: string): [string, { url: string }] {
  const eq = spec.indexOf("=");
  if (eq <= 0) throw new UsageError(`--upstream "${spec}" must look like HUB=URL`);
  const hub = hubName(spec.slice(0, eq), `--upstream "${spec}": the hub`);
  const url = spec.slice(eq + 1);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url.replaceAll("{hub}", hub).replaceAll("{event}", "connect"));
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    throw new UsageError(
      `--upstream "${spec}": "${url}" is not an http:// or https:// URL (e.g. chat=http://localhost:3000/eventhandler/{event})`,
    );
  }
  return [hub, { url }];
}

function plan(argv: string[]) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "access-key": { type: "string" },
        config: { type: "string" },
        faults: { type: "string" },
        upstream: { type: "string", multiple: true },
        "public-endpoint": { type: "string" },
        quiet: { type: "boolean", default: false },
        "no-ui": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const port =
    values.port === undefined ? undefined : integerIn("--port", values.port, 0, 65535, " (0 = any free port)");
  if (values["access-key"]?.trim() === "") throw new UsageError("--access-key must not be empty");
  if (values.config?.trim() === "") throw new UsageError("--config must name a file");
  if (values.faults?.trim() === "") throw new UsageError("--faults must name a file");
  const hubs = Object.fromEntries((values.upstream ?? []).map(upstream));
  return { ...values, port, hubs };
}

/** Flags, then the --config file, then the environment, then the built-in defaults. */
async function listening(values: ReturnType<typeof plan>) {
  const defaults = environmentDefaults(process.env);
  const configFile = values.config ?? defaults.config;
  const file = configFile === undefined ? undefined : await loadConfigFile(configFile);
  return {
    port: values.port ?? file?.port ?? defaults.port ?? 8080,
    host: values.host ?? file?.host ?? defaults.host ?? "127.0.0.1",
    accessKey: values["access-key"] ?? file?.accessKey ?? defaults.accessKey ?? defaultAccessKey,
    configFile,
  };
}

export async function run(argv: string[]): Promise<number> {
  let values: ReturnType<typeof plan>;
  let where: Awaited<ReturnType<typeof listening>>;
  try {
    values = plan(argv);
    if (values.help) {
      process.stdout.write(help);
      return 0;
    }
    where = await listening(values);
  } catch (error) {
    if (error instanceof UsageError || error instanceof EmulatorConfigError)
      return reportUsage("emulator", error.message, help);
    throw error;
  }
  // --quiet keeps what concerns the configuration (notices, reloads, refused edits), on stderr.
  const log = values.quiet
    ? (line: string) => {
        if (line.startsWith("notice: ") || line.startsWith("config: ") || line.startsWith("faults: "))
          process.stderr.write(`${line}\n`);
      }
    : (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  const publicEndpoint = values["public-endpoint"] === undefined ? {} : { publicEndpoint: values["public-endpoint"] };
  let emulator;
  try {
    emulator = await startEmulator({
      port: where.port,
      host: where.host,
      accessKey: where.accessKey,
      hubs: values.hubs,
      ui: !values["no-ui"],
      ...publicEndpoint,
      ...(where.configFile === undefined ? {} : { configFile: where.configFile }),
      ...(values.faults === undefined ? {} : { faultsFile: values.faults }),
      log,
    });
  } catch (error) {
    // The emulator's own option checks (e.g. --public-endpoint) are usage errors too.
    if (error instanceof TypeError || error instanceof FaultRuleError)
      return reportUsage("emulator", error.message, help);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      return reportUsage(
        "emulator",
        `port ${where.port} on ${where.host} is already in use; choose another with --port (--port 0 picks a free one)`,
        help,
      );
    }
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
      return reportUsage("emulator", `--host "${where.host}" is not an address of this machine`, help);
    throw error;
  }
  // With logging on, the emulator has already said where it listens.
  // Behind a proxy (--public-endpoint) both matter: where the emulator listens, and what clients are told.
  const hostPart = where.host.includes(":") ? `[${where.host}]` : where.host === "0.0.0.0" ? "127.0.0.1" : where.host;
  const listeningAt = `http://${hostPart}:${emulator.port}`;
  const publicLine =
    emulator.endpoint === listeningAt ? "" : `Public endpoint (in the connection string): ${emulator.endpoint}\n`;
  const listeningLine = values.quiet ? `Web PubSub emulator listening on ${listeningAt}\n${publicLine}` : "";
  const view = emulator.liveViewUrl === undefined ? "" : `Live view:\n  ${emulator.liveViewUrl}\n`;
  // Listen for the signals before saying we are ready: whoever reads the output may stop us at once.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  process.stdout.write(
    `${listeningLine}Connection string:\n  ${emulator.connectionString}\n${view}Press Ctrl+C to stop.\n`,
  );
  await stopped;
  await emulator.close();
  return 0;
}
