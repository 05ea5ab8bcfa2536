// A serverless function (AWS Lambda / Azure Functions style) that publishes a notification.
// One client is created per warm instance and reused across invocations: its connection pool and signed
// REST tokens survive between calls. Every send is awaited before the function returns, because a frozen
// instance does not finish work that is still in flight.
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
    if (error instanceof RestError) return { statusCode: 502, body: `service answered ${error.statusCode} (${error.code ?? "no code"})` };
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
