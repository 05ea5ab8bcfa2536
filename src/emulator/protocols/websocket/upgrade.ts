// From an HTTP upgrade request to an open WebSocket: the handshake's decision (at once for most clients),
// a refusal answered in plain HTTP, or the WebSocket handshake with the subprotocol the decision chose.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { ClientSocket } from "./socket";
import type { EmulatorCore } from "../../state/core";
import { destroySocket, watchErrors, writeRefusal } from "../../server";
import { authorizeUpgrade, type Decision, type Pending, type Refusal } from "./handshake";

const maxFrameBytes = 1024 * 1024;

export class Upgrader {
  readonly #wss: WebSocketServer;
  /** The handshake under way (see #accept) and the subprotocol it answers with. */
  #answeringReq: IncomingMessage | undefined;
  #answer: string | undefined;

  constructor(
    private readonly core: EmulatorCore,
    /** What must be ready before a client is let in (the protobuf codec, on first use); undefined when nothing. */
    private readonly prepare: (pending: Pending) => Promise<void> | undefined,
    /** The client is in: its socket is open. */
    private readonly open: (ws: ClientSocket, pending: Pending) => void,
    /** The class every socket is made as. */
    Socket: typeof ClientSocket,
  ) {
    this.#wss = new WebSocketServer({
      noServer: true,
      WebSocket: Socket,
      maxPayload: maxFrameBytes,
      clientTracking: false,
      perMessageDeflate: false,
      // The handshake answers with what authorizeUpgrade chose (the connect handler's pick, or the default).
      handleProtocols: (protocols, req) => {
        const answer = this.#answeringReq === req ? this.#answer : undefined;
        return answer !== undefined && protocols.has(answer) ? answer : false;
      },
    });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Most clients are decided at once; the rest (first use of a token, a connect handler) when that is done.
    let decision: Decision;
    try {
      decision = authorizeUpgrade(this.core, req);
    } catch (error) {
      this.#failed(socket, error);
      return;
    }
    if (decision instanceof Promise) {
      // A client may go away while this is decided. (Decided at once, ws takes the socket in this same turn.)
      watchErrors(socket);
      decision.then((d) => this.#decided(req, socket, head, d)).catch((error: unknown) => this.#failed(socket, error));
    } else this.#decided(req, socket, head, decision);
  }

  #decided(req: IncomingMessage, socket: Duplex, head: Buffer, decision: Pending | Refusal): void {
    if ("status" in decision) return refuseUpgrade(this.core, "ws", req, socket, decision);
    const preparing = this.prepare(decision);
    if (preparing === undefined) return this.#accept(req, socket, head, decision);
    watchErrors(socket);
    preparing.then(
      () => this.#accept(req, socket, head, decision),
      (error: unknown) => this.#failed(socket, error),
    );
  }

  /** An exception on the way: the client gets a 500, the log the reason. */
  #failed(socket: Duplex, error: unknown): void {
    this.core.log?.(`ws upgrade failed: ${(error as Error).message}`);
    writeRefusal(socket, 500, "internal error");
  }

  #accept(req: IncomingMessage, socket: Duplex, head: Buffer, pending: Pending): void {
    // Without a verifyClient hook, ws asks handleProtocols within this call: the answer needs no map.
    this.#answeringReq = req;
    this.#answer = pending.answer;
    try {
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        // ws has its own error listener on the socket now.
        socket.removeListener("error", destroySocket);
        this.open(ws as ClientSocket, pending);
      });
    } finally {
      this.#answeringReq = this.#answer = undefined;
    }
  }

  close(): void {
    this.#wss.close();
  }
}

/** Answers a refused upgrade in plain HTTP, with a log line and a `refused` event for the live view. */
export function refuseUpgrade(
  core: EmulatorCore,
  who: "ws" | "mqtt",
  req: IncomingMessage,
  socket: Duplex,
  refusal: Refusal,
): void {
  writeRefusal(socket, refusal.status, refusal.message);
  core.log?.(`${who} refused (${refusal.status}): ${refusal.message}`);
  core.observation.emit?.({
    kind: "refused",
    path: (req.url ?? "/").replace(/\?.*$/s, ""),
    status: refusal.status,
    reason: refusal.message,
  });
}
