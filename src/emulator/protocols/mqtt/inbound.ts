// Packets an MQTT client sends once connected: PUBLISH (to a group, or an event request to the event
// handler), the QoS acknowledgements, SUBSCRIBE / UNSUBSCRIBE (join / leave group), PINGREQ, DISCONNECT.
import type { IPublishPacket, ISubscribePacket, IUnsubscribePacket } from "mqtt-packet";
import type { EmulatorCore } from "../../state/core";
import type { DataType, OutgoingMessage } from "../../state/messages";
import { hasRole } from "../../state/permissions";
import { keepState } from "../../upstream/client";
import { V4, V5 } from "./codes";
import { userEvent } from "./events";
import { mqttLimits } from "./limits";
import type { MqttLink } from "./link";
import type { MqttOrigin, MqttPublishProperties } from "./origin";
import type { Packet } from "./packets";
import { dataTypeOf, isJson } from "./payload";
import type { MqttConnection } from "./session";

/** What the packet handlers need of the endpoint: end the link for a protocol violation. */
export interface LinkContext {
  core: EmulatorCore;
  session: MqttConnection;
  link: MqttLink;
  /** Ends the connection for a protocol violation (5.0: DISCONNECT with `code` first). */
  violation(code: number, reason: string): void;
  /** The client sent DISCONNECT. */
  disconnected(
    code: number,
    reason: string | undefined,
    userProperties: Record<string, string | string[]> | undefined,
    sessionExpirySeconds: number | undefined,
  ): void;
}

const eventTopic = /^\$webpubsub\/server\/events\/([^/]+)$/;
const reservedPrefix = "$webpubsub/";

export function handlePacket(ctx: LinkContext, packet: Packet): void {
  const { session, link } = ctx;
  switch (packet.cmd) {
    case "publish":
      return onPublish(ctx, packet);
    case "puback":
    case "pubcomp":
      if (packet.messageId !== undefined) session.acknowledged(packet.messageId, packet.cmd);
      return;
    case "pubrec":
      if (packet.messageId !== undefined) session.received(packet.messageId, packet.reasonCode);
      return;
    case "pubrel": {
      if (packet.messageId === undefined) return;
      // MQTT 5 §3.7.2.1: a PUBREL for an identifier not awaiting release is answered 0x92.
      const known = session.incomingQos2.delete(packet.messageId);
      const reason = known || link.version === 4 ? {} : { reasonCode: V5.packetIdentifierNotFound };
      link.write({ cmd: "pubcomp", messageId: packet.messageId, ...reason });
      return;
    }
    case "subscribe":
      return onSubscribe(ctx, packet);
    case "unsubscribe":
      return onUnsubscribe(ctx, packet);
    case "pingreq":
      link.write({ cmd: "pingresp" });
      return;
    case "disconnect":
      ctx.disconnected(
        packet.reasonCode ?? 0,
        packet.properties?.reasonString,
        packet.properties?.userProperties,
        packet.properties?.sessionExpiryInterval,
      );
      return;
    default:
      // A second CONNECT, AUTH (enhanced authentication is not supported) or a server-only packet.
      ctx.violation(V5.protocolError, `unexpected ${packet.cmd.toUpperCase()} packet`);
  }
}

function onPublish(ctx: LinkContext, packet: IPublishPacket): void {
  const { session, link, core } = ctx;
  const v5 = link.version === 5;
  // reference-mqtt-support-status: topic aliases and retained messages are not supported. A 5.0 client
  // was told so in CONNACK (no Topic Alias Maximum, Retain Available 0), so using them is a protocol error.
  if (packet.properties?.topicAlias !== undefined)
    return ctx.violation(V5.topicAliasInvalid, "topic aliases are not supported");
  if (packet.retain && v5) return ctx.violation(V5.retainNotSupported, "retained messages are not supported");
  const topic = packet.topic;
  // MQTT §1.5.4 (3.1.1 §1.5.3): U+0000 in a UTF-8 string makes the packet malformed.
  if (topic.includes("\u0000")) return ctx.violation(V5.malformedPacket, "the topic name contains U+0000");
  if (topic === "" || topic.length > mqttLimits.maxTopicLength || /[+#]/.test(topic))
    return ctx.violation(V5.topicNameInvalid, "invalid topic name");
  const id = packet.messageId;
  if (packet.qos === 2 && id !== undefined && session.incomingQos2.has(id)) {
    // A re-sent QoS 2 PUBLISH routed already: acknowledge again, deliver once (exactly once).
    link.write({ cmd: "pubrec", messageId: id });
    return;
  }
  if (packet.qos === 2 && session.incomingQos2.size >= mqttLimits.receiveMaximum) {
    return ctx.violation(
      V5.receiveMaximumExceeded,
      `more than ${mqttLimits.receiveMaximum} QoS 2 messages awaiting PUBREL`,
    );
  }
  const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
  const event = eventTopic.exec(topic);
  let code: number = V5.success;
  if (event !== null) {
    eventRequest(ctx, event[1] as string, packet, payload).catch((error: unknown) =>
      core.log?.(`mqtt ${session.connectionId} event request failed: ${(error as Error).message}`),
    );
  } else if (topic.startsWith(reservedPrefix)) {
    code = V5.topicNameInvalid;
  } else if (!hasRole(session.roles, "sendToGroup", topic)) {
    code = V5.notAuthorized;
    core.log?.(`mqtt ${session.connectionId} may not publish to '${topic}' (no sendToGroup role)`);
  } else {
    const dataType = dataTypeOf(v5 ? packet.properties?.contentType : undefined);
    if (dataType === "json" && !isJson(payload)) code = V5.payloadFormatInvalid;
    else route(ctx, topic, dataType, payload, packet);
  }
  acknowledge(ctx, packet, code);
}

function acknowledge(ctx: LinkContext, packet: IPublishPacket, code: number): void {
  const id = packet.messageId;
  if (packet.qos === 0 || id === undefined) return;
  // MQTT 3.1.1 acknowledgements carry no reason: a refused publish is acknowledged and dropped.
  const reason = ctx.link.version === 5 && code !== V5.success ? { reasonCode: code } : {};
  if (packet.qos === 1) {
    ctx.link.write({ cmd: "puback", messageId: id, ...reason });
    return;
  }
  if (code === V5.success || ctx.link.version === 4) ctx.session.incomingQos2.add(id);
  ctx.link.write({ cmd: "pubrec", messageId: id, ...reason });
}

/** Topic = group: the message reaches every member, MQTT or not (reference-mqtt-cross-protocol-communication). */
function route(ctx: LinkContext, topic: string, dataType: DataType, payload: Buffer, packet: IPublishPacket): void {
  const { session, core } = ctx;
  const hub = core.existingHub(session.hub);
  const members = hub?.groups.get(topic);
  if (hub === undefined || members === undefined) return;
  const props = packet.properties;
  let properties: MqttPublishProperties | undefined;
  if (ctx.link.version === 5 && props !== undefined) {
    properties = {};
    for (const key of [
      "payloadFormatIndicator",
      "messageExpiryInterval",
      "responseTopic",
      "correlationData",
      "userProperties",
      "contentType",
    ] as const) {
      if (props[key] !== undefined) (properties as Record<string, unknown>)[key] = props[key];
    }
  }
  const expiry = props?.messageExpiryInterval;
  const origin: MqttOrigin = {
    qos: packet.qos,
    senderId: session.connectionId,
    properties,
    expiresAt: expiry === undefined ? undefined : Date.now() + expiry * 1000,
  };
  const message: OutgoingMessage = { dataType, payload, from: "group", group: topic, mqtt: origin };
  if (session.userId !== null) message.fromUserId = session.userId;
  hub.broadcast(members, message);
}

/** `$webpubsub/server/events/{event}`: a user event to the event handler, answered on `.../succeeded|failed`. */
async function eventRequest(ctx: LinkContext, event: string, packet: IPublishPacket, payload: Buffer): Promise<void> {
  const { session, link, core } = ctx;
  const contentType = (link.version === 5 ? packet.properties?.contentType : undefined) ?? "application/octet-stream";
  const result = await userEvent(
    core,
    session,
    link.physicalId,
    event,
    payload,
    contentType,
    link.version === 5 ? packet.properties?.userProperties : undefined,
  );
  if (result === undefined || session.closed) return;
  const userProperties: Record<string, string | string[]> = {};
  let body: Buffer;
  let responseType: string | undefined;
  if (result.ok) {
    keepState(session, result.state);
    body = result.body;
    responseType = result.contentType;
    result.headers.forEach((value, name) => {
      if (name.startsWith("mqtt-") && name.length > 5) userProperties[name.slice(5)] = value;
    });
  } else {
    body = result.body ?? Buffer.from(result.message);
  }
  userProperties["azure-status-code"] = String(result.status);
  const properties: MqttPublishProperties = { userProperties };
  if (responseType !== undefined) properties.contentType = responseType;
  if (packet.properties?.correlationData !== undefined) properties.correlationData = packet.properties.correlationData;
  session.send({
    topic: `$webpubsub/server/events/${event}/${result.ok ? "succeeded" : "failed"}`,
    payload: body,
    qos: packet.qos,
    properties,
    expiresAt: undefined,
  });
}

function onSubscribe(ctx: LinkContext, packet: ISubscribePacket): void {
  const { session, link, core } = ctx;
  const v5 = link.version === 5;
  const identifier = packet.properties?.subscriptionIdentifier;
  const hub = core.hub(session.hub);
  // `$webpubsub/` subscriptions need no role but are held like groups: they count against the same limit.
  let reserved = reservedSubscriptions(session);
  const granted = packet.subscriptions.map((s, i): number => {
    const refuse = (v5Code: number) => (v5 ? v5Code : V4.subscribeFailure);
    const topic = s.topic;
    if (i >= mqttLimits.maxTopicsPerPacket) return refuse(V5.quotaExceeded);
    if (topic.includes("\u0000")) return refuse(V5.topicFilterInvalid);
    if (topic.startsWith("$share/")) return refuse(V5.sharedSubscriptionsNotSupported);
    if (/[+#]/.test(topic)) return refuse(V5.wildcardSubscriptionsNotSupported);
    if (topic === "" || topic.trim() === "" || topic.length > mqttLimits.maxTopicLength)
      return refuse(V5.topicFilterInvalid);
    const options = { qos: s.qos, noLocal: s.nl === true, identifier };
    if (topic.startsWith(reservedPrefix)) {
      // Server messages and event responses reach the client anyway; the subscription only sets options.
      if (!session.subscriptions.has(topic)) {
        if (session.groups.size + reserved >= core.maxGroupsPerConnection) return refuse(V5.quotaExceeded);
        reserved++;
      }
      session.subscriptions.set(topic, options);
      return s.qos;
    }
    if (!hasRole(session.roles, "joinLeaveGroup", topic)) {
      core.log?.(`mqtt ${session.connectionId} may not subscribe to '${topic}' (no joinLeaveGroup role)`);
      return refuse(V5.notAuthorized);
    }
    if (!hub.fits(session, [topic], core.maxGroupsPerConnection - reserved)) return refuse(V5.quotaExceeded);
    hub.join(session, topic);
    session.subscriptions.set(topic, options);
    return s.qos;
  });
  if (packet.messageId !== undefined) link.write({ cmd: "suback", messageId: packet.messageId, granted });
  core.prune(hub);
}

function reservedSubscriptions(session: MqttConnection): number {
  let count = 0;
  for (const topic of session.subscriptions.keys()) if (topic.startsWith(reservedPrefix)) count++;
  return count;
}

function onUnsubscribe(ctx: LinkContext, packet: IUnsubscribePacket): void {
  const { session, link, core } = ctx;
  const hub = core.hub(session.hub);
  const codes = packet.unsubscriptions.map((topic): number => {
    if (topic.startsWith(reservedPrefix))
      return session.subscriptions.delete(topic) ? V5.success : V5.noSubscriptionExisted;
    if (!hasRole(session.roles, "joinLeaveGroup", topic)) return V5.notAuthorized;
    session.subscriptions.delete(topic);
    if (!session.groups.has(topic)) return V5.noSubscriptionExisted;
    hub.leave(session, topic);
    return V5.success;
  });
  if (packet.messageId === undefined) return;
  link.write(
    link.version === 5
      ? { cmd: "unsuback", messageId: packet.messageId, granted: codes }
      : { cmd: "unsuback", messageId: packet.messageId, granted: [] },
  );
  core.prune(hub);
}
