// An MQTT session is a Web PubSub connection (overview-mqtt, term mappings: Session = Connection, Client
// ID = Connection ID). It lives in the hub like any other connection, so group, user, connection and
// broadcast sends reach it through `deliver`; this class turns them into PUBLISH packets with MQTT's
// QoS handshakes, and keeps what an offline session must not lose.
import { randomUUID } from "node:crypto";
import type { IPublishPacket, QoS } from "mqtt-packet";
import { ClientConnection } from "../../state/connection";
import type { DataType, EncodedMessage, OutgoingMessage } from "../../state/messages";
import { mqttLimits } from "./limits";
import type { MqttLink } from "./link";
import type { MqttPublishProperties } from "./origin";

/** Where REST sends to all, a user or a connection arrive (reference-rest-api-mqtt). */
export const serverMessagesTopic = "$webpubsub/server/messages";

export interface Subscription {
  qos: QoS;
  noLocal: boolean;
  identifier: number | undefined;
}

/** Groups joined other than by SUBSCRIBE (token, connect handler, REST) use MQTT's default options. */
const defaultSubscription: Subscription = { qos: 0, noLocal: false, identifier: undefined };

interface Outgoing {
  topic: string;
  payload: Buffer;
  qos: QoS;
  properties: MqttPublishProperties & { subscriptionIdentifier?: number };
  expiresAt: number | undefined;
}

interface Inflight {
  message: Outgoing;
  /** Waiting for PUBACK (QoS 1) / PUBREC (QoS 2), or for PUBCOMP after our PUBREL. */
  stage: "ack" | "rec" | "comp";
}

/** How the last physical connection of the session ended, for the `disconnected` event. */
export interface LastDisconnect {
  reason: string | null;
  initiatedByClient: boolean;
  packet: { code: number; userProperties: { name: string; value: string }[] | null } | null;
}

export class MqttConnection extends ClientConnection {
  readonly sessionId = randomUUID();
  readonly subscriptions = new Map<string, Subscription>();
  /** Incoming QoS 2 packet ids routed already and awaiting PUBREL (exactly-once). */
  readonly incomingQos2 = new Set<number>();
  link: MqttLink | undefined;
  /** How long the session outlives its connection, in ms (0: it ends with the connection). */
  expiryMs = 0;
  expiryTimer: NodeJS.Timeout | undefined;
  lastDisconnect: LastDisconnect = { reason: null, initiatedByClient: false, packet: null };
  /** A will waiting for its 5.0 Will Delay Interval (a reconnect in time cancels it). */
  pendingWill: { will: NonNullable<MqttLink["will"]>; timer: NodeJS.Timeout } | undefined;
  /** Set by the endpoint: how REST close calls end this session. */
  closeHook: ((reason: string | undefined) => void) | undefined;
  readonly #inflight = new Map<number, Inflight>();
  #queue: Outgoing[] = [];
  #nextId = 1;

  constructor(hub: string, clientId: string, userId: string | null, roles: Iterable<string>, record: boolean) {
    super(hub, clientId, userId, "mqtt", roles, undefined, record);
  }

  get online(): boolean {
    return this.link !== undefined;
  }

  /** The options a group is received with: the SUBSCRIBE's, or MQTT's defaults for other joins. */
  subscriptionFor(topic: string): Subscription {
    return this.subscriptions.get(topic) ?? defaultSubscription;
  }

  protected override transmit(encoded: EncodedMessage): void {
    const m = encoded.message;
    const toGroup = m.from === "group" && m.group !== undefined;
    const topic = toGroup ? (m.group as string) : serverMessagesTopic;
    const subscription = toGroup ? this.subscriptionFor(topic) : defaultSubscription;
    if (subscription.noLocal && m.mqtt?.senderId === this.connectionId) return;
    // reference-mqtt-cross-protocol-communication: MQTT senders keep their QoS (downgraded to the grant);
    // everything else is sent at QoS 1 and downgraded the same way (reference-rest-api-mqtt).
    const sent = m.mqtt?.qos ?? 1;
    const qos = (toGroup ? Math.min(sent, subscription.qos) : sent) as QoS;
    const properties: Outgoing["properties"] =
      m.mqtt?.properties !== undefined ? { ...m.mqtt.properties } : { contentType: contentTypeOf(m) };
    if (subscription.identifier !== undefined) properties.subscriptionIdentifier = subscription.identifier;
    this.#send({ topic, payload: m.payload, qos, properties, expiresAt: m.mqtt?.expiresAt });
  }

  /** Sends a message to this session's client (event handler replies use it too). */
  send(message: Outgoing): void {
    this.#send(message);
  }

  #send(message: Outgoing): void {
    if (message.qos === 0) {
      // QoS 0 is at most once: an offline session does not keep it.
      if (this.link !== undefined && !expired(message)) this.link.write(this.#packet(message, 0, false));
      return;
    }
    if (this.link !== undefined && this.#inflight.size < this.#window()) {
      this.#publish(message);
      return;
    }
    this.#queue.push(message);
    if (this.#queue.length > mqttLimits.maxQueued) this.#queue.shift();
  }

  #window(): number {
    return Math.min(mqttLimits.maxInflight, this.link?.clientReceiveMaximum ?? mqttLimits.maxInflight);
  }

  #publish(message: Outgoing): void {
    if (expired(message)) return;
    const id = this.#allocateId();
    this.#inflight.set(id, { message, stage: message.qos === 1 ? "ack" : "rec" });
    this.link?.write(this.#packet(message, id, false));
  }

  #allocateId(): number {
    for (;;) {
      const id = this.#nextId;
      this.#nextId = id === 65535 ? 1 : id + 1;
      if (!this.#inflight.has(id)) return id;
    }
  }

  #packet(message: Outgoing, messageId: number, dup: boolean): IPublishPacket {
    const packet: IPublishPacket = {
      cmd: "publish",
      topic: message.topic,
      payload: message.payload,
      qos: message.qos,
      dup,
      retain: false,
    };
    if (message.qos > 0) packet.messageId = messageId;
    if (this.link?.version === 5) {
      const properties = { ...message.properties };
      if (message.expiresAt !== undefined)
        properties.messageExpiryInterval = Math.max(1, Math.ceil((message.expiresAt - Date.now()) / 1000));
      for (const k of Object.keys(properties) as (keyof typeof properties)[])
        if (properties[k] === undefined) delete properties[k];
      if (Object.keys(properties).length > 0) packet.properties = properties;
    }
    return packet;
  }

  /** PUBACK (QoS 1) or PUBCOMP (QoS 2) from the client: the message is done. */
  acknowledged(id: number, kind: "puback" | "pubcomp"): void {
    const entry = this.#inflight.get(id);
    if (entry === undefined || (kind === "puback" ? entry.stage !== "ack" : entry.stage !== "comp")) return;
    this.#inflight.delete(id);
    this.#drain();
  }

  /** PUBREC from the client: answer PUBREL and wait for PUBCOMP. A failure reason code ends the exchange. */
  received(id: number, reasonCode: number | undefined): void {
    const entry = this.#inflight.get(id);
    if (entry === undefined || entry.stage === "ack") return;
    if (reasonCode !== undefined && reasonCode >= 0x80) {
      this.#inflight.delete(id);
      this.#drain();
      return;
    }
    entry.stage = "comp";
    this.link?.write({ cmd: "pubrel", messageId: id });
  }

  /** After the client resumed the session: re-send what it has not acknowledged, then what was queued. */
  resend(): void {
    for (const [id, entry] of this.#inflight) {
      if (entry.stage === "comp") this.link?.write({ cmd: "pubrel", messageId: id });
      else this.link?.write(this.#packet(entry.message, id, true));
    }
    this.#drain();
  }

  #drain(): void {
    while (this.link !== undefined && this.#queue.length > 0 && this.#inflight.size < this.#window()) {
      this.#publish(this.#queue.shift() as Outgoing);
    }
  }

  /** Clean start: forget what a previous connection of this session left. */
  get pendingCount(): number {
    return this.#inflight.size + this.#queue.length;
  }

  override closeByServer(reason: string | undefined): boolean {
    this.closeHook?.(reason);
    return true;
  }

  override sendControl(): void {}
  override sendRaw(): void {}

  override dispose(): void {
    super.dispose();
    if (this.expiryTimer !== undefined) clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    if (this.pendingWill !== undefined) clearTimeout(this.pendingWill.timer);
    this.pendingWill = undefined;
    this.#inflight.clear();
    this.#queue = [];
    this.incomingQos2.clear();
  }
}

function expired(message: Outgoing): boolean {
  return message.expiresAt !== undefined && message.expiresAt <= Date.now();
}

/** reference-mqtt-cross-protocol-communication: Web PubSub data types as MQTT 5 content types. */
function contentTypeOf(m: OutgoingMessage): string {
  const types: Record<DataType, string> = {
    json: "application/json",
    text: "text/plain",
    binary: "application/octet-stream",
    protobuf: "application/x-protobuf",
  };
  return types[m.dataType];
}
