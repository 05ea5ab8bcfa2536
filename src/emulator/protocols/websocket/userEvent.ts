// A user event from a Web PubSub client (a simple client's message, or a json client's `event` frame): to the
// event handler when one wants it; its reply goes back to the client (as a message `from: "server"`, with a
// sequenceId for reliable clients). Per the CloudEvents reference the connection is dropped when the handler
// does not answer with success.
import type { ClientConnection } from "../../state/connection";
import type { EmulatorCore } from "../../state/core";
import { contentTypeToDataType, EncodedMessage, type DataType } from "../../state/messages";
import { keepState } from "../../upstream/client";

/**
 * The error names an ack may carry: those of the service's docs (`Forbidden`, `InternalServerError`,
 * `Duplicate`) and of the response schema's enum (`NotFound`, `Timeout`). A request the service would not
 * carry out (no permission, or a frame outside the request schema) is `Forbidden`.
 */
export type AckErrorName = "Forbidden" | "InternalServerError" | "Duplicate" | "NotFound" | "Timeout";
export type AckError = { name: AckErrorName; message: string };
/** Answers the frame that carried the event (json clients with an ackId); undefined for simple clients. */
export type Ack = ((error?: AckError) => void) | undefined;

export interface UserEvent {
  event: string;
  body: Buffer;
  contentType: string;
}

export async function sendUserEvent(
  core: EmulatorCore,
  /** Closes a connection from the service side (an event handler failed a user event). */
  drop: (connection: ClientConnection, reason: string) => void,
  connection: ClientConnection,
  { event, body, contentType }: UserEvent,
  ack: Ack,
): Promise<void> {
  const upstream = core.upstream(connection.hub);
  if (upstream === undefined || !upstream.wants("user", event)) {
    ack?.();
    return;
  }
  const result = await upstream.send(
    connection.hub,
    connection,
    `azure.webpubsub.user.${event}`,
    event,
    body,
    contentType,
  );
  if (!result.ok && result.tooLarge === true) {
    ack?.({ name: "InternalServerError", message: `The event handler's reply to event '${event}' is too large.` });
    return;
  }
  if (!result.ok) {
    const why =
      result.timedOut === true
        ? "did not answer in time"
        : result.reached === false
          ? "could not be reached"
          : `answered ${result.status}`;
    ack?.({
      name: result.timedOut === true ? "Timeout" : "InternalServerError",
      message: `The event handler ${why} for event '${event}'.`,
    });
    drop(connection, `The event handler ${why} for event '${event}'.`);
    return;
  }
  keepState(connection, result.state);
  if (result.status !== 200 || result.body.length === 0) {
    ack?.();
    return;
  }
  const dataType: DataType = contentTypeToDataType(result.contentType) ?? "binary";
  if (dataType === "json" && !isJson(result.body)) {
    ack?.({ name: "InternalServerError", message: `The event handler's reply to event '${event}' is not valid JSON.` });
    return;
  }
  ack?.();
  connection.deliver(new EncodedMessage({ dataType, payload: result.body, from: "server" }));
}

function isJson(bytes: Buffer): boolean {
  try {
    JSON.parse(bytes.toString("utf8"));
    return true;
  } catch {
    return false;
  }
}
