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
  UserEventDataType,
  UserEventRequest,
  UserEventResponseHandler,
  WebPubSubEventHandlerOptions,
} from "./types";
export type { EventHttpRequest, EventHttpResponse } from "./message";
export { verifyEventSignature } from "../token/verifySignature";
export { createNegotiateHandler } from "./negotiate";
export type { NegotiateClient, NegotiateOptions, PerRequest } from "./negotiate";
