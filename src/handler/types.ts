// Public request/response shapes. Names and fields follow @azure/web-pubsub-express so users can migrate
// by changing one import.
import type {
  ConnectErrorResponse,
  MqttConnectErrorResponse,
  MqttConnectionContextProperties,
  MqttConnectProperties,
  MqttConnectResponseProperties,
  MqttDisconnectedProperties,
} from "./mqtt/types";

/** The client protocol of a connection: `mqtt` for MQTT clients, `default` for every other client. */
export type WebPubSubClientProtocol = "default" | "mqtt";

/** The connection a CloudEvents request is about. */
export interface ConnectionContext {
  /** The hub the connection belongs to. */
  hub: string;
  /** The connection id. */
  connectionId: string;
  /** The event name, e.g. `connect`, `connected`, `message` or a custom user event name. */
  eventName: string;
  /** The host the request comes from (`WebHook-Request-Origin`, else `Host`). */
  origin: string;
  /** The user id, when the connection has one. */
  userId?: string;
  /** The subprotocol the connection negotiated, when any. */
  subprotocol?: string;
  // @azure/web-pubsub-express's type, kept for drop-in.
  /** Connection state set earlier with `setState` (round-tripped through `ce-connectionState`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  states: Record<string, any>;
  /** `mqtt` for MQTT clients, else `default`. */
  clientProtocol: WebPubSubClientProtocol;
  /** MQTT connection ids (MQTT clients only). */
  mqtt?: MqttConnectionContextProperties;
  /**
   * The request's `ce-signature` header ("" when it had none). Already verified unless `verifySignature` is
   * false. Not enumerable, so `JSON.stringify(request)` and `console.log(request)` never print it.
   */
  signature: string;
}

/** A client certificate presented at connect. */
export interface Certificate {
  /** The certificate thumbprint. */
  thumbprint: string;
  /** The PEM content, when the service forwards it. */
  content?: string;
}

/** The blocking `connect` event. */
export interface ConnectRequest {
  context: ConnectionContext;
  /** Claims of the client's access token. */
  claims?: Record<string, string[]>;
  /**
   * Query string of the client's connect URL, as the service sends it.
   * @deprecated Use `queries` (as in @azure/web-pubsub-express); both hold the same value.
   */
  query?: Record<string, string[]>;
  /** Query string of the client's connect URL. */
  queries?: Record<string, string[]>;
  /** Headers of the client's connect request. */
  headers?: Record<string, string[]>;
  /** Subprotocols the client offered. */
  subprotocols?: string[];
  /** Client certificates. */
  clientCertificates?: Certificate[];
}

/** The `connect` event of an MQTT client. Check `request.context.clientProtocol === "mqtt"` to narrow. */
export interface MqttConnectRequest extends ConnectRequest {
  /** The CONNECT packet's fields. */
  mqtt: MqttConnectProperties;
}

/** What a `connect` handler may change about the connection. */
export interface ConnectResponse {
  /** Groups to join. */
  groups?: string[];
  /** Roles to grant, e.g. `webpubsub.sendToGroup.chat`. */
  roles?: string[];
  /** The user id to assign. */
  userId?: string;
  /** The subprotocol to select (one the client offered). */
  subprotocol?: string;
}

/** A successful connect reply for an MQTT client. */
export interface MqttConnectResponse extends ConnectResponse {
  /** MQTT-only reply fields. */
  mqtt?: MqttConnectResponseProperties;
}

/** Replies to a `connect` event. Call exactly one of `success` or `fail`. */
export interface ConnectResponseHandler {
  /** Keeps `value` under `name` in the connection state (sent back on later events). */
  setState(name: string, value: unknown): void;
  /**
   * Accepts the connection, optionally assigning a user id, groups, roles or subprotocol (and, for MQTT
   * clients, CONNACK user properties). Without a response the reply is `204`; with one, `200` and JSON.
   */
  success(response?: ConnectResponse | MqttConnectResponse): void;
  /**
   * Rejects the connection with `code` as the HTTP status. `detail` is sent to the service (never put secrets
   * in it). For an MQTT client the body is `{"mqtt":{"code","reason"}}` with the MQTT code matching `code`
   * (400 → bad user name or password, 401 → not authorized, else server unavailable / unspecified error).
   */
  fail(code: 400 | 401 | 500, detail?: string): void;
  /**
   * Rejects the connection with a chosen MQTT code (`{ mqtt: { code, reason?, userProperties? } }`; the HTTP
   * status follows the code) or with `{ code, detail }` like `fail`.
   */
  failWith(response: ConnectErrorResponse | MqttConnectErrorResponse): void;
}

/** Type of a user event payload. */
export type UserEventDataType = "binary" | "text" | "json";

/**
 * A user event (blocking): a message the client sent. Narrow on `dataType`: a string for `text`, the parsed
 * value for `json`, bytes for `binary` (a `Buffer` on Node, a `Uint8Array` elsewhere).
 */
export type UserEventRequest =
  | { context: ConnectionContext; data: string; dataType: "text" }
  | { context: ConnectionContext; data: unknown; dataType: "json" }
  | { context: ConnectionContext; data: Uint8Array; dataType: "binary" };

/** Replies to a user event. Call exactly one of `success` or `fail`. */
export interface UserEventResponseHandler {
  /** Keeps `value` under `name` in the connection state. */
  setState(name: string, value: unknown): void;
  /**
   * Replies to the client with `data` (`200`); without data nothing is sent back (`204`). A string or bytes
   * go as they are; with `dataType: "json"` any other value is serialised for you (so a `json` request's
   * `data` can be echoed as is).
   * @param dataType - @default "binary" (as in @azure/web-pubsub-express)
   */
  success(data?: unknown, dataType?: UserEventDataType): void;
  /** Fails the event. `detail` is sent to the service (never put secrets in it). */
  fail(code: 400 | 401 | 500, detail?: string): void;
}

/** The non-blocking `connected` event. */
export interface ConnectedRequest {
  context: ConnectionContext;
}

/** The non-blocking `disconnected` event. */
export interface DisconnectedRequest {
  context: ConnectionContext;
  /** Why the connection closed, when known. */
  reason?: string;
}

/** The `disconnected` event of an MQTT client. */
export interface MqttDisconnectedRequest extends DisconnectedRequest {
  /** MQTT details. */
  mqtt: MqttDisconnectedProperties;
}

/** The non-blocking group joined/left events. */
export interface GroupEventRequest {
  context: ConnectionContext;
  /** The group joined or left. */
  group: string;
}

/** The group joined event (the name @azure/web-pubsub-express uses). */
export type GroupJoinedRequest = GroupEventRequest;
/** The group left event (the name @azure/web-pubsub-express uses). */
export type GroupLeftRequest = GroupEventRequest;

/** Options for {@link WebPubSubEventHandler}. */
export interface WebPubSubEventHandlerOptions {
  /**
   * Path the handler serves in framework adapters and `handleNodeRequest`.
   * @default `/api/webpubsub/hubs/{hub}/`
   */
  path?: string;
  /**
   * Service endpoints allowed to deliver events (abuse protection), e.g. `https://contoso.webpubsub.azure.com`.
   * @default every origin (`WebHook-Allowed-Origin: *`)
   */
  allowedEndpoints?: readonly string[];
  /**
   * Access keys used to verify `ce-signature` (give both keys during rotation). A function is called on
   * each request so rotated keys take effect without a restart. Required unless `verifySignature` is false.
   */
  accessKeys?: readonly string[] | (() => readonly string[] | Promise<readonly string[]>);
  /**
   * Verify `ce-signature` on every event. Turn off only behind another authentication layer.
   * @default true
   */
  verifySignature?: boolean;
  /** Largest accepted request body in bytes; larger requests get 413. @default 4194304 (4 MiB) */
  maxBodyBytes?: number;
  /**
   * Handles the blocking `connect` event. Without it, every connection is accepted as is (`200` with no body,
   * `204` for MQTT clients, as in @azure/web-pubsub-express).
   */
  handleConnect?: (request: ConnectRequest, response: ConnectResponseHandler) => void | Promise<void>;
  /** Handles user events. Without it, user events are acknowledged (`200`, no body) and nothing is sent back. */
  handleUserEvent?: (request: UserEventRequest, response: UserEventResponseHandler) => void | Promise<void>;
  /** Called for the `connected` event. */
  onConnected?: (request: ConnectedRequest) => void | Promise<void>;
  /** Called for the `disconnected` event. */
  onDisconnected?: (request: DisconnectedRequest) => void | Promise<void>;
  /** Called when a connection joined a group. */
  onGroupJoined?: (request: GroupEventRequest) => void | Promise<void>;
  /** Called when a connection left a group. */
  onGroupLeft?: (request: GroupEventRequest) => void | Promise<void>;
  /**
   * Called when a handler throws; the service then gets a 500 with a generic body.
   * @default errors are not reported anywhere
   */
  onError?: (error: unknown, context: ConnectionContext) => void;
}
