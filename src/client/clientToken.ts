import { ValidationError } from "../errors";
import { platform } from "../internal/platform";
import { checkStringArray, checkId } from "../internal/validate";

/** Which kind of client the token is for; it picks the URL path. */
export type WebPubSubClientProtocol = "default" | "mqtt" | "socketio";

/** Options for {@link WebPubSubServiceClient.getClientAccessToken}. */
export interface GenerateClientTokenOptions {
  /** The user id (`sub` claim). */
  userId?: string;
  /** Roles such as `"webpubsub.joinLeaveGroup.chat"` or `"webpubsub.sendToGroup"`. */
  roles?: string[];
  /**
   * Token lifetime in minutes.
   * @default 60
   */
  expirationTimeInMinutes?: number;
  /** Groups the connection joins as soon as it connects. */
  groups?: string[];
  /**
   * The client protocol.
   * @default "default"
   */
  clientProtocol?: WebPubSubClientProtocol;
  /** Cancels a `:generateToken` call (Azure AD credentials only). */
  abortSignal?: AbortSignal;
}

/** A client access token and the URL a WebSocket client connects to. */
export interface ClientTokenResponse {
  /** The JWT. */
  token: string;
  /** The client URL without the token, e.g. `wss://x.webpubsub.azure.com/client/hubs/chat`. */
  baseUrl: string;
  /** `baseUrl` with `?access_token=<token>`: hand this to the browser. */
  url: string;
  /** When the token expires (it is only checked when the client connects). */
  expiresOn: Date;
}

export interface CheckedTokenOptions {
  userId: string | undefined;
  roles: string[] | undefined;
  groups: string[] | undefined;
  minutes: number;
  protocol: WebPubSubClientProtocol;
}

export function checkTokenOptions(options: GenerateClientTokenOptions | undefined): CheckedTokenOptions {
  const o = options ?? {};
  if (typeof o !== "object") throw new ValidationError("options must be an object.", { argument: "options" });
  const minutes = o.expirationTimeInMinutes ?? 60;
  if (typeof minutes !== "number" || !Number.isFinite(minutes) || minutes <= 0) {
    throw new ValidationError(
      `options.expirationTimeInMinutes ${String(minutes)} is not allowed: it must be a positive, finite number of minutes.`,
      { argument: "options.expirationTimeInMinutes" },
    );
  }
  const protocol = o.clientProtocol ?? "default";
  if (protocol !== "default" && protocol !== "mqtt" && protocol !== "socketio") {
    throw new ValidationError(
      `options.clientProtocol ${JSON.stringify(protocol)} is not allowed: use "default", "mqtt" or "socketio".`,
      {
        argument: "options.clientProtocol",
      },
    );
  }
  return {
    userId: o.userId === undefined || o.userId === "" ? undefined : checkId(o.userId, "options.userId"),
    roles: o.roles === undefined ? undefined : checkStringArray(o.roles, "options.roles"),
    groups: o.groups === undefined ? undefined : checkStringArray(o.groups, "options.groups"),
    minutes,
    protocol,
  };
}

// The client endpoint's path and ws(s) form are shared with the edge-safe `webpubsub/token` entry.
export { clientPath, toWebSocketUrl } from "../token/clientUrl";

/**
 * Signs a client access token. Claims match `@azure/web-pubsub`: `role` and `webpubsub.group` when given,
 * `iat`, `exp`, `aud`, and `sub` when a user id is given.
 */
export async function signClientToken(
  audience: string,
  key: string,
  o: CheckedTokenOptions,
): Promise<{ token: string; expiresOn: Date }> {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + Math.round(o.minutes * 60);
  const claims: Record<string, unknown> = {};
  if (o.roles !== undefined) claims["role"] = o.roles;
  if (o.groups !== undefined) claims["webpubsub.group"] = o.groups;
  claims["iat"] = now;
  claims["exp"] = exp;
  claims["aud"] = audience;
  if (o.userId !== undefined) claims["sub"] = o.userId;
  return { token: await platform.signHs256(claims, key), expiresOn: new Date(exp * 1000) };
}
