// webpubsub/handler: framework-agnostic Azure Web PubSub CloudEvents handler (web Request/Response and Node).
export { WebPubSubEventHandler } from "./WebPubSubEventHandler";
export * from "./publicTypes";
export { verifyEventSignature } from "../token/verifySignature";
export { createNegotiateHandler } from "./negotiate";
