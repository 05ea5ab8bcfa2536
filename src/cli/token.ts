// `webpubsub token`: mints a client access token and prints the WebSocket URL (or JSON with --json).
import { parseArgs } from "node:util";
import { WebPubSubServiceClient } from "../client/WebPubSubServiceClient";
import { ValidationError } from "../errors";
import { connectionStringFrom, missingConnectionString } from "./common";
import { hubName, nonEmpty, positiveNumber, reportUsage, UsageError } from "./usage";

const help = `usage: webpubsub token --hub HUB [--user ID] [--role ROLE]... [--group GROUP]... [--minutes 60]
                       [--protocol default|mqtt|socketio] [--json] [--connection-string CS]

Mints a client access token and prints the client URL. The connection string comes from
--connection-string or the WebPubSubConnectionString (or WEBPUBSUB_CONNECTION_STRING) environment variable;
it is never printed.
Exit status: 0 on success, 2 for bad usage.
`;

interface Plan {
  client: WebPubSubServiceClient;
  options: Parameters<WebPubSubServiceClient["getClientAccessToken"]>[0];
  json: boolean;
}

function plan(argv: string[]): Plan | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        hub: { type: "string" },
        user: { type: "string" },
        role: { type: "string", multiple: true },
        group: { type: "string", multiple: true },
        minutes: { type: "string", default: "60" },
        protocol: { type: "string", default: "default" },
        json: { type: "boolean", default: false },
        "connection-string": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return "help";
  if (values.hub === undefined) throw new UsageError("--hub is required");
  const hub = hubName(values.hub);
  const user = nonEmpty("--user", values.user);
  for (const role of values.role ?? []) nonEmpty("--role", role);
  for (const group of values.group ?? []) nonEmpty("--group", group);
  const minutes = positiveNumber("--minutes", values.minutes);
  const protocol = values.protocol;
  if (protocol !== "default" && protocol !== "mqtt" && protocol !== "socketio") {
    throw new UsageError(`--protocol "${protocol}" is not one of default, mqtt, socketio`);
  }
  const clientProtocol: "default" | "mqtt" | "socketio" = protocol;
  const connectionString = connectionStringFrom(values["connection-string"]);
  if (connectionString === undefined) throw new UsageError(missingConnectionString);
  const client = new WebPubSubServiceClient(connectionString, hub);
  const options = {
    ...(user === undefined ? {} : { userId: user }),
    ...(values.role === undefined ? {} : { roles: values.role }),
    ...(values.group === undefined ? {} : { groups: values.group }),
    expirationTimeInMinutes: minutes,
    clientProtocol,
  };
  return { client, options, json: values.json };
}

export async function run(argv: string[]): Promise<number> {
  let p: Plan | "help";
  try {
    p = plan(argv);
  } catch (error) {
    // A malformed connection string is bad usage too; its message never contains the key.
    if (error instanceof UsageError || error instanceof ValidationError)
      return reportUsage("token", error.message, help);
    throw error;
  }
  if (p === "help") {
    process.stdout.write(help);
    return 0;
  }
  try {
    const token = await p.client.getClientAccessToken(p.options);
    process.stdout.write(
      p.json ? `${JSON.stringify({ ...token, expiresOn: token.expiresOn.toISOString() })}\n` : `${token.url}\n`,
    );
    return 0;
  } finally {
    await p.client.close();
  }
}
