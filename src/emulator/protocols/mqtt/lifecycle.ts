// A session's life: created or resumed by CONNECT (CONNACK, `connected` for new sessions), kept while its
// connection is interrupted (reference-mqtt-support-status: up to 30 s; 5.0: the Session Expiry Interval,
// capped there), ended by expiry, a clean start, takeover or a REST close (`disconnected`). Last wills are
// published when a connection ends without a normal DISCONNECT, after the 5.0 Will Delay Interval.
import type { IConnackPacket, IConnectPacket } from "mqtt-packet";
import type { EmulatorCore } from "../../state/core";
import type { Hub } from "../../state/hub";
import type { OutgoingMessage } from "../../state/messages";
import { hasRole } from "../../state/permissions";
import { keepState } from "../../upstream/client";
import { V4, V5 } from "./codes";
import type { ConnectDecision } from "./connect";
import { sessionEvent } from "./events";
import { mqttLimits } from "./limits";
import type { MqttLink } from "./link";
import { dataTypeOf, isJson } from "./payload";
import { MqttConnection } from "./session";

type Accepted = Extract<ConnectDecision, { ok: true }>;
type Will = NonNullable<MqttLink["will"]>;

export class SessionLifecycle {
  constructor(
    private readonly core: EmulatorCore,
    private readonly sessionExpiryMs: number,
  ) {}

  /** Creates or resumes the session for an accepted CONNECT and answers CONNACK. Undefined: refused. */
  establish(link: MqttLink, packet: IConnectPacket, decision: Accepted, hubName: string): MqttConnection | undefined {
    let hub = this.core.hub(hubName);
    const existing = hub.connections.get(decision.clientId);
    if (existing !== undefined && !(existing instanceof MqttConnection)) {
      this.refuse(
        link,
        link.version === 5 ? V5.clientIdentifierNotValid : V4.identifierRejected,
        "the client ID is in use by another connection",
      );
      this.core.prune(hub);
      return undefined;
    }
    let session = existing;
    if (session?.link !== undefined) this.takeOver(session);
    // Taking over may have ended a session that expires with its connection.
    if (session?.closed === true) session = undefined;
    const clean = packet.clean !== false;
    // A connection acts with its own token's identity: another user's session is never resumed by it (its
    // groups, queued messages and roles stay that user's). The old session ends and a fresh one starts, as
    // for a clean start.
    const otherUser = session !== undefined && session.userId !== decision.userId;
    if (session !== undefined && otherUser) {
      session.lastDisconnect = { reason: "session taken over by another user", initiatedByClient: false, packet: null };
      this.core.log?.(`mqtt ${session.connectionId}: not resumed for a connection of another user; new session`);
    }
    if (session !== undefined && (clean || otherUser)) {
      this.end(session, link.physicalId);
      session = undefined;
      // Ending the last session of a hub prunes the hub: the new session goes into the hub as it is now.
      hub = this.core.hub(hubName);
    }
    const present = session !== undefined;
    if (session === undefined) session = this.#create(link, decision, hub);
    else {
      // The same user resuming acts with the roles of this connection's token, not the previous one's.
      session.setRoles(decision.roles);
      if (decision.state !== undefined) keepState(session, decision.state);
    }
    if (session === undefined) return undefined;
    const capped = this.#attach(session, link, packet, clean);
    link.write(this.#connack(link, present, decision, capped));
    const version = link.version === 5 ? "5.0" : "3.1.1";
    const resumed = present ? "session resumed" : "new session";
    this.core.log?.(`mqtt ${session.connectionId} connected to hub ${hub.name} (MQTT ${version}, ${resumed})`);
    const observed = { hub: hub.name, connectionId: session.connectionId, userId: session.userId, subprotocol: "mqtt" };
    if (present) {
      this.core.observation.emit?.({ kind: "recovered", ...observed });
      session.resend();
    } else {
      this.core.observation.emit?.({ kind: "connected", ...observed });
      void sessionEvent(this.core, session, link.physicalId, "connected");
    }
    return session;
  }

  /** A new session for the client, in its hub and initial groups; undefined (refused) past the group limit. */
  #create(link: MqttLink, decision: Accepted, hub: Hub): MqttConnection | undefined {
    // Like other clients (the emulator's groups-per-connection limit), too many initial groups refuse the client.
    const groups = new Set(decision.groups.filter((g) => g.length >= 1 && g.length <= mqttLimits.maxTopicLength));
    if (groups.size > this.core.maxGroupsPerConnection) {
      this.refuse(
        link,
        link.version === 5 ? V5.quotaExceeded : V4.serverUnavailable,
        `the session would start in more than ${this.core.maxGroupsPerConnection} groups, ` +
          "the most the emulator allows",
      );
      this.core.prune(hub);
      return undefined;
    }
    const session = new MqttConnection(
      hub.name,
      decision.clientId,
      decision.userId,
      decision.roles,
      this.core.recordMessages,
    );
    session.state = decision.state;
    hub.add(session, groups);
    return session;
  }

  /** Puts the session on this link: timers cancelled, expiry and flow limits from CONNECT. True: expiry capped. */
  #attach(session: MqttConnection, link: MqttLink, packet: IConnectPacket, clean: boolean): boolean {
    // Coming back within the Will Delay Interval cancels the will.
    if (session.pendingWill !== undefined) clearTimeout(session.pendingWill.timer);
    session.pendingWill = undefined;
    if (session.expiryTimer !== undefined) clearTimeout(session.expiryTimer);
    session.expiryTimer = undefined;
    session.link = link;
    session.socket = link.ws;
    const requested =
      link.version === 5 ? (packet.properties?.sessionExpiryInterval ?? 0) * 1000 : clean ? 0 : this.sessionExpiryMs;
    session.expiryMs = Math.min(requested, this.sessionExpiryMs);
    if (link.version === 5) {
      link.clientReceiveMaximum = packet.properties?.receiveMaximum ?? 65535;
      link.clientMaximumPacketSize = packet.properties?.maximumPacketSize ?? Number.POSITIVE_INFINITY;
    }
    return requested > this.sessionExpiryMs;
  }

  #connack(link: MqttLink, sessionPresent: boolean, decision: Accepted, capped: boolean): IConnackPacket {
    if (link.version === 4) return { cmd: "connack", returnCode: 0, sessionPresent };
    const properties: NonNullable<IConnackPacket["properties"]> = {
      receiveMaximum: mqttLimits.receiveMaximum,
      maximumPacketSize: mqttLimits.maxPacketBytes,
      retainAvailable: false,
      wildcardSubscriptionAvailable: false,
      sharedSubscriptionAvailable: false,
      subscriptionIdentifiersAvailable: true,
    };
    if (capped) properties.sessionExpiryInterval = Math.floor(this.sessionExpiryMs / 1000);
    if (decision.assigned) properties.assignedClientIdentifier = decision.clientId;
    if (decision.userProperties !== undefined) properties.userProperties = decision.userProperties;
    return { cmd: "connack", reasonCode: 0, sessionPresent, properties };
  }

  /** A failed CONNACK (when the version has a code for the problem), then the connection ends. */
  refuse(link: MqttLink, code: number | undefined, reason: string, userProperties?: Record<string, string[]>): void {
    this.core.log?.(`mqtt connection refused: ${reason}`);
    if (code !== undefined) {
      if (link.version === 5) {
        const properties: NonNullable<IConnackPacket["properties"]> = { reasonString: reason };
        if (userProperties !== undefined) properties.userProperties = userProperties;
        link.write({ cmd: "connack", reasonCode: code, sessionPresent: false, properties });
      } else {
        link.write({ cmd: "connack", returnCode: code, sessionPresent: false });
      }
    }
    link.close();
  }

  /** A new connection takes over an online session: the old one is told (5.0) and cut off. */
  takeOver(session: MqttConnection): void {
    const old = session.link;
    if (old === undefined) return;
    if (old.version === 5) old.write({ cmd: "disconnect", reasonCode: V5.sessionTakenOver });
    session.lastDisconnect = {
      reason: "session taken over",
      initiatedByClient: false,
      packet: old.version === 5 ? { code: V5.sessionTakenOver, userProperties: null } : null,
    };
    this.detach(session, old);
    old.close();
  }

  /** The session's connection ended: publish the will (unless DISCONNECT said not to) and start the expiry clock. */
  detach(session: MqttConnection, link: MqttLink): void {
    if (session.link !== link) return;
    session.link = undefined;
    session.socket = undefined;
    if (session.closed) return;
    if (link.will !== undefined) this.#scheduleWill(session, link.will);
    link.will = undefined;
    if (session.expiryMs <= 0) {
      this.end(session, link.physicalId);
      return;
    }
    this.core.observation.emit?.({
      kind: "offline",
      hub: session.hub,
      connectionId: session.connectionId,
      userId: session.userId,
      subprotocol: "mqtt",
      reason: session.lastDisconnect.reason ?? "connection lost",
    });
    session.expiryTimer = setTimeout(() => this.end(session, link.physicalId), session.expiryMs);
    session.expiryTimer.unref?.();
  }

  /** Ends the session: it leaves the hub, a delayed will goes out now, and `disconnected` is sent. */
  end(session: MqttConnection, physicalId: string): void {
    if (session.closed) return;
    const pending = session.pendingWill;
    if (pending !== undefined) {
      clearTimeout(pending.timer);
      session.pendingWill = undefined;
      this.publishWill(session, pending.will);
    }
    const hub = this.core.existingHub(session.hub);
    hub?.remove(session);
    session.closed = true;
    const why = session.lastDisconnect.reason === null ? "" : `: ${session.lastDisconnect.reason}`;
    this.core.log?.(`mqtt ${session.connectionId} session ended${why}`);
    this.core.observation.emit?.({
      kind: "disconnected",
      hub: session.hub,
      connectionId: session.connectionId,
      userId: session.userId,
      subprotocol: "mqtt",
      reason: session.lastDisconnect.reason ?? "closed by the client",
    });
    void sessionEvent(this.core, session, physicalId, "disconnected");
    if (hub !== undefined) this.core.prune(hub);
  }

  /** REST close calls: DISCONNECT (5.0, Administrative action), then the session ends at once. */
  closeByServer(session: MqttConnection, reason: string | undefined): void {
    const link = session.link;
    const physicalId = link?.physicalId ?? "";
    session.lastDisconnect = {
      reason: reason ?? null,
      initiatedByClient: false,
      packet: link?.version === 5 ? { code: V5.administrativeAction, userProperties: null } : null,
    };
    if (link !== undefined) {
      if (link.version === 5)
        link.write({
          cmd: "disconnect",
          reasonCode: V5.administrativeAction,
          properties: reason === undefined ? {} : { reasonString: reason },
        });
      session.expiryMs = 0;
      this.detach(session, link);
      link.close();
    }
    this.end(session, physicalId);
  }

  #scheduleWill(session: MqttConnection, will: Will): void {
    const delay = Math.min((will.properties?.willDelayInterval ?? 0) * 1000, session.expiryMs);
    if (delay <= 0) {
      this.publishWill(session, will);
      return;
    }
    const timer = setTimeout(() => {
      session.pendingWill = undefined;
      this.publishWill(session, will);
    }, delay);
    timer.unref?.();
    session.pendingWill = { will, timer };
  }

  /** A will is a publish to its topic, with the session's permission to send there. */
  publishWill(session: MqttConnection, will: Will): void {
    const hub = this.core.existingHub(session.hub);
    const members = hub?.groups.get(will.topic);
    if (hub === undefined || members === undefined) return;
    if (!hasRole(session.roles, "sendToGroup", will.topic)) {
      this.core.log?.(`mqtt ${session.connectionId}: will not published, no permission to send to '${will.topic}'`);
      return;
    }
    const props = will.properties;
    const payload = Buffer.isBuffer(will.payload) ? will.payload : Buffer.from(will.payload);
    let dataType = dataTypeOf(props?.contentType);
    if (dataType === "json" && !isJson(payload)) dataType = "binary";
    const properties: Record<string, unknown> = {};
    for (const key of [
      "payloadFormatIndicator",
      "messageExpiryInterval",
      "contentType",
      "responseTopic",
      "correlationData",
      "userProperties",
    ] as const) {
      if (props?.[key] !== undefined) properties[key] = props[key];
    }
    const expiry = props?.messageExpiryInterval;
    const message: OutgoingMessage = {
      dataType,
      payload,
      from: "group",
      group: will.topic,
      mqtt: {
        qos: will.qos ?? 0,
        senderId: session.connectionId,
        properties,
        expiresAt: expiry === undefined ? undefined : Date.now() + expiry * 1000,
      },
    };
    if (session.userId !== null) message.fromUserId = session.userId;
    hub.broadcast(members, message);
  }
}
