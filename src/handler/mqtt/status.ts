// How MQTT connect failures travel over HTTP. The service reads the CONNACK code from the JSON body
// (`{"mqtt":{"code","reason"?,"userProperties"?}}`) and treats any non-2xx status as a refusal; the status
// chosen for each code is @azure/web-pubsub-express 1.1's, so both handlers answer the same bytes.
import { MqttV311ConnectReturnCode as V311, MqttV500ConnectReasonCode as V500 } from "./codes";

const V500_STATUS = new Map<number, number>([
  [V500.NotAuthorized, 401],
  [V500.BadUserNameOrPassword, 401],
  [V500.ClientIdentifierNotValid, 400],
  [V500.MalformedPacket, 400],
  [V500.UnsupportedProtocolVersion, 400],
  [V500.BadAuthenticationMethod, 400],
  [V500.TopicNameInvalid, 400],
  [V500.PayloadFormatInvalid, 400],
  [V500.ImplementationSpecificError, 400],
  [V500.PacketTooLarge, 400],
  [V500.RetainNotSupported, 400],
  [V500.QosNotSupported, 400],
  [V500.QuotaExceeded, 429],
  [V500.ConnectionRateExceeded, 429],
  [V500.Banned, 403],
]);

const V311_STATUS = new Map<number, number>([
  [V311.UnacceptableProtocolVersion, 400],
  [V311.IdentifierRejected, 400],
  [V311.ServerUnavailable, 503],
  [V311.BadUsernameOrPassword, 401],
  [V311.NotAuthorized, 401],
]);

/** The HTTP status that carries an MQTT connect failure code (codes below 0x80 are 3.1.1 return codes). */
export function statusForMqttCode(code: number): number {
  return (code < 0x80 ? V311_STATUS : V500_STATUS).get(code) ?? 500;
}

/**
 * The MQTT code for a `fail(status)` on an MQTT connection: 400 → bad user name or password, 401 → not
 * authorized, anything else → server unavailable (3.1.1) / unspecified error (5.0). An unknown protocol
 * version gets 3.1.1's "unacceptable protocol version", which every MQTT version understands.
 */
export function mqttCodeForStatus(status: number, protocolVersion: unknown): number {
  if (protocolVersion === 4) {
    if (status === 400) return V311.BadUsernameOrPassword;
    if (status === 401) return V311.NotAuthorized;
    return V311.ServerUnavailable;
  }
  if (protocolVersion === 5) {
    if (status === 400) return V500.BadUserNameOrPassword;
    if (status === 401) return V500.NotAuthorized;
    return V500.UnspecifiedError;
  }
  return V311.UnacceptableProtocolVersion;
}

/**
 * Whether a request comes from an MQTT client: @azure/web-pubsub-express's test, a subprotocol naming mqtt plus the
 * `ce-physicalConnectionId` header that only MQTT connections carry.
 */
export function isMqttRequest(headers: Headers): boolean {
  const subprotocol = headers.get("ce-subprotocol");
  return subprotocol !== null && subprotocol.toLowerCase().includes("mqtt") && headers.has("ce-physicalConnectionId");
}
