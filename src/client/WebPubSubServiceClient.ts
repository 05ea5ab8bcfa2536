import { parseConnectionString } from "../connectionString";
import { normalizeEndpoint } from "../internal/endpoint";
import { isKeyCredential, isTokenCredential, type KeyCredentialLike, type TokenCredentialLike } from "../credentials";
import { ValidationError } from "../errors";
import { Pipeline, type CallOptions } from "../internal/pipeline";
import { decodeUtf8 } from "../internal/utf8";
import { packageVersion } from "../internal/version";
import { defaultTransport } from "../internal/transport/default";
import type { RequestLogEvent } from "../logging";
import {
  checkGroup,
  checkHub,
  checkId,
  isValidHub,
  checkOptionalString,
  checkPermission,
  checkStringArray,
} from "../internal/validate";
import {
  checkTokenOptions,
  clientPath,
  signClientToken,
  toWebSocketUrl,
  type ClientTokenResponse,
  type GenerateClientTokenOptions,
} from "./clientToken";
import type {
  GroupAddConnectionOptions,
  GroupRemoveConnectionOptions,
  HasConnectionOptions,
  HealthCheckOptions,
  HubCloseAllConnectionsOptions,
  HubCloseConnectionOptions,
  HubCloseUserConnectionsOptions,
  HubGrantPermissionOptions,
  HubHasGroupOptions,
  HubHasPermissionOptions,
  HubHasUserOptions,
  HubRemoveUserFromAllGroupsOptions,
  HubRevokePermissionOptions,
  HubSendTextToAllOptions,
  HubSendTextToConnectionOptions,
  HubSendTextToUserOptions,
  HubSendToAllOptions,
  HubSendToConnectionOptions,
  HubSendToUserOptions,
  JSONTypes,
  Permission,
  RequestBodyType,
  WebPubSubServiceClientOptions,
} from "./options";
import { closeQuery, seg, send } from "./send";
import { WebPubSubGroup } from "./WebPubSubGroup";

const defaultApiVersion = "2024-12-01";
const userAgent = `webpubsub-js/${packageVersion}`;

/**
 * The Web PubSub service client for one hub: sends messages, manages groups, users, connections and
 * permissions, and mints client access tokens. Same API as `@azure/web-pubsub`'s, so switching is one import.
 *
 * @example
 * ```ts
 * import { WebPubSubServiceClient } from "webpubsub";
 * const client = new WebPubSubServiceClient(process.env.WebPubSubConnectionString!, "chat");
 * const { url } = await client.getClientAccessToken({ userId: "alice", roles: ["webpubsub.joinLeaveGroup"] });
 * await client.sendToAll({ hello: "world" });
 * ```
 */
export class WebPubSubServiceClient {
  /** The hub this client talks to. */
  readonly hubName: string;
  /** The REST api-version in use. */
  readonly apiVersion: string;
  /** The service endpoint, e.g. `https://x.webpubsub.azure.com`. */
  readonly endpoint: string;
  readonly #pipeline: Pipeline;
  readonly #credential: KeyCredentialLike | TokenCredentialLike;
  readonly #base: string;
  /** The same string on every sendToAll, so the pipeline's per-path caches hash it once. */
  readonly #sendPath: string;
  readonly #checkHub: (() => void) | undefined;

  /**
   * @param connectionString - `Endpoint=…;AccessKey=…;Version=1.0;` (with optional `Port=…`).
   * @param hubName - The hub (a letter, then letters, digits and `` _`,.[] ``; at most 128 characters). Any
   * value constructs, as with `@azure/web-pubsub`; an invalid one fails every call with a `ValidationError`
   * before anything is sent.
   */
  constructor(connectionString: string, hubName: string, options?: WebPubSubServiceClientOptions);
  /**
   * @param endpoint - The service endpoint, e.g. `https://x.webpubsub.azure.com`.
   * @param credential - An `AzureKeyCredential` (or any `{ key }`) or a `TokenCredential` (Azure AD).
   * @param hubName - The hub.
   */
  constructor(
    endpoint: string,
    credential: KeyCredentialLike | TokenCredentialLike,
    hubName: string,
    options?: WebPubSubServiceClientOptions,
  );
  constructor(
    endpointOrConnectionString: string,
    credentialOrHub: string | KeyCredentialLike | TokenCredentialLike,
    hubOrOptions?: string | WebPubSubServiceClientOptions,
    maybeOptions?: WebPubSubServiceClientOptions,
  ) {
    let options: WebPubSubServiceClientOptions;
    // A forgotten hub would otherwise be reported as a bad credential (or as a hub named "undefined"). Like
    // @azure/web-pubsub the client still constructs; every call then fails with this, unsent.
    let missingHub: string | undefined;
    if (credentialOrHub === undefined || credentialOrHub === null) {
      missingHub =
        'hubName is missing: pass it after the connection string, e.g. new WebPubSubServiceClient(connectionString, "chat").';
    } else if (
      typeof credentialOrHub !== "string" &&
      (isKeyCredential(credentialOrHub) || isTokenCredential(credentialOrHub)) &&
      (hubOrOptions === undefined || hubOrOptions === null)
    ) {
      missingHub =
        'hubName is missing: pass it after the credential, e.g. new WebPubSubServiceClient(endpoint, credential, "chat").';
    }
    if (typeof credentialOrHub === "string" || credentialOrHub === undefined || credentialOrHub === null) {
      // (connectionString, hub, options?)
      const parsed = parseConnectionString(endpointOrConnectionString);
      this.endpoint = parsed.endpoint;
      const key = parsed.accessKey;
      this.#credential = {
        get key() {
          return key;
        },
      };
      this.hubName = credentialOrHub;
      options = (hubOrOptions as WebPubSubServiceClientOptions | undefined) ?? {};
    } else {
      this.endpoint = normalizeEndpoint(endpointOrConnectionString);
      if (!isKeyCredential(credentialOrHub) && !isTokenCredential(credentialOrHub)) {
        throw new ValidationError(
          "credential must be an AzureKeyCredential-like object ({ key }) or a TokenCredential (with getToken).",
          { argument: "credential" },
        );
      }
      this.#credential = credentialOrHub;
      this.hubName = hubOrOptions as string;
      options = maybeOptions ?? {};
    }
    if (typeof options !== "object" || options === null)
      throw new ValidationError("options must be an object.", { argument: "options" });
    this.apiVersion = checkApiVersion(options.apiVersion ?? defaultApiVersion);
    const reverseProxy =
      options.reverseProxyEndpoint === undefined
        ? undefined
        : normalizeEndpoint(options.reverseProxyEndpoint, { argument: "options.reverseProxyEndpoint" });
    const prefix = options.userAgentOptions?.userAgentPrefix;
    // Like @azure/web-pubsub, any hub constructs; a bad one fails every call with a ValidationError, unsent.
    const hub = this.hubName;
    const hubValid = isValidHub(hub);
    this.#checkHub =
      missingHub !== undefined
        ? () => {
            throw new ValidationError(missingHub, { argument: "hubName" });
          }
        : hubValid
          ? undefined
          : () => void checkHub(hub);
    this.#pipeline = new Pipeline({
      endpoint: this.endpoint,
      precondition: this.#checkHub,
      reverseProxyEndpoint: reverseProxy,
      credential: this.#credential,
      apiVersion: this.apiVersion,
      transport: defaultTransport,
      dispatcher: options.dispatcher,
      connections:
        options.connections === undefined ? undefined : positiveInt(options.connections, "options.connections"),
      pipelining: options.pipelining === undefined ? undefined : positiveInt(options.pipelining, "options.pipelining"),
      retryOptions: options.retryOptions,
      timeoutInMs: options.timeoutInMs,
      totalTimeoutInMs: options.totalTimeoutInMs,
      userAgent: prefix ? `${prefix} ${userAgent}` : userAgent,
      logger: checkLogger(options.logger),
      loggableQuery: new Set([
        "api-version",
        ...(options.loggingOptions?.additionalAllowedQueryParameters ?? []).map((name) => String(name).toLowerCase()),
      ]),
    });
    this.#base = `/api/hubs/${hubValid ? seg(hub) : ""}`;
    this.#sendPath = `${this.#base}/:send`;
  }

  /** Operations on one group of this hub. */
  group(groupName: string): WebPubSubGroup {
    return new WebPubSubGroup(this.#pipeline, this.hubName, checkGroup(groupName), this.apiVersion, this.endpoint);
  }

  /**
   * Sends a message to every connection of the hub. Strings and objects go as JSON, binary data and
   * streams as `application/octet-stream`; pass `contentType: "text/plain"` to send a string as text.
   *
   * @example
   * ```ts
   * await client.sendToAll({ type: "news", id: 1 }, { filter: odata`${"vip"} in groups`, messageTtlSeconds: 30 });
   * await client.sendToAll("Hello World", { contentType: "text/plain" });
   * ```
   */
  sendToAll(message: string, options: HubSendTextToAllOptions): Promise<void>;
  sendToAll(message: JSONTypes, options?: HubSendToAllOptions): Promise<void>;
  sendToAll(message: RequestBodyType, options?: HubSendToAllOptions): Promise<void>;
  sendToAll(message: unknown, options?: HubSendToAllOptions | HubSendTextToAllOptions): Promise<void> {
    return send(
      this.#pipeline,
      this.#sendPath,
      message,
      options,
      { excluded: true, filter: true },
      "WebPubSubServiceClient.sendToAll",
    );
  }

  /** Sends a message to every connection of a user. */
  sendToUser(username: string, message: string, options: HubSendTextToUserOptions): Promise<void>;
  sendToUser(username: string, message: JSONTypes, options?: HubSendToUserOptions): Promise<void>;
  sendToUser(
    username: string,
    message: RequestBodyType,
    options?: HubSendToUserOptions | HubSendTextToUserOptions,
  ): Promise<void>;
  async sendToUser(
    username: string,
    message: unknown,
    options?: HubSendToUserOptions | HubSendTextToUserOptions,
  ): Promise<void> {
    checkId(username, "username");
    return send(
      this.#pipeline,
      `${this.#base}/users/${seg(username)}/:send`,
      message,
      options,
      { excluded: false, filter: true },
      "WebPubSubServiceClient.sendToUser",
    );
  }

  /** Sends a message to one connection (202 even when it does not exist). */
  sendToConnection(connectionId: string, message: string, options: HubSendTextToConnectionOptions): Promise<void>;
  sendToConnection(connectionId: string, message: JSONTypes, options?: HubSendToConnectionOptions): Promise<void>;
  sendToConnection(
    connectionId: string,
    message: RequestBodyType,
    options?: HubSendToConnectionOptions | HubSendTextToConnectionOptions,
  ): Promise<void>;
  async sendToConnection(
    connectionId: string,
    message: unknown,
    options?: HubSendToConnectionOptions | HubSendTextToConnectionOptions,
  ): Promise<void> {
    checkId(connectionId, "connectionId");
    return send(
      this.#pipeline,
      `${this.#base}/connections/${seg(connectionId)}/:send`,
      message,
      options,
      { excluded: false, filter: false },
      "WebPubSubServiceClient.sendToConnection",
    );
  }

  /** Whether a connection is open. */
  async connectionExists(connectionId: string, options?: HasConnectionOptions): Promise<boolean> {
    checkId(connectionId, "connectionId");
    return this.#exists(
      `${this.#base}/connections/${seg(connectionId)}`,
      undefined,
      options,
      "WebPubSubServiceClient.connectionExists",
    );
  }

  /** Closes one connection; PubSub clients are told `reason` first. */
  async closeConnection(connectionId: string, options?: HubCloseConnectionOptions): Promise<void> {
    checkId(connectionId, "connectionId");
    const query = closeQuery({ ...(options?.reason === undefined ? {} : { reason: options.reason }) });
    await this.#pipeline.request({
      method: "DELETE",
      path: `${this.#base}/connections/${seg(connectionId)}`,
      query,
      idempotent: true,
      options,
      operation: "WebPubSubServiceClient.closeConnection",
    });
  }

  /** Closes every connection of the hub, except those in `options.excluded`. */
  async closeAllConnections(options?: HubCloseAllConnectionsOptions): Promise<void> {
    await this.#pipeline.request({
      method: "POST",
      path: `${this.#base}/:closeConnections`,
      query: closeQuery(options),
      idempotent: true,
      options,
      operation: "WebPubSubServiceClient.closeAllConnections",
    });
  }

  /** Closes every connection of a user, except those in `options.excluded`. */
  async closeUserConnections(userId: string, options?: HubCloseUserConnectionsOptions): Promise<void> {
    checkId(userId, "userId");
    await this.#pipeline.request({
      method: "POST",
      path: `${this.#base}/users/${seg(userId)}/:closeConnections`,
      query: closeQuery(options),
      idempotent: true,
      options,
      operation: "WebPubSubServiceClient.closeUserConnections",
    });
  }

  /** Removes a user from every group. */
  async removeUserFromAllGroups(userId: string, options?: HubRemoveUserFromAllGroupsOptions): Promise<void> {
    checkId(userId, "userId");
    await this.#pipeline.request({
      method: "DELETE",
      path: `${this.#base}/users/${seg(userId)}/groups`,
      idempotent: true,
      options,
      operation: "WebPubSubServiceClient.removeUserFromAllGroups",
    });
  }

  /** Removes a connection from every group. */
  async removeConnectionFromAllGroups(connectionId: string, options?: HubCloseConnectionOptions): Promise<void> {
    checkId(connectionId, "connectionId");
    await this.#pipeline.request({
      method: "DELETE",
      path: `${this.#base}/connections/${seg(connectionId)}/groups`,
      idempotent: true,
      options,
      operation: "WebPubSubServiceClient.removeConnectionFromAllGroups",
    });
  }

  /**
   * Adds the connections matching an OData `filter` to `groups`.
   *
   * @example
   * ```ts
   * await client.addConnectionsToGroups(["vip"], odata`userId eq ${"alice"}`);
   * ```
   */
  async addConnectionsToGroups(groups: string[], filter: string, options?: GroupAddConnectionOptions): Promise<void> {
    await this.#groupsByFilter(
      ":addToGroups",
      groups,
      filter,
      options,
      "WebPubSubServiceClient.addConnectionsToGroups",
    );
  }

  /** Removes the connections matching an OData `filter` from `groups`. */
  async removeConnectionsFromGroups(
    groups: string[],
    filter: string,
    options?: GroupRemoveConnectionOptions,
  ): Promise<void> {
    await this.#groupsByFilter(
      ":removeFromGroups",
      groups,
      filter,
      options,
      "WebPubSubServiceClient.removeConnectionsFromGroups",
    );
  }

  /** Whether a group has at least one connection. */
  async groupExists(groupName: string, options?: HubHasGroupOptions): Promise<boolean> {
    checkGroup(groupName);
    return this.#exists(
      `${this.#base}/groups/${seg(groupName)}`,
      undefined,
      options,
      "WebPubSubServiceClient.groupExists",
    );
  }

  /** Whether a user has at least one connection. */
  async userExists(username: string, options?: HubHasUserOptions): Promise<boolean> {
    checkId(username, "username");
    return this.#exists(
      `${this.#base}/users/${seg(username)}`,
      undefined,
      options,
      "WebPubSubServiceClient.userExists",
    );
  }

  /** Grants a connection a permission, for one group (`targetName`) or all. */
  async grantPermission(
    connectionId: string,
    permission: Permission,
    options?: HubGrantPermissionOptions,
  ): Promise<void> {
    await this.#pipeline.request({
      method: "PUT",
      ...this.#permission(connectionId, permission, options),
      idempotent: true,
      options,
      operation: "WebPubSubServiceClient.grantPermission",
    });
  }

  /** Revokes a permission from a connection. */
  async revokePermission(
    connectionId: string,
    permission: Permission,
    options?: HubRevokePermissionOptions,
  ): Promise<void> {
    await this.#pipeline.request({
      method: "DELETE",
      ...this.#permission(connectionId, permission, options),
      idempotent: true,
      options,
      operation: "WebPubSubServiceClient.revokePermission",
    });
  }

  /** Whether a connection holds a permission. */
  async hasPermission(
    connectionId: string,
    permission: Permission,
    options?: HubHasPermissionOptions,
  ): Promise<boolean> {
    const { path, query } = this.#permission(connectionId, permission, options);
    return this.#exists(path, query, options, "WebPubSubServiceClient.hasPermission");
  }

  /** Whether the service is reachable and healthy (`HEAD /api/health`). Not in `@azure/web-pubsub`. */
  async checkHealth(options?: HealthCheckOptions): Promise<boolean> {
    const response = await this.#pipeline.request({
      method: "HEAD",
      path: "/api/health",
      idempotent: true,
      options,
      operation: "WebPubSubServiceClient.checkHealth",
    });
    return response.status === 200;
  }

  /**
   * Mints a client access token and the URL a WebSocket client connects to. With a key it is signed
   * locally; with a `TokenCredential` the service's `:generateToken` issues it.
   *
   * @example
   * ```ts
   * const { url } = await client.getClientAccessToken({
   *   userId: "alice",
   *   roles: ["webpubsub.joinLeaveGroup.chat"],
   *   groups: ["chat"],
   * });
   * ```
   */
  async getClientAccessToken(options?: GenerateClientTokenOptions): Promise<ClientTokenResponse> {
    this.#checkHub?.();
    const o = checkTokenOptions(options);
    const path = clientPath(this.hubName, o.protocol);
    const baseUrl = `${toWebSocketUrl(this.endpoint)}/${path}`;
    const credential = this.#credential;
    let token: string;
    let expiresOn: Date;
    if (isTokenCredential(credential)) {
      const query: [string, string][] = [];
      if (o.userId !== undefined) query.push(["userId", o.userId]);
      for (const role of o.roles ?? []) query.push(["role", role]);
      query.push(["minutesToExpire", String(Math.max(1, Math.round(o.minutes)))]);
      for (const group of o.groups ?? []) query.push(["group", group]);
      query.push(["clientType", { default: "Default", mqtt: "MQTT", socketio: "SocketIO" }[o.protocol]]);
      const callOptions: CallOptions = options?.abortSignal === undefined ? {} : { abortSignal: options.abortSignal };
      const response = await this.#pipeline.request({
        method: "POST",
        path: `${this.#base}/:generateToken`,
        query,
        idempotent: true,
        options: callOptions,
        operation: "WebPubSubServiceClient.getClientAccessToken",
      });
      token = (JSON.parse(decodeUtf8(response.body)) as { token: string }).token;
      expiresOn = new Date(Date.now() + o.minutes * 60_000);
    } else {
      ({ token, expiresOn } = await signClientToken(`${this.endpoint}/${path}`, credential.key, o));
    }
    return { token, baseUrl, url: `${baseUrl}?access_token=${token}`, expiresOn };
  }

  /** Closes the connection pool once calls in flight finish. Further calls fail with `ClosedError`. */
  close(): Promise<void> {
    return this.#pipeline.close();
  }

  /** `await using client = new WebPubSubServiceClient(…)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #exists(
    path: string,
    query: [string, string][] | undefined,
    options: CallOptions | undefined,
    operation: string,
  ): Promise<boolean> {
    const response = await this.#pipeline.request({
      method: "HEAD",
      path,
      query,
      idempotent: true,
      notFoundIsResult: true,
      options,
      operation,
    });
    return response.status !== 404;
  }

  #permission(
    connectionId: string,
    permission: Permission,
    options: HubGrantPermissionOptions | undefined,
  ): { path: string; query: [string, string][] } {
    checkId(connectionId, "connectionId");
    checkPermission(permission);
    const target = checkOptionalString(options?.targetName, "options.targetName");
    const query: [string, string][] =
      target === undefined ? [] : [["targetName", checkGroup(target, "options.targetName")]];
    return { path: `${this.#base}/permissions/${permission}/connections/${seg(connectionId)}`, query };
  }

  async #groupsByFilter(
    action: string,
    groups: string[],
    filter: string,
    options: CallOptions | undefined,
    operation: string,
  ): Promise<void> {
    checkStringArray(groups, "groups");
    if (groups.length === 0) throw new ValidationError("groups must name at least one group.", { argument: "groups" });
    groups.forEach((g, i) => checkGroup(g, `groups[${i}]`));
    if (typeof filter !== "string" || filter.trim() === "") {
      throw new ValidationError("filter must be a non-empty OData filter string, e.g. \"userId eq 'alice'\".", {
        argument: "filter",
      });
    }
    const body = JSON.stringify({ groups, filter });
    await this.#pipeline.request({
      method: "POST",
      path: `${this.#base}/${action}`,
      body: { contentType: "application/json", data: body, streamed: false },
      idempotent: true,
      options,
      operation,
    });
  }
}

function checkApiVersion(version: unknown): string {
  if (typeof version !== "string" || !/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(version)) {
    throw new ValidationError(
      `options.apiVersion ${JSON.stringify(version)} is not an api-version like "2024-12-01".`,
      { argument: "options.apiVersion" },
    );
  }
  return version;
}

function positiveInt(value: unknown, argument: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new ValidationError(`${argument} ${String(value)} is not allowed: it must be a positive integer.`, {
      argument,
    });
  }
  return value;
}

function checkLogger(logger: unknown): ((event: RequestLogEvent) => void) | undefined {
  if (logger === undefined) return undefined;
  if (typeof logger !== "function")
    throw new ValidationError("options.logger must be a function receiving one event per request attempt.", {
      argument: "options.logger",
    });
  return logger as (event: RequestLogEvent) => void;
}
