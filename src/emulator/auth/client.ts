// Who a connecting client is: its access token's claims, or nobody in particular when the hub allows
// anonymous connections (`anonymousConnectPolicy: "allow"`).
import type { EmulatorCore } from "../state/core";
import { TokenRejected, verifyToken } from "./token";

/**
 * The token's claims; none at all for a client without a token in a hub whose `anonymousConnectPolicy` is
 * `allow` (it then has no user id, roles or groups unless its `connect` handler gives some: "it's the connect
 * event's responsibility to tell the service the user ID", CloudEvents spec). A token that is present is
 * always checked, so a bad one is refused even where anonymous clients are welcome.
 */
export function clientClaims(
  core: EmulatorCore,
  hub: string,
  token: string | null | undefined,
  audiences: string[],
): ClientCheck | Promise<ClientCheck> {
  if (token === undefined || token === null) {
    if (core.hubSettings(hub)?.anonymousConnect === true) return { claims: {} };
    return { status: 401, message: "missing access token (access_token query or Authorization: Bearer)" };
  }
  try {
    const claims = verifyToken(token, core.keyBytes, audiences);
    return claims instanceof Promise ? claims.then((c) => ({ claims: c }), refusal) : { claims };
  } catch (error) {
    return refusal(error);
  }
}

/** The token's claims, or why the client is refused. */
export type ClientCheck = { claims: Record<string, unknown> } | { status: number; message: string };

function refusal(error: unknown): ClientCheck {
  if (error instanceof TokenRejected) return { status: 401, message: error.message };
  throw error;
}
