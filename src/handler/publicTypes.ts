// The event types, MQTT codes and negotiate/HTTP shapes that every handler entry exports (webpubsub/handler,
// webpubsub/express, webpubsub/fastify): named once here, re-exported by each entry with `export *`.
export type {
  Certificate,
  ConnectedRequest,
  ConnectionContext,
  ConnectRequest,
  ConnectResponse,
  ConnectResponseHandler,
  DisconnectedRequest,
  GroupEventRequest,
  GroupJoinedRequest,
  GroupLeftRequest,
  MqttConnectRequest,
  MqttConnectResponse,
  MqttDisconnectedRequest,
  UserEventDataType,
  UserEventRequest,
  UserEventResponseHandler,
  WebPubSubClientProtocol,
  WebPubSubEventHandlerOptions,
} from "./types";
export type {
  ConnectErrorResponse,
  MqttConnectErrorResponse,
  MqttConnectErrorResponseProperties,
  MqttConnectionContextProperties,
  MqttConnectProperties,
  MqttConnectResponseProperties,
  MqttDisconnectedProperties,
  MqttDisconnectPacket,
  MqttUserProperty,
} from "./mqtt/types";
export { MqttDisconnectReasonCode, MqttV311ConnectReturnCode, MqttV500ConnectReasonCode } from "./mqtt/codes";
export type { EventHttpRequest, EventHttpResponse } from "./message";
export type { NegotiateClient, NegotiateOptions, PerRequest } from "./negotiate";
