// MQTT additions to the CloudEvents shapes (Azure/azure-webpubsub protocols/server/cloud-events/main.tsp),
// named as in @azure/web-pubsub-express 1.1. The MQTT requests and reply that extend the generic ones
// (MqttConnectRequest, MqttConnectResponse, MqttDisconnectedRequest) live in ../types.ts, which imports these.
import type { MqttDisconnectReasonCode, MqttV311ConnectReturnCode, MqttV500ConnectReasonCode } from "./codes";

/** An MQTT user property (a name/value pair carried by CONNECT, CONNACK and DISCONNECT packets of MQTT 5.0). */
export interface MqttUserProperty {
  /** The property name. */
  name: string;
  /** The property value. */
  value: string;
}

/** What the context knows about an MQTT connection. */
export interface MqttConnectionContextProperties {
  /** The service's id of the network connection (`ce-physicalConnectionId`); do not parse it. */
  physicalConnectionId: string;
  /** The service's id of the MQTT session (`ce-sessionId`), when sent. */
  sessionId?: string;
}

/** The MQTT CONNECT packet's fields, as the service forwards them. */
export interface MqttConnectProperties {
  /** 4 for MQTT 3.1.1, 5 for MQTT 5.0. */
  protocolVersion: number;
  /** The packet's user name, when given. */
  username?: string;
  /** The packet's password, base64-encoded by the service, when given. Never log it. */
  password?: string;
  /** The packet's user properties (MQTT 5.0). */
  userProperties?: MqttUserProperty[];
}

/** MQTT-only parts of a successful connect reply. */
export interface MqttConnectResponseProperties {
  /** Sent to the client in CONNACK (MQTT 5.0 clients only; 3.1.1 has no user properties). */
  userProperties?: MqttUserProperty[];
}

/** A connect refusal in the service's generic form: the HTTP status and a detail. */
export interface ConnectErrorResponse {
  /** The HTTP status: 400, 401 or 500. */
  code: 400 | 401 | 500;
  /** Why, for the service's logs. Never put secrets in it. */
  detail?: string;
}

/** What an MQTT connect refusal tells the client. */
export interface MqttConnectErrorResponseProperties {
  /** The CONNACK code: a 3.1.1 return code for protocol version 4, a 5.0 reason code for version 5. */
  code: MqttV311ConnectReturnCode | MqttV500ConnectReasonCode;
  /** A human-readable reason (MQTT 5.0 clients receive it). */
  reason?: string;
  /** User properties for CONNACK (MQTT 5.0 clients receive them). */
  userProperties?: MqttUserProperty[];
}

/** A connect refusal with an MQTT code. */
export interface MqttConnectErrorResponse {
  /** The MQTT refusal. */
  mqtt: MqttConnectErrorResponseProperties;
}

/** The DISCONNECT packet that ended an MQTT session. */
export interface MqttDisconnectPacket {
  /** The MQTT 5.0 reason code (0 for 3.1.1 clients). */
  code: MqttDisconnectReasonCode;
  /** The packet's user properties, when the client sent any. */
  userProperties?: MqttUserProperty[];
}

/** MQTT details of a `disconnected` event. */
export interface MqttDisconnectedProperties {
  /** The DISCONNECT packet that ended the last network connection, when there was one. */
  disconnectPacket: MqttDisconnectPacket;
  /** Whether the client ended the session. */
  initiatedByClient: boolean;
}
