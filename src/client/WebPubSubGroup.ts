import { Pipeline } from "../internal/pipeline";
import { checkId } from "../internal/validate";
import { listGroupMembers, type GroupListConnectionsOptions, type PagedGroupMembers } from "./listing";
import type {
  GroupAddConnectionOptions,
  GroupAddUserOptions,
  GroupCloseAllConnectionsOptions,
  GroupRemoveConnectionOptions,
  GroupRemoveUserOptions,
  GroupSendTextToAllOptions,
  GroupSendToAllOptions,
  JSONTypes,
  RequestBodyType,
} from "./options";
import { closeQuery, seg, send } from "./send";

/** Operations on one group of a hub; get one with `client.group(name)`. */
export class WebPubSubGroup {
  /** The group's name. */
  readonly groupName: string;
  /** The hub's name. */
  readonly hubName: string;
  /** The REST api-version in use. */
  readonly apiVersion: string;
  /** The service endpoint. */
  readonly endpoint: string;
  readonly #pipeline: Pipeline;
  readonly #base: string;
  readonly #hubBase: string;
  /** The same string on every sendToAll, so the pipeline's per-path caches hash it once. */
  readonly #sendPath: string;

  /** @internal Use `client.group(name)`. */
  constructor(pipeline: unknown, hubName: string, groupName: string, apiVersion: string, endpoint: string) {
    if (!(pipeline instanceof Pipeline))
      throw new TypeError("WebPubSubGroup is created by client.group(name), not with new.");
    this.#pipeline = pipeline;
    this.hubName = hubName;
    this.groupName = groupName;
    this.apiVersion = apiVersion;
    this.endpoint = endpoint;
    this.#hubBase = `/api/hubs/${seg(hubName)}`;
    this.#base = `${this.#hubBase}/groups/${seg(groupName)}`;
    this.#sendPath = `${this.#base}/:send`;
  }

  /** Adds a connection to this group. Fails with 404 `Error.Connection.NotExisted` for an unknown connection. */
  async addConnection(connectionId: string, options?: GroupAddConnectionOptions): Promise<void> {
    checkId(connectionId, "connectionId");
    await this.#pipeline.request({
      method: "PUT",
      path: `${this.#base}/connections/${seg(connectionId)}`,
      idempotent: true,
      options,
      operation: "WebPubSubGroupClient.addConnection",
    });
  }

  /** Removes a connection from this group (no error when it was not a member). */
  async removeConnection(connectionId: string, options?: GroupRemoveConnectionOptions): Promise<void> {
    checkId(connectionId, "connectionId");
    await this.#pipeline.request({
      method: "DELETE",
      path: `${this.#base}/connections/${seg(connectionId)}`,
      idempotent: true,
      options,
      operation: "WebPubSubGroupClient.removeConnection",
    });
  }

  /** Closes every connection in this group, except those in `options.excluded`. */
  async closeAllConnections(options?: GroupCloseAllConnectionsOptions): Promise<void> {
    const query = closeQuery(options);
    await this.#pipeline.request({
      method: "POST",
      path: `${this.#base}/:closeConnections`,
      query,
      idempotent: true,
      options,
      operation: "WebPubSubGroupClient.closeAllConnections",
    });
  }

  /** Adds a user (all their current and future connections) to this group. */
  async addUser(username: string, options?: GroupAddUserOptions): Promise<void> {
    checkId(username, "username");
    await this.#pipeline.request({
      method: "PUT",
      path: `${this.#hubBase}/users/${seg(username)}/groups/${seg(this.groupName)}`,
      idempotent: true,
      options,
      operation: "WebPubSubGroupClient.addUser",
    });
  }

  /** Removes a user from this group. */
  async removeUser(username: string, options?: GroupRemoveUserOptions): Promise<void> {
    checkId(username, "username");
    await this.#pipeline.request({
      method: "DELETE",
      path: `${this.#hubBase}/users/${seg(username)}/groups/${seg(this.groupName)}`,
      idempotent: true,
      options,
      operation: "WebPubSubGroupClient.removeUser",
    });
  }

  /**
   * Sends a message to every connection in this group.
   *
   * @example
   * ```ts
   * await client.group("chat").sendToAll({ from: "bot", text: "hi" });
   * await client.group("chat").sendToAll("hi", { contentType: "text/plain" });
   * ```
   */
  sendToAll(message: string, options: GroupSendTextToAllOptions): Promise<void>;
  sendToAll(message: JSONTypes, options?: GroupSendToAllOptions): Promise<void>;
  sendToAll(message: RequestBodyType, options?: GroupSendToAllOptions): Promise<void>;
  sendToAll(message: unknown, options?: GroupSendToAllOptions | GroupSendTextToAllOptions): Promise<void> {
    return send(
      this.#pipeline,
      this.#sendPath,
      message,
      options,
      { excluded: true, filter: true },
      "WebPubSubGroupClient.sendToAll",
    );
  }

  /**
   * Lists the group's connections. `for await` it directly, page with `byPage()`, or `await` it first
   * as with `@azure/web-pubsub`.
   *
   * @example
   * ```ts
   * for await (const { connectionId, userId } of client.group("chat").listConnections()) {
   *   console.log(connectionId, userId);
   * }
   * ```
   */
  listConnections(options?: GroupListConnectionsOptions): PagedGroupMembers {
    return listGroupMembers(this.#pipeline, `${this.#base}/connections`, options);
  }
}
