// A client connection speaking protobuf.webpubsub.azure.v1 or protobuf.reliable.webpubsub.azure.v1: every
// frame it gets is a binary DownstreamMessage. The shared WebSocket code speaks in the json subprotocols'
// control frames (ack, system); this class writes them as their protobuf counterparts.
import { ClientConnection } from "../../state/connection";
import type { EncodedMessage } from "../../state/messages";
import { encodeAck, encodeConnected, encodeData, encodeDisconnected } from "./codec";

/** One encoding of a message for every non-reliable protobuf recipient (reliable ones differ by sequence id). */
const shared = new WeakMap<EncodedMessage, Uint8Array>();

export class ProtobufConnection extends ClientConnection {
  protected override frame(message: EncodedMessage, sequenceId?: number): Uint8Array {
    if (sequenceId !== undefined) return encodeData(message.message, sequenceId);
    let frame = shared.get(message);
    if (frame === undefined) shared.set(message, (frame = encodeData(message.message)));
    return frame;
  }

  override sendControl(frame: object): void {
    const bytes = controlFrame(frame as Record<string, unknown>);
    if (bytes !== undefined) this.write(bytes, true, undefined);
  }
}

/** The protobuf form of a json-shaped control frame; `pong` has none (keep-alive is WebSocket ping/pong). */
function controlFrame(frame: Record<string, unknown>): Uint8Array | undefined {
  if (frame["type"] === "ack") {
    const ackId = BigInt(frame["ackId"] as number | bigint);
    return encodeAck(ackId, frame["error"] as { name: string; message: string } | undefined);
  }
  if (frame["type"] !== "system") return undefined;
  if (frame["event"] === "connected")
    return encodeConnected(
      frame["connectionId"] as string,
      (frame["userId"] as string | undefined) ?? null,
      frame["reconnectionToken"] as string | undefined,
    );
  if (frame["event"] === "disconnected")
    return encodeDisconnected(typeof frame["message"] === "string" ? frame["message"] : "");
  return undefined;
}
