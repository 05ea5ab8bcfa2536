// webpubsub/handler: framework-agnostic Azure Web PubSub CloudEvents handler (web Request/Response and Node).
export { WebPubSubEventHandler } from "./WebPubSubEventHandler";
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
export { verifyEventSignature } from "../token/verifySignature";
export { createNegotiateHandler } from "./negotiate";
export type { NegotiateClient, NegotiateOptions, PerRequest } from "./negotiate";
