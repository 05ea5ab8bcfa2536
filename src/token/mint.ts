import { ValidationError } from "../errors";
import { normalizeEndpoint } from "../internal/endpoint";
import { clientPath, toWebSocketUrl, type ClientProtocol } from "./clientUrl";
import { encodeUtf8 } from "../internal/utf8";
import { base64url } from "./encoding";
import { hmacSha256 } from "./hmac";
import { optionalStringArray, requireString } from "./validate";

/** Options for {@link mintClientAccessToken}. */
export interface MintClientAccessTokenOptions {
  /** Service endpoint, e.g. `https://contoso.webpubsub.azure.com` or `http://localhost:8080`. */
  endpoint: string;
  /** Hub the client connects to. */
  hub: string;
  /** Access key; the token is signed HS256 with its UTF-8 bytes. */
  accessKey: string;
  /** User id (`sub` claim). @default no user */
  userId?: string;
  /** Roles (`role` claim), e.g. `webpubsub.joinLeaveGroup.chat`. @default no roles */
  roles?: readonly string[];
  /** Groups joined at connect (`webpubsub.group` claim). @default no groups */
  groups?: readonly string[];
  /** Token lifetime in minutes. @default 60 */
  expirationTimeInMinutes?: number;
  /** Which client endpoint the token is for. @default "default" */
  clientProtocol?: ClientProtocol;
}

/** A client access token and the URLs to connect with it. Same shape as `@azure/web-pubsub`'s plus `expiresOn`. */
export interface ClientAccessToken {
  /** The JWT. */
  token: string;
  /** `ws(s)://host[:port]/client/hubs/{hub}` without the token. */
  baseUrl: string;
  /** `baseUrl?access_token=<token>`: give this to the WebSocket client. */
  url: string;
  /** When the token expires (it is only checked at connect). */
  expiresOn: Date;
}

const HEADER = base64url(encodeUtf8(JSON.stringify({ alg: "HS256", typ: "JWT" })));

/**
 * Mints a client access token with WebCrypto only (no `node:` imports), so it runs on Node, Deno, Bun,
 * browsers, Cloudflare Workers and edge routes. Claims match `@azure/web-pubsub`'s `getClientAccessToken`.
 *
 * @example
 * ```ts
 * const { url } = await mintClientAccessToken({ endpoint, accessKey, hub: "chat", userId: "alice",
 *   roles: ["webpubsub.sendToGroup.room1"] });
 * ```
 */
export async function mintClientAccessToken(options: MintClientAccessTokenOptions): Promise<ClientAccessToken> {
  if (typeof options !== "object" || options === null) {
    throw new ValidationError("options must be an object", { argument: "options" });
  }
  // The audience and URL are the endpoint, a slash and the client path (a ws(s) endpoint is read as http(s)).
  const endpoint = `${normalizeEndpoint(requireString(options.endpoint, "endpoint"), { webSocketSchemes: true })}/`;
  const hub = requireString(options.hub, "hub");
  const accessKey = requireString(options.accessKey, "accessKey");
  const roles = optionalStringArray(options.roles, "roles");
  const groups = optionalStringArray(options.groups, "groups");
  if (options.userId !== undefined && typeof options.userId !== "string") {
    throw new ValidationError("userId must be a string", { argument: "userId" });
  }
  const minutes = options.expirationTimeInMinutes ?? 60;
  if (typeof minutes !== "number" || !Number.isFinite(minutes) || minutes <= 0) {
    throw new ValidationError(
      `expirationTimeInMinutes must be a positive finite number of minutes, got ${String(minutes)}`,
      { argument: "expirationTimeInMinutes" },
    );
  }

  const path = clientPath(hub, options.clientProtocol);
  const iat = Math.floor(Date.now() / 1000);
  const exp = iat + Math.floor(minutes * 60);
  // Same claims as @azure/web-pubsub: role and webpubsub.group only when given, sub only for a non-empty userId.
  const claims: Record<string, unknown> = {};
  if (roles !== undefined) claims["role"] = roles;
  if (groups !== undefined) claims["webpubsub.group"] = groups;
  claims["iat"] = iat;
  claims["exp"] = exp;
  claims["aud"] = endpoint + path;
  if (options.userId) claims["sub"] = options.userId;

  const signingInput = `${HEADER}.${base64url(encodeUtf8(JSON.stringify(claims)))}`;
  const signature = await hmacSha256(accessKey, encodeUtf8(signingInput));
  const token = `${signingInput}.${base64url(signature)}`;
  const baseUrl = toWebSocketUrl(endpoint) + path;
  return { token, baseUrl, url: `${baseUrl}?access_token=${token}`, expiresOn: new Date(exp * 1000) };
}
