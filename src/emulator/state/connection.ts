import type WebSocket from "ws";
import type { EncodedMessage, ReceivedMessage } from "./messages";
import { highWaterBytes, Outbox } from "./outbox";
import { Backlog, type Frame } from "./backlog";
import { ConnectionExtras } from "./extras";

export { maxUnackedBytes, maxUnackedMessages } from "./backlog";

/** `reliable` is json.reliable.webpubsub.azure.v1; `protobufReliable` is protobuf.reliable.webpubsub.azure.v1. */
export type ClientProtocol = "simple" | "json" | "reliable" | "protobuf" | "protobufReliable" | "mqtt";

const subprotocolNames: Record<ClientProtocol, string | undefined> = {
  simple: undefined,
  json: "json.webpubsub.azure.v1",
  reliable: "json.reliable.webpubsub.azure.v1",
  protobuf: "protobuf.webpubsub.azure.v1",
  protobufReliable: "protobuf.reliable.webpubsub.azure.v1",
  // MQTT sessions (src/emulator/mqtt) report "mqtt" as their subprotocol, as the service's events do.
  mqtt: "mqtt",
};

/** Holds messages back before they reach a connection (fault injection); false lets them through now. */
export interface DeliveryGate {
  hold(connection: ClientConnection, message: EncodedMessage): boolean;
}

const epoch = Date.now();
/** Math.floor hands back a small integer V8 keeps inline; a plain difference of two epochs stays a double. */
const sinceEpoch = (ms: number): number => Math.floor(ms - epoch);

/** What `groups` and `roles` read while a connection has none (most have no roles; many join no group). */
const none: ReadonlySet<string> = new Set<string>();

/** One client connection of a hub, and the socket it currently uses (reliable ones can swap sockets). */
export class ClientConnection {
  // Made on the first group or role: an empty Set costs more than the rest of an idle connection.
  #groups: Set<string> | undefined;
  #roles: Set<string> | undefined;
  /** What only some connections need, made on first use (see extras.ts). */
  #extras: ConnectionExtras<ClientConnection> | undefined;
  socket: WebSocket | undefined;
  /**
   * Set by the endpoint: how a client that leaves too much unread is closed (the reason says so). One function
   * shared by every connection of an endpoint: an idle connection carries no closures of its own.
   */
  onSlowClient: ((connection: ClientConnection, reason: string) => void) | undefined;
  // Times are kept as ms since `epoch`: small integers, stored in the object itself (an epoch ms is past 2^31
  // and would take a heap number of its own for each field of each connection).
  readonly #connectedAt = sinceEpoch(Date.now());
  #activeAt = this.#connectedAt;

  closed = false;

  constructor(
    readonly hub: string,
    readonly connectionId: string,
    readonly userId: string | null,
    readonly protocol: ClientProtocol,
    roles: Iterable<string>,
    reconnectionToken: string | undefined,
    /** Keep received messages for `nextMessage()` even when nobody awaits them yet (tests), bounded. */
    private readonly record: boolean,
  ) {
    this.setRoles(roles);
    if (reconnectionToken !== undefined) this.#more.reconnectionToken = reconnectionToken;
    if (protocol === "reliable" || protocol === "protobufReliable") this.#more.backlog = new Backlog();
  }

  get #more(): ConnectionExtras<ClientConnection> {
    return (this.#extras ??= new ConnectionExtras());
  }

  /** Connection state set by event handlers (`ce-connectionState`). */
  get state(): string | undefined {
    return this.#extras?.state;
  }

  set state(value: string | undefined) {
    if (value !== undefined || this.#extras !== undefined) this.#more.state = value;
  }

  get reconnectionToken(): string | undefined {
    return this.#extras?.reconnectionToken;
  }

  /** Called when a reliable client's unacknowledged backlog passes the service's capacity. */
  get onBacklogFull(): ((connection: ClientConnection) => void) | undefined {
    return this.#extras?.onBacklogFull;
  }

  set onBacklogFull(hook: ((connection: ClientConnection) => void) | undefined) {
    this.#more.onBacklogFull = hook;
  }

  /** Reliable, dropped: the timer that ends it unless its client comes back. */
  get graceTimer(): NodeJS.Timeout | undefined {
    return this.#extras?.graceTimer;
  }

  set graceTimer(timer: NodeJS.Timeout | undefined) {
    if (timer !== undefined || this.#extras !== undefined) this.#more.graceTimer = timer;
  }

  /** Bytes waiting for this connection's socket besides the socket's own buffer. */
  get unsentBytes(): number {
    return this.#extras?.outbox?.waitingBytes ?? 0;
  }

  /** The groups the connection is in (change them through its hub's `join` and `leave`). */
  get groups(): ReadonlySet<string> {
    return this.#groups ?? none;
  }

  /** Its roles (`webpubsub.joinLeaveGroup.g1`, `webpubsub.sendToGroup`, ...). */
  get roles(): ReadonlySet<string> {
    return this.#roles ?? none;
  }

  /** Adds a group to the connection's own list; false when it was in it already. Hub.join keeps the rest. */
  addGroup(group: string): boolean {
    const groups = (this.#groups ??= new Set());
    if (groups.has(group)) return false;
    groups.add(group);
    return true;
  }

  /** Removes a group from the connection's own list; false when it was not in it. */
  removeGroup(group: string): boolean {
    return this.#groups?.delete(group) ?? false;
  }

  clearGroups(): void {
    this.#groups = undefined;
  }

  grantRole(role: string): void {
    (this.#roles ??= new Set()).add(role);
  }

  revokeRole(role: string): void {
    this.#roles?.delete(role);
  }

  /** Replaces every role (a resumed MQTT session acts with its new token's roles). */
  setRoles(roles: Iterable<string>): void {
    this.#roles = undefined;
    for (const role of roles) this.grantRole(role);
  }

  /** The custom subprotocol a simple client speaks (chosen by the connect handler or offered alone). */
  get customSubprotocol(): string | undefined {
    return this.#extras?.customSubprotocol;
  }

  set customSubprotocol(name: string | undefined) {
    if (name !== undefined || this.#extras !== undefined) this.#more.customSubprotocol = name;
  }

  get connectedAt(): Date {
    return new Date(epoch + this.#connectedAt);
  }

  /** Epoch ms of the last frame from the client or message delivered to it. */
  get lastActivityAt(): number {
    return epoch + this.#activeAt;
  }

  set lastActivityAt(ms: number) {
    this.#activeAt = sinceEpoch(ms);
  }

  get subprotocol(): string | undefined {
    return subprotocolNames[this.protocol] ?? this.customSubprotocol;
  }

  /** Whether the connection speaks a reliable subprotocol (sequence ids, acks, recovery). */
  get reliable(): boolean {
    return this.protocol === "reliable" || this.protocol === "protobufReliable";
  }

  /** Set by the hub: where delivery faults may hold messages back. */
  gate: DeliveryGate | undefined;

  /** Delivers a message in this connection's protocol (and to anyone awaiting it in a test). */
  deliver(message: EncodedMessage): void {
    if (this.closed) return;
    if (this.gate?.hold(this, message) === true) return;
    this.deliverNow(message);
  }

  /** Delivers without asking the gate (what the gate calls when it releases a held message). */
  deliverNow(message: EncodedMessage): void {
    if (this.closed) return;
    this.#record(message);
    this.transmit(message);
  }

  /** Writes a message in this connection's wire protocol; other protocols (MQTT) override it. */
  protected transmit(message: EncodedMessage): void {
    const { expiresAt } = message.message;
    if (this.protocol === "simple") {
      const { data, binary } = message.simple;
      this.write(data, binary, expiresAt);
      return;
    }
    const backlog = this.#extras?.backlog;
    if (backlog === undefined) {
      const frame = this.frame(message);
      this.write(frame, typeof frame !== "string", expiresAt);
      return;
    }
    const id = backlog.nextId();
    const frame = this.frame(message, id);
    // client-spec 3.2: the service queues at most 1000 messages or 16 MB not yet acknowledged, then closes
    // the connection for good. Without a hook (no endpoint to close it), keep the newest instead.
    if (!backlog.add(id, frame, expiresAt)) {
      if (this.onBacklogFull !== undefined) return this.onBacklogFull(this);
      backlog.dropOldest();
    }
    this.write(frame, typeof frame !== "string", expiresAt);
  }

  /**
   * Writes to the current socket, in order. Once the socket holds more than the outbox's high-water mark, frames
   * go through an outbox (made then, kept for that socket) that holds them for the slow reader.
   */
  protected write(data: Frame, binary: boolean, expiresAt: number | undefined): void {
    const socket = this.socket;
    if (socket?.readyState !== 1) return;
    let outbox = this.#extras?.outbox;
    if (outbox?.socket !== socket) {
      if (outbox !== undefined) {
        outbox.discard();
        this.#more.outbox = outbox = undefined;
      }
      if (socket.bufferedAmount <= highWaterBytes) {
        socket.send(data, { binary });
        return;
      }
      this.#more.outbox = outbox = new Outbox(socket, (reason) => this.onSlowClient?.(this, reason));
    }
    outbox.send(data, binary, expiresAt);
  }

  /** A message in this connection's subprotocol, with its sequence id on reliable ones (protobuf overrides). */
  protected frame(message: EncodedMessage, sequenceId?: number): Frame {
    return sequenceId === undefined ? message.json : message.withSequence(sequenceId);
  }

  /**
   * Closes the connection on the server's behalf when its protocol has its own way to do so (MQTT sends
   * DISCONNECT and ends the session); false means the WebSocket endpoint closes it as usual.
   */
  closeByServer(_reason: string | undefined): boolean {
    return false;
  }

  /** Sends a protocol frame (ack, system, pong), in the json subprotocols' shape; protobuf translates it. */
  sendControl(frame: object): void {
    if (this.protocol !== "simple") this.write(JSON.stringify(frame), false, undefined);
  }

  sendRaw(data: string | Buffer, binary: boolean): void {
    this.write(data, binary, undefined);
  }

  /** Reliable: the client has everything up to `sequenceId`. */
  acknowledge(sequenceId: number): void {
    this.#extras?.backlog?.acknowledge(sequenceId);
  }

  /** Reliable: re-sends what the client has not acknowledged, after it reconnected. */
  replay(): void {
    // "messages that are not consumed by the client within the specified TTL will be dropped" (messageTtlSeconds)
    const backlog = this.#extras?.backlog;
    if (backlog === undefined) return;
    backlog.forgetExpired();
    for (const { frame, expiresAt } of backlog.frames()) this.write(frame, typeof frame !== "string", expiresAt);
  }

  /** False when this ackId was seen before on this connection (the service answers `Duplicate`). */
  rememberAck(ackId: number | bigint): boolean {
    const seen = (this.#more.ackIds ??= new Set());
    if (seen.has(ackId)) return false;
    if (seen.size >= 10_000) seen.delete(seen.values().next().value as number | bigint);
    seen.add(ackId);
    return true;
  }

  /** Resolves with the next message this connection receives (or one already queued for inspection). */
  nextMessage(timeoutMs: number): Promise<ReceivedMessage> {
    return this.#more.nextMessage(this.connectionId, timeoutMs);
  }

  #record(message: EncodedMessage): void {
    if (this.record || this.#extras?.waiters?.length) this.#more.received(message, this.record);
  }

  dispose(): void {
    this.closed = true;
    const extras = this.#extras;
    if (extras === undefined) return;
    if (extras.graceTimer !== undefined) clearTimeout(extras.graceTimer);
    for (const w of extras.waiters?.splice(0) ?? []) clearTimeout(w.timer);
    extras.inbox = undefined;
    extras.backlog?.clear();
    extras.outbox?.discard();
  }
}
