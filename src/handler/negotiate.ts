import { ValidationError } from "../errors";

/** Anything that mints client URLs like `WebPubSubServiceClient.getClientAccessToken` (ours or @azure/web-pubsub's). */
export interface NegotiateClient {
  getClientAccessToken(options?: {
    userId?: string;
    roles?: string[];
    groups?: string[];
    expirationTimeInMinutes?: number;
    clientProtocol?: "default" | "mqtt" | "socketio";
  }): Promise<{ url: string }>;
}

/** A value given directly or computed from the request. */
export type PerRequest<Req, T> = T | ((request: Req) => T | Promise<T>);

/** Options for the negotiate helpers; every field may depend on the request. */
export interface NegotiateOptions<Req> {
  /**
   * The user id for the token, e.g. from your session. Return undefined for an anonymous connection.
   * @default anonymous
   */
  getUserId?: (request: Req) => string | undefined | Promise<string | undefined>;
  /** Roles, e.g. `["webpubsub.sendToGroup.chat", "webpubsub.joinLeaveGroup.chat"]`. @default none */
  roles?: PerRequest<Req, string[] | undefined>;
  /** Groups joined at connect. @default none */
  groups?: PerRequest<Req, string[] | undefined>;
  /** Token lifetime in minutes. @default 60 */
  expirationTimeInMinutes?: number;
  /** Client endpoint kind. @default "default" */
  clientProtocol?: "default" | "mqtt" | "socketio";
}

async function resolve<Req, T>(value: PerRequest<Req, T> | undefined, request: Req): Promise<T | undefined> {
  return typeof value === "function" ? await (value as (r: Req) => T | Promise<T>)(request) : value;
}

/** Validates negotiate options up front (at route setup, not per request). */
export function checkNegotiate<Req>(client: NegotiateClient, options: NegotiateOptions<Req>): void {
  if (typeof client?.getClientAccessToken !== "function") {
    throw new ValidationError("client must have a getClientAccessToken(options) method (a WebPubSubServiceClient)", {
      argument: "client",
    });
  }
  if (options.getUserId !== undefined && typeof options.getUserId !== "function") {
    throw new ValidationError("getUserId must be a function of the request", { argument: "getUserId" });
  }
}

/** Turns a request into the browser's `{ url }`. */
export async function negotiateUrl<Req>(
  client: NegotiateClient,
  options: NegotiateOptions<Req>,
  request: Req,
): Promise<{ url: string }> {
  const [userId, roles, groups] = await Promise.all([
    options.getUserId?.(request),
    resolve(options.roles, request),
    resolve(options.groups, request),
  ]);
  const tokenOptions: Parameters<NegotiateClient["getClientAccessToken"]>[0] & object = {};
  if (userId !== undefined) tokenOptions.userId = userId;
  if (roles !== undefined) tokenOptions.roles = roles;
  if (groups !== undefined) tokenOptions.groups = groups;
  if (options.expirationTimeInMinutes !== undefined)
    tokenOptions.expirationTimeInMinutes = options.expirationTimeInMinutes;
  if (options.clientProtocol !== undefined) tokenOptions.clientProtocol = options.clientProtocol;
  const { url } = await client.getClientAccessToken(tokenOptions);
  return { url };
}

/**
 * A web-standard negotiate endpoint (edge, Deno, Bun, Next.js route handlers): `Request` → `{ url }` JSON.
 *
 * @example
 * ```ts
 * const negotiateHandler = createNegotiateHandler(client, {
 *   getUserId: (req) => req.headers.get("x-user") ?? undefined,
 * });
 * ```
 */
export function createNegotiateHandler(
  client: NegotiateClient,
  options: NegotiateOptions<Request> = {},
): (request: Request) => Promise<Response> {
  checkNegotiate(client, options);
  return async (request) => {
    const body = await negotiateUrl(client, options, request);
    // The URL carries a bearer token: never let a cache keep it.
    return new Response(JSON.stringify(body), {
      status: 200,
      headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
    });
  };
}
