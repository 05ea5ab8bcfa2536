// `webpubsub emulator`: runs the local emulator until interrupted, logging connections and requests.
import { parseArgs } from "node:util";
import { defaultAccessKey, startEmulator } from "../emulator/index";

const help = `usage: webpubsub emulator [--port 8080] [--host 127.0.0.1] [--access-key KEY] [--upstream HUB=URL]... [--public-endpoint URL] [--no-ui] [--quiet]

Starts a local Azure Web PubSub emulator (REST data plane and WebSocket clients) and prints its
connection string. --upstream sends a hub's events to an event handler (URL may use {hub} and {event}).
It also serves a live view of connections, groups and traffic at the printed URL (which carries a token
derived from the access key); --no-ui turns it off. Behind a proxy, --public-endpoint names the URL
clients use (e.g. https://pubsub.example.com): tokens must be minted for it.
`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: "string", default: "8080" },
        host: { type: "string", default: "127.0.0.1" },
        "access-key": { type: "string", default: defaultAccessKey },
        upstream: { type: "string", multiple: true },
        "public-endpoint": { type: "string" },
        quiet: { type: "boolean", default: false },
        "no-ui": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`webpubsub emulator: ${(error as Error).message}\n\n${help}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`webpubsub emulator: --port "${values.port}" is not a port number (0–65535)\n`);
    return 2;
  }
  const hubs: Record<string, { url: string }> = {};
  for (const spec of values.upstream ?? []) {
    const eq = spec.indexOf("=");
    if (eq <= 0) {
      process.stderr.write(`webpubsub emulator: --upstream "${spec}" must look like HUB=URL\n`);
      return 2;
    }
    hubs[spec.slice(0, eq)] = { url: spec.slice(eq + 1) };
  }
  const log = values.quiet ? undefined : (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  const publicEndpoint = values["public-endpoint"] === undefined ? {} : { publicEndpoint: values["public-endpoint"] };
  let emulator;
  try {
    emulator = await startEmulator({ port, host: values.host, accessKey: values["access-key"], hubs, ui: !values["no-ui"], ...publicEndpoint, ...(log === undefined ? {} : { log }) });
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    process.stderr.write(`webpubsub emulator: ${error.message}\n`);
    return 2;
  }
  // With logging on, the emulator has already said where it listens.
  const where = log === undefined ? `Web PubSub emulator listening on ${emulator.endpoint}\n` : "";
  const view = emulator.liveViewUrl === undefined ? "" : `Live view:\n  ${emulator.liveViewUrl}\n`;
  // Listen for the signals before saying we are ready: whoever reads the output may stop us at once.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  process.stdout.write(`${where}Connection string:\n  ${emulator.connectionString}\n${view}Press Ctrl+C to stop.\n`);
  await stopped;
  await emulator.close();
  return 0;
}
