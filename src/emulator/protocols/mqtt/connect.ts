// The CONNECT packet: the checks the service documents (howto-connect-mqtt-websocket-client, "limitations
// you should follow ... otherwise the connection will be rejected"), then the blocking `connect` event
// (reference-mqtt-cloud-events) whose answer can set the user, groups and roles or refuse the client.
import { randomBytes } from "node:crypto";
import type { IConnectPacket } from "mqtt-packet";
import type { EmulatorCore } from "../../state/core";
import type { ConnectReply } from "../../upstream/client";
import { connackFailureCode, V4, V5 } from "./codes";
import { eventHeaders, userPropertyList, userPropertyMap } from "./events";
import { mqttLimits } from "./limits";

/** What the WebSocket handshake established (the token's claims, the request's query and headers). */
export interface MqttHandshake {
  hub: string;
  userId: string | null;
  roles: string[];
  groups: string[];
  claims: Record<string, string[]>;
  query: Record<string, string[]>;
  headers: Record<string, string[]>;
}

export type ConnectDecision =
  | {
      ok: true;
      clientId: string;
      /** Set when the client sent no ID (5.0) and the emulator picked one. */
      assigned: boolean;
      userId: string | null;
      roles: string[];
      groups: string[];
      state: string | undefined;
      /** From the connect handler's `mqtt.userProperties`, for the CONNACK (5.0). */
      userProperties: Record<string, string[]> | undefined;
    }
  /** `code` undefined: close without CONNACK (MQTT 3.1.1 has no code for the problem, §3.1.4). */
  | { ok: false; code: number | undefined; reason: string; userProperties?: Record<string, string[]> };

/**
 * Any client ID a broker may accept (MQTT 3.1.1 §3.1.3.1 and 5.0 §3.1.3.1: UTF-8 without U+0000; MQTT.js sends
 * `mqttjs_` + hex by default), up to the emulator's length limit: it becomes the connection ID.
 */
function clientIdProblem(clientId: string): string | undefined {
  if (clientId.includes("\u0000")) return "the client ID must not contain U+0000";
  if (clientId.length > mqttLimits.maxClientIdLength)
    return `the client ID must be at most ${mqttLimits.maxClientIdLength} characters (got ${clientId.length})`;
  return undefined;
}

export function checkConnect(packet: IConnectPacket): Extract<ConnectDecision, { ok: false }> | undefined {
  const v5 = packet.protocolVersion === 5;
  const fail = (v4Code: number | undefined, v5Code: number, reason: string) => ({
    ok: false as const,
    code: v5 ? v5Code : v4Code,
    reason,
  });
  if (packet.protocolVersion !== 4 && packet.protocolVersion !== 5) {
    return {
      ok: false,
      code: V4.unacceptableProtocolVersion,
      reason: `MQTT protocol version ${String(packet.protocolVersion)} is not supported; use 3.1.1 (4) or 5.0 (5)`,
    };
  }
  const idProblem = typeof packet.clientId === "string" ? clientIdProblem(packet.clientId) : "the client ID is missing";
  if (idProblem !== undefined) return fail(V4.identifierRejected, V5.clientIdentifierNotValid, idProblem);
  if (packet.clientId === "" && !v5)
    return fail(V4.identifierRejected, V5.clientIdentifierNotValid, "MQTT 3.1.1 clients must send a client ID");
  const keepalive = packet.keepalive ?? 0;
  if (!v5 && (keepalive < mqttLimits.keepAliveRange[0] || keepalive > mqttLimits.keepAliveRange[1])) {
    return fail(
      undefined,
      V5.protocolError,
      `the keep-alive interval must be ${mqttLimits.keepAliveRange[0]} to ${mqttLimits.keepAliveRange[1]} seconds for MQTT 3.1.1 (got ${keepalive})`,
    );
  }
  const will = packet.will;
  if (will !== undefined) {
    if (will.topic.trim() === "" || will.topic.length > mqttLimits.maxTopicLength || /[+#]/.test(will.topic)) {
      return fail(
        undefined,
        V5.topicNameInvalid,
        "the will topic must be 1 to 1024 characters with a non-whitespace one and no wildcard",
      );
    }
    if (Buffer.byteLength(will.payload) > mqttLimits.maxWillPayloadBytes)
      return fail(
        undefined,
        V5.packetTooLarge,
        `the will message is larger than ${mqttLimits.maxWillPayloadBytes} bytes`,
      );
    if (will.retain === true) return fail(undefined, V5.retainNotSupported, "retained messages are not supported");
  }
  if (v5 && packet.properties?.authenticationMethod !== undefined)
    return fail(undefined, V5.badAuthenticationMethod, "enhanced authentication is not supported");
  return undefined;
}

/** Runs the checks, then the `connect` event when the hub has a handler for it. */
export async function decideConnect(
  core: EmulatorCore,
  handshake: MqttHandshake,
  packet: IConnectPacket,
  physicalId: string,
): Promise<ConnectDecision> {
  const refused = checkConnect(packet);
  if (refused !== undefined) return refused;
  const version = packet.protocolVersion as 4 | 5;
  const assigned = packet.clientId === "";
  const clientId = assigned ? randomBytes(16).toString("hex") : packet.clientId;
  const decision: Extract<ConnectDecision, { ok: true }> = {
    ok: true,
    clientId,
    assigned,
    userId: handshake.userId,
    roles: [...handshake.roles],
    groups: [...handshake.groups],
    state: undefined,
    userProperties: undefined,
  };
  const upstream = core.upstream(handshake.hub);
  if (upstream === undefined || !upstream.wants("system", "connect")) return decision;
  const body = JSON.stringify({
    mqtt: {
      protocolVersion: version,
      cleanStart: packet.clean !== false,
      username: packet.username ?? null,
      password: packet.password === undefined ? null : Buffer.from(packet.password).toString("base64"),
      userProperties: userPropertyList(packet.properties?.userProperties),
    },
    claims: handshake.claims,
    query: handshake.query,
    headers: handshake.headers,
    subprotocols: ["mqtt"],
    clientCertificates: [],
  });
  const result = await upstream.send(
    handshake.hub,
    { connectionId: clientId, userId: handshake.userId, subprotocol: "mqtt" },
    "azure.webpubsub.sys.connect",
    "connect",
    body,
    "application/json",
    eventHeaders(handshake.hub, clientId, physicalId, undefined),
  );
  if (!result.ok) {
    const reply = parseJson(result.body) as
      { mqtt?: { code?: unknown; reason?: unknown; userProperties?: unknown } } | undefined;
    const mqtt = reply?.mqtt;
    const failure: Extract<ConnectDecision, { ok: false }> = {
      ok: false,
      code: connackFailureCode(version, result.status, mqtt?.code),
      reason: typeof mqtt?.reason === "string" ? mqtt.reason : `rejected by the event handler (${result.status})`,
    };
    const props = userPropertyMap(mqtt?.userProperties);
    if (props !== undefined) failure.userProperties = props;
    return failure;
  }
  decision.state = result.state ?? undefined;
  if (result.status === 200 && result.body.length > 0) {
    const reply = parseJson(result.body) as (ConnectReply & { mqtt?: { userProperties?: unknown } }) | undefined;
    if (reply === undefined || typeof reply !== "object" || reply === null) {
      return {
        ok: false,
        code: version === 4 ? V4.serverUnavailable : V5.unspecifiedError,
        reason: "the event handler's connect reply is not JSON",
      };
    }
    if (typeof reply.userId === "string" && reply.userId !== "") decision.userId = reply.userId;
    if (Array.isArray(reply.groups))
      decision.groups.push(...reply.groups.filter((g): g is string => typeof g === "string"));
    if (Array.isArray(reply.roles))
      decision.roles.push(...reply.roles.filter((r): r is string => typeof r === "string"));
    decision.userProperties = userPropertyMap(reply.mqtt?.userProperties);
  }
  return decision;
}

function parseJson(body: Buffer | undefined): unknown {
  if (body === undefined || body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}
