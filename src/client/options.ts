import type { Dispatcher } from "undici";
import type { CallOptions } from "../internal/pipeline";
import type { RetryOptions } from "../internal/retry";
import type { RequestLogEvent, WebPubSubServiceClientLogOptions } from "../logging";

/** Options for {@link WebPubSubServiceClient}. A superset of `@azure/web-pubsub`'s client options. */
export interface WebPubSubServiceClientOptions {
  /**
   * Send requests to this host (e.g. Azure API Management) while still signing them for the service's
   * endpoint.
   */
  reverseProxyEndpoint?: string;
  /**
   * Accepted for compatibility with `@azure/web-pubsub`. `http://` endpoints (such as the local emulator)
   * always work here.
   * @default false
   */
  allowInsecureConnection?: boolean;
  /**
   * The REST api-version sent with every request.
   * @default "2024-12-01"
   */
  apiVersion?: string;
  /** How failed calls are retried (see {@link RetryOptions}). */
  retryOptions?: RetryOptions;
  /**
   * Per-attempt timeout: the longest wait for response headers, the longest silence while a body uploads or
   * downloads, and the time limit for the whole response body (counted from its first byte).
   * @default 30000
   */
  timeoutInMs?: number;
  /**
   * Absolute deadline for a whole call, retries and waits included; progress never extends it.
   * @default 120000
   */
  totalTimeoutInMs?: number;
  /**
   * Most sockets the client opens to the service.
   * @default 128
   */
  connections?: number;
  /**
   * Requests in flight per socket (HTTP/1.1 pipelining); 1 disables pipelining.
   * @default 1
   */
  pipelining?: number;
  /** An undici dispatcher (Pool, Agent, ProxyAgent, MockAgent…) to send through instead of the client's own pool. */
  dispatcher?: Dispatcher;
  /** Prepended to the `User-Agent` header. */
  userAgentOptions?: { userAgentPrefix?: string };
  /**
   * Receives one event per REST attempt (method, redacted URL, status, duration, request id, error code).
   * Nothing is logged without it.
   * @example
   * ```ts
   * new WebPubSubServiceClient(cs, "chat", {
   *   logger: (e) => console.log(`${e.method} ${e.url} ${e.status ?? e.errorCode} ${e.durationMs} ms`),
   * });
   * ```
   */
  logger?: (event: RequestLogEvent) => void;
  /** As in `@azure/web-pubsub`: query parameters whose values may appear in `logger` events. */
  loggingOptions?: WebPubSubServiceClientLogOptions;
}

/** Options of `@azure/web-pubsub`'s group client; kept as a type so code naming it still compiles. */
export type GroupAdminClientOptions = Record<string, never>;

/** Options accepted by every operation: cancellation, timeouts and a per-call retry override. */
export type OperationOptions = CallOptions;

/** Options for sending to all connections of the hub. */
export interface HubSendToAllOptions extends OperationOptions {
  /** Connection ids that must not receive the message. */
  excludedConnections?: string[];
  /** An OData filter selecting recipients, e.g. ``odata`${group} in groups` ``. */
  filter?: string;
  /** Seconds the service may hold the message for slow clients (0–300; 0 means no expiry). */
  messageTtlSeconds?: number;
}
/** {@link HubSendToAllOptions} for a plain-text message. */
export interface HubSendTextToAllOptions extends HubSendToAllOptions {
  contentType: "text/plain";
}
/** Options for sending to a user's connections. */
export interface HubSendToUserOptions extends OperationOptions {
  /** An OData filter narrowing the user's connections. */
  filter?: string;
  /** Seconds the service may hold the message (0–300). */
  messageTtlSeconds?: number;
}
/** {@link HubSendToUserOptions} for a plain-text message. */
export interface HubSendTextToUserOptions extends HubSendToUserOptions {
  contentType: "text/plain";
}
/** Options for sending to one connection. */
export interface HubSendToConnectionOptions extends OperationOptions {
  /** Seconds the service may hold the message (0–300). */
  messageTtlSeconds?: number;
}
/** {@link HubSendToConnectionOptions} for a plain-text message. */
export interface HubSendTextToConnectionOptions extends HubSendToConnectionOptions {
  contentType: "text/plain";
}
/** Options for closing connections. */
export interface HubCloseConnectionOptions extends OperationOptions {
  /** The reason given to the clients (PubSub clients receive it in the `disconnected` message). */
  reason?: string;
}
/** Options for closing all connections (of a hub, user or group). */
export interface HubCloseAllConnectionsOptions extends HubCloseConnectionOptions {
  /** Connection ids to keep open. Not in `@azure/web-pubsub`. */
  excluded?: string[];
}
/** Options for closing a user's connections. */
export type HubCloseUserConnectionsOptions = HubCloseAllConnectionsOptions;
/** Options for removing a user from all groups. */
export type HubRemoveUserFromAllGroupsOptions = HubCloseConnectionOptions;
/** Options for `connectionExists`. */
export type HasConnectionOptions = OperationOptions;
/** Options for `groupExists`. */
export type HubHasGroupOptions = OperationOptions;
/** Options for `userExists`. */
export type HubHasUserOptions = OperationOptions;
/** A permission a connection can hold. */
export type Permission = "joinLeaveGroup" | "sendToGroup";
/** Options for permission calls. */
export interface HubGrantPermissionOptions extends OperationOptions {
  /** The group the permission applies to; all groups when absent. */
  targetName?: string;
}
/** Options for `revokePermission`. */
export type HubRevokePermissionOptions = HubGrantPermissionOptions;
/** Options for `hasPermission`. */
export type HubHasPermissionOptions = HubGrantPermissionOptions;
/** Options for group sends. */
export type GroupSendToAllOptions = HubSendToAllOptions;
/** {@link GroupSendToAllOptions} for a plain-text message. */
export type GroupSendTextToAllOptions = HubSendTextToAllOptions;
/** Options for group membership calls. */
export type GroupAddConnectionOptions = OperationOptions;
/** Options for `group.removeConnection`. */
export type GroupRemoveConnectionOptions = OperationOptions;
/** Options for `group.addUser`. */
export type GroupAddUserOptions = OperationOptions;
/** Options for `group.removeUser`. */
export type GroupRemoveUserOptions = OperationOptions;
/** Options for `group.hasUser` (kept for compatibility). */
export type GroupHasUserOptions = OperationOptions;
/** Options for `group.closeAllConnections`. */
export type GroupCloseAllConnectionsOptions = HubCloseAllConnectionsOptions;
/** Options for the health check. */
export type HealthCheckOptions = OperationOptions;

/** Values sent as JSON. */
export type JSONTypes = string | number | boolean | object;

/**
 * Binary or streamed bodies, sent as `application/octet-stream`: ArrayBuffer, typed arrays, Buffer, Blob,
 * a Node `Readable`, a web `ReadableStream`, any async iterable of bytes, or a function returning a stream
 * (called again for each attempt, which makes the send retryable).
 */
export type RequestBodyType =
  | ArrayBuffer
  | ArrayBufferView
  | Blob
  | NodeJS.ReadableStream
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | (() => NodeJS.ReadableStream | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>);
