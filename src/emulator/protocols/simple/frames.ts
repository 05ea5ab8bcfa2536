// Simple WebSocket clients (no subprotocol, or one the event handler chose): a frame is an opaque message, the
// `message` user event (text frames as text/plain, binary frames as application/octet-stream). Nothing is acked.
import type { UserEvent } from "../websocket/userEvent";

export function simpleFrameEvent(bytes: Buffer, isBinary: boolean): UserEvent {
  return { event: "message", body: bytes, contentType: isBinary ? "application/octet-stream" : "text/plain" };
}
