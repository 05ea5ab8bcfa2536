// Where a client's frame goes: simple clients' frames are `message` events (protocols/simple); PubSub clients'
// (json / reliable subprotocols) are requests of json.webpubsub.azure.v1 (protocols/json).
import type { RawData } from "ws";
import type { ClientConnection } from "../../state/connection";
import type { EmulatorCore } from "../../state/core";
import { handleJsonFrame } from "../json/frames";
import { simpleFrameEvent } from "../simple/frames";
import { sendUserEvent } from "./userEvent";

/** Handles the frames of client connections. */
export class FrameHandler {
  constructor(
    private readonly core: EmulatorCore,
    /** Closes a connection from the service side (an event handler failed a user event). */
    private readonly drop: (connection: ClientConnection, reason: string) => void,
  ) {}

  async onFrame(connection: ClientConnection, data: RawData, isBinary: boolean): Promise<void> {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (connection.protocol === "simple")
      return sendUserEvent(this.core, this.drop, connection, simpleFrameEvent(bytes, isBinary), undefined);
    return handleJsonFrame(this.core, this.drop, connection, bytes, isBinary);
  }
}
