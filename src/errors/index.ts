export { WebPubSubError, type WebPubSubErrorCode } from "./WebPubSubError";
export { ValidationError } from "./ValidationError";
export { RestError, type RestErrorDetail } from "./RestError";
export { NetworkError } from "./NetworkError";
export { TimeoutError } from "./TimeoutError";
export { AbortError } from "./AbortError";
export { ClosedError } from "./ClosedError";
