// Clients of a test or a load run connect with one client URL, its access token in the query. Once that token
// was verified for that URL, the next client asking for the same URL is known by one look-up: same hub, same
// claims, as long as the key and the emulator's origins (the token's audiences) are the same ones and the token
// has not expired. Only URLs that carry the token (`access_token`) are kept: the URL is then the whole input.
import { unexpired } from "../../auth/token";

const maxAdmitted = 256;

interface Admitted {
  key: Uint8Array;
  origins: readonly string[];
  hub: string;
  claims: Record<string, unknown>;
}

const admitted = new Map<string, Admitted>();

/** The hub and claims of a client URL verified before with this key and these origins, while its token is valid. */
export function admittedBefore(
  url: string,
  key: Uint8Array,
  origins: readonly string[],
): { hub: string; claims: Record<string, unknown> } | undefined {
  const known = admitted.get(url);
  if (known === undefined) return undefined;
  if (known.key === key && known.origins === origins && unexpired(known.claims)) return known;
  admitted.delete(url);
  return undefined;
}

/** Remembers a client URL whose `access_token` was verified: `claims` are that token's. */
export function rememberAdmitted(
  url: string,
  key: Uint8Array,
  origins: readonly string[],
  hub: string,
  claims: Record<string, unknown>,
): void {
  if (!unexpired(claims)) return;
  // Full, it is emptied rather than tracking use; the URLs that keep coming are verified again once.
  if (admitted.size >= maxAdmitted) admitted.clear();
  admitted.set(url, { key, origins, hub, claims });
}
