// `webpubsub token`: mints a client access token and prints the WebSocket URL (or JSON with --json).
import { parseArgs } from "node:util";
import { WebPubSubServiceClient } from "../client/WebPubSubServiceClient";
import { connectionStringFrom } from "./common";

const help = `usage: webpubsub token --hub HUB [--user ID] [--role ROLE]... [--group GROUP]... [--minutes 60]
                       [--protocol default|mqtt|socketio] [--json] [--connection-string CS]

Mints a client access token and prints the client URL. The connection string comes from
--connection-string or the WebPubSubConnectionString environment variable; it is never printed.
`;

export async function run(argv: string[]): Promise<number> {
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
    process.stderr.write(`webpubsub token: ${(error as Error).message}\n\n${help}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (values.hub === undefined) {
    process.stderr.write(`webpubsub token: --hub is required\n\n${help}`);
    return 2;
  }
  const connectionString = connectionStringFrom(values["connection-string"], "token");
  if (connectionString === undefined) return 2;
  const minutes = Number(values.minutes);
  const protocol = values.protocol;
  if (protocol !== "default" && protocol !== "mqtt" && protocol !== "socketio") {
    process.stderr.write(`webpubsub token: --protocol "${protocol}" is not one of default, mqtt, socketio\n`);
    return 2;
  }
  const client = new WebPubSubServiceClient(connectionString, values.hub);
  try {
    const token = await client.getClientAccessToken({
      ...(values.user === undefined ? {} : { userId: values.user }),
      ...(values.role === undefined ? {} : { roles: values.role }),
      ...(values.group === undefined ? {} : { groups: values.group }),
      expirationTimeInMinutes: minutes,
      clientProtocol: protocol,
    });
    process.stdout.write(values.json ? `${JSON.stringify({ ...token, expiresOn: token.expiresOn.toISOString() })}\n` : `${token.url}\n`);
    return 0;
  } finally {
    await client.close();
  }
}
