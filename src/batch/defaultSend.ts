// How a batch sends a BatchMessage when the caller gives no `send` of their own.
import type { WebPubSubServiceClient } from "../client/WebPubSubServiceClient";
import { ValidationError } from "../errors";
import type { BatchMessage } from "./types";

// The batch retries, with one throttle for all items; the call itself must not retry as well. One shared
// object, so the client validates it once.
const noClientRetries = Object.freeze({ maxRetries: 0 });

export function defaultSend(
  item: BatchMessage,
  context: { client: WebPubSubServiceClient; abortSignal: AbortSignal; index: number },
): Promise<void> {
  if (item === null || typeof item !== "object" || !("message" in item)) {
    return Promise.reject(
      new ValidationError(
        `items[${context.index}] must be an object with a "message" (and at most one of group, userId, connectionId).`,
        { argument: `items[${context.index}]` },
      ),
    );
  }
  const targets = [item.group, item.userId, item.connectionId].filter((t) => t !== undefined).length;
  if (targets > 1) {
    return Promise.reject(
      new ValidationError(
        `items[${context.index}] names more than one target; use one of group, userId or connectionId.`,
        { argument: `items[${context.index}]` },
      ),
    );
  }
  const options: Record<string, unknown> = { abortSignal: context.abortSignal, retryOptions: noClientRetries };
  if (item.contentType !== undefined) options["contentType"] = item.contentType;
  if (item.filter !== undefined) options["filter"] = item.filter;
  if (item.excludedConnections !== undefined) options["excludedConnections"] = item.excludedConnections;
  if (item.messageTtlSeconds !== undefined) options["messageTtlSeconds"] = item.messageTtlSeconds;
  const client = context.client;
  // The client's overloads are typed per content type; the batch forwards whatever the item says.
  const message = item.message as string;
  const o = options as { contentType: "text/plain" };
  if (item.group !== undefined) return client.group(item.group).sendToAll(message, o);
  if (item.userId !== undefined) return client.sendToUser(item.userId, message, o);
  if (item.connectionId !== undefined) return client.sendToConnection(item.connectionId, message, o);
  return client.sendToAll(message, o);
}
