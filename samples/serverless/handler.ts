// A serverless function (AWS Lambda / Azure Functions style) that publishes a notification.
// Run from a fresh clone: npm ci && npm run build, start `npx webpubsub emulator` (or use your service), then
//   WebPubSubConnectionString="<connection string>" npx tsx samples/serverless/handler.ts [text] [userId]
// which invokes the function once, as the platform would, prints its result and shuts down.
// One client is created per warm instance and reused across invocations: its connection pool and signed
// REST tokens survive between calls. Every send is awaited before the function returns, because a frozen
// instance does not finish work that is still in flight.
import { pathToFileURL } from "node:url";
import { RestError, ValidationError, WebPubSubServiceClient } from "webpubsub";

let client: WebPubSubServiceClient | undefined;

function getClient(): WebPubSubServiceClient {
  client ??= new WebPubSubServiceClient(process.env["WebPubSubConnectionString"] ?? "", "notifications", {
    // Leave time for the function's own deadline: give up early rather than be frozen mid-retry.
    totalTimeoutInMs: 10_000,
    retryOptions: { maxRetries: 2 },
  });
  return client;
}

export interface NotifyEvent {
  userId?: string;
  group?: string;
  text: string;
}

/** The function: `{ userId | group, text }` in, an HTTP-like result out. */
export async function handler(event: NotifyEvent): Promise<{ statusCode: number; body: string }> {
  const service = getClient();
  try {
    const message = { text: event.text, at: new Date().toISOString() };
    if (event.userId !== undefined) await service.sendToUser(event.userId, message);
    else if (event.group !== undefined) await service.group(event.group).sendToAll(message);
    else await service.sendToAll(message);
    return { statusCode: 202, body: "sent" };
  } catch (error) {
    if (error instanceof ValidationError) return { statusCode: 400, body: error.message };
    if (error instanceof RestError)
      return { statusCode: 502, body: `service answered ${error.statusCode} (${error.code ?? "no code"})` };
    throw error;
  }
}

/** Called when the platform shuts the instance down (e.g. SIGTERM): closes pooled connections. */
export async function shutdown(): Promise<void> {
  const current = client;
  client = undefined;
  await current?.close();
}

/** For tests: the instance currently reused across invocations. */
export function currentClient(): WebPubSubServiceClient | undefined {
  return client;
}

process.once("SIGTERM", () => void shutdown());

// Run directly (not imported by a platform or a test): one invocation, as the platform would make it.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!process.env["WebPubSubConnectionString"]) {
    console.error(
      'usage: WebPubSubConnectionString="Endpoint=...;AccessKey=...;Version=1.0;" npx tsx samples/serverless/handler.ts [text] [userId]',
    );
    process.exit(2);
  }
  const [text = "Hello from a function", userId] = process.argv.slice(2);
  const result = await handler(userId === undefined ? { text } : { text, userId });
  console.log(`${result.statusCode} ${result.body}`);
  await shutdown();
  process.exit(result.statusCode < 300 ? 0 : 1);
}
