// The MQTT codes the emulator sends, by the names its MQTT code uses. Every value comes from the one set in
// src/internal/mqttCodes.ts (shared with the event handler); this file only names them for the emulator.
import {
  MqttAckCode as Ack,
  MqttDisconnectReasonCode as Reason,
  MqttV311ConnectReturnCode as V311,
  MqttV500ConnectReasonCode as V500,
} from "../../../internal/mqttCodes";

/** The codes as plain numbers: they are compared with the numbers packets carry. */
function numbers<T extends Record<string, number>>(codes: T): { readonly [K in keyof T]: number } {
  return codes;
}

/** CONNACK return codes of MQTT 3.1.1 (and its SUBACK failure). */
export const V4 = numbers({
  accepted: Ack.Success,
  unacceptableProtocolVersion: V311.UnacceptableProtocolVersion,
  identifierRejected: V311.IdentifierRejected,
  serverUnavailable: V311.ServerUnavailable,
  badUsernameOrPassword: V311.BadUsernameOrPassword,
  notAuthorized: V311.NotAuthorized,
  /** SUBACK: the subscription was refused. */
  subscribeFailure: Ack.V311SubscribeFailure,
});

/** Reason codes of MQTT 5.0. */
export const V5 = numbers({
  success: Ack.Success,
  disconnectWithWill: Reason.DisconnectWithWillMessage,
  noSubscriptionExisted: Ack.NoSubscriptionExisted,
  packetIdentifierNotFound: Ack.PacketIdentifierNotFound,
  unspecifiedError: Reason.UnspecifiedError,
  malformedPacket: Reason.MalformedPacket,
  protocolError: Reason.ProtocolError,
  implementationSpecificError: Reason.ImplementationSpecificError,
  unsupportedProtocolVersion: V500.UnsupportedProtocolVersion,
  clientIdentifierNotValid: V500.ClientIdentifierNotValid,
  badUserNameOrPassword: V500.BadUserNameOrPassword,
  notAuthorized: Reason.NotAuthorized,
  serverUnavailable: V500.ServerUnavailable,
  serverBusy: Reason.ServerBusy,
  banned: V500.Banned,
  serverShuttingDown: Reason.ServerShuttingDown,
  badAuthenticationMethod: V500.BadAuthenticationMethod,
  keepAliveTimeout: Reason.KeepAliveTimeout,
  sessionTakenOver: Reason.SessionTakenOver,
  topicFilterInvalid: Reason.TopicFilterInvalid,
  topicNameInvalid: Reason.TopicNameInvalid,
  receiveMaximumExceeded: Reason.ReceiveMaximumExceeded,
  topicAliasInvalid: Reason.TopicAliasInvalid,
  packetTooLarge: Reason.PacketTooLarge,
  quotaExceeded: Reason.QuotaExceeded,
  administrativeAction: Reason.AdministrativeAction,
  payloadFormatInvalid: Reason.PayloadFormatInvalid,
  retainNotSupported: Reason.RetainNotSupported,
  sharedSubscriptionsNotSupported: Reason.SharedSubscriptionsNotSupported,
  wildcardSubscriptionsNotSupported: Reason.WildcardSubscriptionsNotSupported,
});

/** The CONNACK failure codes a connect handler may answer with, per protocol version (others become "unspecified"). */
const enumValues = (e: object): Set<number> => new Set(Object.values(e).filter((v) => typeof v === "number"));
const v4ConnackFailures = enumValues(V311);
const v5ConnackFailures = enumValues(V500);

/**
 * The CONNACK code for a connect handler's failure answer: its `mqtt.code` when valid for the client's
 * version, "unspecified error" when invalid (reference-mqtt-cloud-events); without an `mqtt.code`, one
 * derived from the HTTP status the way @azure/web-pubsub-express derives its codes (400/401/500).
 */
export function connackFailureCode(version: 4 | 5, status: number, code: unknown): number {
  if (code !== undefined && code !== null) {
    if (typeof code === "number" && (version === 4 ? v4ConnackFailures : v5ConnackFailures).has(code)) return code;
    return version === 4 ? V4.serverUnavailable : V5.unspecifiedError;
  }
  if (status === 400) return version === 4 ? V4.badUsernameOrPassword : V5.badUserNameOrPassword;
  if (status === 401) return version === 4 ? V4.notAuthorized : V5.notAuthorized;
  if (status === 403) return version === 4 ? V4.notAuthorized : V5.banned;
  return version === 4 ? V4.serverUnavailable : V5.unspecifiedError;
}
