// Return codes (MQTT 3.1.1 §3.2.2.3) and reason codes (MQTT 5.0 §2.4) the emulator sends.

/** CONNACK return codes of MQTT 3.1.1. */
export const V4 = {
  accepted: 0,
  unacceptableProtocolVersion: 1,
  identifierRejected: 2,
  serverUnavailable: 3,
  badUsernameOrPassword: 4,
  notAuthorized: 5,
  /** SUBACK: the subscription was refused. */
  subscribeFailure: 0x80,
} as const;

/** Reason codes of MQTT 5.0. */
export const V5 = {
  success: 0x00,
  disconnectWithWill: 0x04,
  noSubscriptionExisted: 0x11,
  unspecifiedError: 0x80,
  malformedPacket: 0x81,
  protocolError: 0x82,
  implementationSpecificError: 0x83,
  unsupportedProtocolVersion: 0x84,
  clientIdentifierNotValid: 0x85,
  badUserNameOrPassword: 0x86,
  notAuthorized: 0x87,
  serverUnavailable: 0x88,
  serverBusy: 0x89,
  banned: 0x8a,
  serverShuttingDown: 0x8b,
  badAuthenticationMethod: 0x8c,
  keepAliveTimeout: 0x8d,
  sessionTakenOver: 0x8e,
  topicFilterInvalid: 0x8f,
  topicNameInvalid: 0x90,
  receiveMaximumExceeded: 0x93,
  topicAliasInvalid: 0x94,
  packetTooLarge: 0x95,
  quotaExceeded: 0x97,
  administrativeAction: 0x98,
  payloadFormatInvalid: 0x99,
  retainNotSupported: 0x9a,
  sharedSubscriptionsNotSupported: 0x9e,
  wildcardSubscriptionsNotSupported: 0xa2,
} as const;

/** CONNACK failure codes a connect handler may answer with, per protocol version (others become "unspecified"). */
const v4ConnackFailures = new Set([1, 2, 3, 4, 5]);
const v5ConnackFailures = new Set([
  0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99, 0x9a, 0x9b, 0x9c,
  0x9d, 0x9f,
]);

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
