// Running the user's handlers and turning what they do (reply now, reply later, return, throw) into a reply.
import { textResponse, type EventHttpResponse } from "./message";
import type { Responder } from "./responders";
import type { ConnectionContext } from "./types";

/** Reports a handler's error to the user's `onError`, if any. */
export type Report = (error: unknown, context: ConnectionContext) => void;

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === "function";
}

/**
 * Runs a blocking handler. It replies through `res` (now or later, as in @azure/web-pubsub-express); an async handler
 * that resolves without replying gets the default reply, and a throwing one a 500.
 */
export async function runBlocking<T>(
  responder: Responder<T>,
  context: ConnectionContext,
  report: Report,
  invoke: () => unknown,
): Promise<EventHttpResponse> {
  const failed = (error: unknown): void => {
    report(error, context);
    if (!responder.done) {
      // Settle through the responder so a later success/fail call is ignored.
      (responder.handler as { fail(code: 500, detail: string): void }).fail(500, "The event handler failed");
    }
  };
  try {
    const result = invoke();
    if (isPromiseLike(result)) {
      result.then(() => {
        if (!responder.done) responder.settleDefault();
      }, failed);
    }
  } catch (error) {
    failed(error);
  }
  return responder.reply;
}

/**
 * Runs a non-blocking handler (connected, disconnected, group events). Awaited before replying
 * (@azure/web-pubsub-express
 * replies first) so serverless hosts do not freeze the work midway; the service does not hold the client
 * for these events.
 */
export async function runNonBlocking(
  context: ConnectionContext,
  report: Report,
  invoke: () => unknown,
): Promise<EventHttpResponse> {
  try {
    await invoke();
  } catch (error) {
    report(error, context);
    return textResponse(500, "The event handler failed");
  }
  return { status: 200, headers: {} };
}
