// The WebSocket side of the emulator: the life of a client's socket, from open (upgrade.ts lets it in) to close.
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { RawData, WebSocket } from "ws";
import { ClientConnection, maxUnackedBytes, maxUnackedMessages, type ClientProtocol } from "../../state/connection";
import type { EmulatorCore } from "../../state/core";
import { FrameHandler } from "../json/frames";
import { loadProtobuf, type ProtobufModule } from "../protobuf/load";
import type { Pending } from "./handshake";
import { newConnectionId } from "../../state/ids";
import { Upgrader } from "./upgrade";
import { ClientSocket, type SocketEvents } from "./socket";
import { truncateUtf8 } from "../../../internal/utf8";
import { Requests } from "./requests";
import { KeepAlive } from "./keepalive";
import { defaultKeepAliveSeconds } from "../../config/resolved";

/** Accepts WebSocket clients at `/client/hubs/{hub}` (and `/client/?hub=`), verifying their tokens. */
export class ClientEndpoint {
  readonly #upgrader: Upgrader;
  readonly #requests: Requests;
  readonly #frames: FrameHandler;
  /** The protobuf modules, once a protobuf client has connected (see protobuf/load.ts). */
  #protobuf: { module: ProtobufModule; frames: InstanceType<ProtobufModule["ProtobufFrames"]> } | undefined;
  /** Pings every client at its hub's `webSocketKeepAliveIntervalInSeconds`. */
  readonly keepAlive: KeepAlive;
  /** What every open socket's events call: one set for all of them. */
  readonly #events: SocketEvents;
  /** A client that leaves too much unread is closed with the reason. */
  readonly #slowClient = (connection: ClientConnection, reason: string): void => {
    const ws = connection.socket;
    if (ws !== undefined) this.#closeForError(connection, ws, reason, 1008);
  };

  constructor(private readonly core: EmulatorCore) {
    this.#requests = new Requests(core, (connection, reason) => this.close(connection, reason));
    this.#frames = new FrameHandler(this.#requests);
    this.keepAlive = new KeepAlive((hub) => core.hubSettings(hub)?.keepAliveSeconds ?? defaultKeepAliveSeconds);
    this.#events = this.#socketEvents();
    this.#upgrader = new Upgrader(
      core,
      // Protobuf clients wait for the codec's first load.
      (pending) => (isProtobuf(pending.protocol) && this.#protobuf === undefined ? this.#loadProtobuf() : undefined),
      (ws, pending) => this.#open(ws, pending),
      ClientSocket,
    );
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#upgrader.handleUpgrade(req, socket, head);
  }

  #open(ws: ClientSocket, pending: Pending): void {
    if (pending.refuseRecovery) {
      ws.on("error", terminateSocket);
      this.core.log?.("ws reconnection refused: unknown connection or reconnection token");
      ws.close(1008, "Connection recovery failed");
      return;
    }
    const connection = pending.resume !== undefined ? this.#resume(ws, pending.resume) : this.#create(ws, pending);
    connection.onSlowClient = this.#slowClient;
    ws.connection = connection;
    ws.events = this.#events;
    this.keepAlive.add(ws);
  }

  #socketEvents(): SocketEvents {
    return {
      message: (ws, data, isBinary) => {
        const connection = ws.connection;
        if (connection === undefined) return;
        try {
          this.#onMessage(connection, data, isBinary);
        } catch (error) {
          this.#closeForError(connection, ws, `internal error handling a frame: ${(error as Error).message}`, 1011);
        }
        ws.checkBackpressure();
      },
      close: (ws, code) => {
        const connection = ws.connection;
        if (connection === undefined) return;
        this.keepAlive.remove(ws);
        this.#onClose(ws, connection, code);
      },
    };
  }

  /** A reliable client came back: the same connection, on the new socket, gets what it has not acknowledged. */
  #resume(ws: WebSocket, connection: ClientConnection): ClientConnection {
    if (connection.graceTimer !== undefined) clearTimeout(connection.graceTimer);
    connection.graceTimer = undefined;
    connection.socket = ws;
    this.core.log?.(`ws ${connection.connectionId} recovered (hub ${connection.hub})`);
    this.core.observation.emit?.({
      kind: "recovered",
      hub: connection.hub,
      connectionId: connection.connectionId,
      userId: connection.userId,
      subprotocol: connection.subprotocol,
    });
    connection.replay();
    return connection;
  }

  /** A new connection: in its hub and groups, told its id (and reconnection token), announced upstream. */
  #create(ws: WebSocket, pending: Pending): ClientConnection {
    const id = pending.id ?? newConnectionId();
    const hub = this.core.hub(pending.hub);
    const Kind = isProtobuf(pending.protocol) ? this.#protobuf?.module.ProtobufConnection : ClientConnection;
    const reliable = pending.protocol === "reliable" || pending.protocol === "protobufReliable";
    const connection = new (Kind ?? ClientConnection)(
      hub.name,
      id,
      pending.userId,
      pending.protocol,
      pending.roles,
      reliable ? randomBytes(18).toString("base64url") : undefined,
      this.core.recordMessages,
    );
    connection.state = pending.state;
    if (pending.protocol === "simple") connection.customSubprotocol = pending.answer;
    if (reliable) connection.onBacklogFull = this.#backlogFull;
    connection.socket = ws;
    this.core.observation.emit?.({
      kind: "connected",
      hub: hub.name,
      connectionId: id,
      userId: pending.userId,
      subprotocol: connection.subprotocol,
    });
    hub.add(connection, pending.groups);
    this.core.log?.(
      `ws ${id} connected to hub ${hub.name}${pending.userId === null ? "" : ` as ${pending.userId}`} (${pending.protocol})`,
    );
    // PubSub clients are told their connection id; simple clients get no protocol frames.
    if (pending.protocol !== "simple") {
      // The schema's `userId` is a string when the connection has one, and absent otherwise (never null).
      const connected: Record<string, unknown> = { type: "system", event: "connected", connectionId: id };
      if (pending.userId !== null) connected["userId"] = pending.userId;
      if (connection.reconnectionToken !== undefined) connected["reconnectionToken"] = connection.reconnectionToken;
      connection.sendControl(connected);
    }
    this.#systemEvent(connection, "connected", emptyObject);
    return connection;
  }

  #onMessage(connection: ClientConnection, data: RawData, isBinary: boolean): void {
    connection.lastActivityAt = Date.now();
    const protobuf = isProtobuf(connection.protocol) ? this.#protobuf : undefined;
    this.core.observation.emit?.({
      kind: "frame",
      hub: connection.hub,
      connectionId: connection.connectionId,
      userId: connection.userId,
      subprotocol: connection.subprotocol,
      bytes: rawBytes(data),
      binary: isBinary,
      decoded: protobuf?.module.describeFrame(rawBytes(data)),
    });
    const ws = connection.socket;
    (protobuf !== undefined
      ? protobuf.frames.onFrame(connection, data)
      : this.#frames.onFrame(connection, data, isBinary)
    ).catch((error: unknown) => {
      if (ws !== undefined)
        this.#closeForError(connection, ws, `internal error handling a frame: ${(error as Error).message}`, 1011);
    });
  }

  /** Ends one connection for an error of its own (an exception handling its input, or a slow reader). */
  #closeForError(connection: ClientConnection, ws: WebSocket, reason: string, code: number): void {
    this.#drop(connection, reason);
    ws.close(code, truncateUtf8(reason, 120));
    // A client that reads nothing never completes the close handshake.
    setTimeout(() => ws.terminate(), 1000).unref?.();
  }

  #onClose(ws: WebSocket, connection: ClientConnection, code: number): void {
    if (connection.socket !== ws) return;
    connection.socket = undefined;
    // A reliable client that dropped without a normal close may come back: keep its state for a while.
    if (connection.reliable && !connection.closed && code !== 1000 && code !== 1001) {
      connection.graceTimer = setTimeout(
        () => this.#drop(connection, "reconnection grace period ended"),
        this.core.reconnectionGraceMs,
      );
      connection.graceTimer.unref?.();
      this.core.observation.emit?.({
        kind: "offline",
        hub: connection.hub,
        connectionId: connection.connectionId,
        userId: connection.userId,
        subprotocol: connection.subprotocol,
        reason: `socket closed (${code})`,
      });
      return;
    }
    this.#drop(connection, code === 1000 || code === 1001 ? "closed by the client" : `socket closed (${code})`);
  }

  async #loadProtobuf(): Promise<void> {
    if (this.#protobuf !== undefined) return;
    const module = await loadProtobuf();
    this.#protobuf ??= { module, frames: new module.ProtobufFrames(this.#requests) };
  }

  #drop(connection: ClientConnection, reason: string): void {
    if (connection.closed) return;
    const hub = this.core.existingHub(connection.hub);
    hub?.remove(connection);
    connection.closed = true;
    this.core.log?.(`ws ${connection.connectionId} disconnected: ${reason}`);
    this.core.observation.emit?.({
      kind: "disconnected",
      hub: connection.hub,
      connectionId: connection.connectionId,
      userId: connection.userId,
      subprotocol: connection.subprotocol,
      reason,
    });
    this.#systemEvent(connection, "disconnected", () => JSON.stringify({ reason }));
    if (hub !== undefined) this.core.prune(hub);
  }

  /** A reliable client acknowledged too little: the connection ends for good (recovery then fails with 1008). */
  readonly #backlogFull = (connection: ClientConnection): void => {
    const reason = `The client did not acknowledge ${maxUnackedMessages} messages or ${maxUnackedBytes / 1024 / 1024} MB in time.`;
    const ws = connection.socket;
    connection.sendControl({ type: "system", event: "disconnected", message: reason });
    this.#drop(connection, reason);
    ws?.close(1008, "Unacknowledged message backlog is full");
  };

  /**
   * Ends a connection for good with a close code (an injected 1008 policy close): PubSub clients are told why
   * first, and a reliable client's recovery then fails, so it starts a new connection.
   */
  endWith(connection: ClientConnection, code: number, reason: string): void {
    const ws = connection.socket;
    connection.sendControl({ type: "system", event: "disconnected", message: reason });
    this.#drop(connection, reason);
    ws?.close(code, truncateUtf8(reason, 120));
  }

  /** Closes a connection from the server side (REST close calls): PubSub clients are told why first. */
  close(connection: ClientConnection, reason: string | undefined): void {
    if (connection.closeByServer(reason)) return;
    connection.sendControl({
      type: "system",
      event: "disconnected",
      message: reason ?? "Connection closed by the server.",
    });
    const ws = connection.socket;
    this.#drop(connection, reason ?? "closed by the server");
    ws?.close(1000, truncateUtf8(reason ?? "", 120));
  }

  /** Tells the hub's event handler, when one takes the event (no promise is made for a hub without one). */
  #systemEvent(connection: ClientConnection, event: "connected" | "disconnected", body: () => string): void {
    const upstream = this.core.upstream(connection.hub);
    if (upstream?.wants("system", event) === true) {
      void upstream.send(connection.hub, connection, `azure.webpubsub.sys.${event}`, event, body(), "application/json");
    }
  }

  /** Closes every socket at once (emulator shutdown). */
  closeAll(): void {
    const open = [...this.keepAlive.sockets()];
    this.keepAlive.clear();
    for (const ws of open) ws.terminate();
    this.#upgrader.close();
  }
}

function terminateSocket(this: WebSocket): void {
  this.terminate();
}

const emptyObject = (): string => "{}";

function isProtobuf(protocol: ClientProtocol): boolean {
  return protocol === "protobuf" || protocol === "protobufReliable";
}

function rawBytes(data: RawData): Buffer {
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
}
