import { RestError } from "../errors";
import { decodeUtf8 } from "../internal/utf8";
import type { TransportResponse } from "../internal/transport/types";

/** A member of a group, as listed by the service. */
export interface WebPubSubGroupMember {
  connectionId: string;
  userId?: string;
}

/** One parsed page of group members and the service's link to the next one. */
export interface ParsedPage {
  members: WebPubSubGroupMember[];
  nextLink: string | undefined;
}

/**
 * Reads a 2xx listing body. Anything that is not the service's shape (a proxy's HTML page, a `value` that is
 * not an array of members, a `nextLink` that is not a usable URL) is a `RestError` with code `PARSE_ERROR`,
 * as `@azure/web-pubsub` reports an unreadable body; never a raw `SyntaxError`, `TypeError` or `URIError`.
 */
export function parseMemberPage(response: TransportResponse, what: string): ParsedPage {
  // No `cause`: a JSON.parse error quotes the body, which may echo a secret.
  const fail = (problem: string): RestError =>
    new RestError(`${what} answered ${response.status} with ${problem}.`, {
      statusCode: response.status,
      code: "PARSE_ERROR",
      details: undefined,
      requestId: response.header("x-ms-request-id"),
      retryable: false,
      request: { method: "GET", path: what.slice(what.indexOf(" ") + 1) },
    });
  let body: unknown;
  try {
    body = JSON.parse(decodeUtf8(response.body));
  } catch {
    const type = response.header("content-type");
    throw fail(
      `a body that is not JSON${type === undefined ? "" : ` (content-type ${JSON.stringify(type.slice(0, 100))})`}`,
    );
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw fail("a body that is not a JSON object with a `value` array");
  const { value, nextLink } = body as { value?: unknown; nextLink?: unknown };
  if (value !== undefined && value !== null && !Array.isArray(value))
    throw fail("a `value` that is not an array of group members");
  const members: WebPubSubGroupMember[] = [];
  for (const [i, m] of ((value ?? []) as unknown[]).entries()) {
    const member = m as { connectionId?: unknown; userId?: unknown } | null;
    if (typeof member !== "object" || member === null || typeof member.connectionId !== "string") {
      throw fail(`\`value[${i}]\`, which is not a group member with a string connectionId`);
    }
    if (member.userId !== undefined && member.userId !== null && typeof member.userId !== "string")
      throw fail(`\`value[${i}].userId\`, which is not a string`);
    members.push(
      member.userId == null
        ? { connectionId: member.connectionId }
        : { connectionId: member.connectionId, userId: member.userId },
    );
  }
  if (nextLink === undefined || nextLink === null || nextLink === "") return { members, nextLink: undefined };
  if (typeof nextLink !== "string") throw fail("a `nextLink` that is not a string");
  if (!isUsableLink(nextLink)) throw fail("a `nextLink` that is not a valid URL (bad characters or percent-encoding)");
  return { members, nextLink };
}

/** An absolute http(s) URL, or a path (with query) below the endpoint, percent-encoded correctly. */
function isUsableLink(link: string): boolean {
  // Whitespace, controls, and characters a URL never carries raw would be silently re-encoded by URL parsing.
  // eslint-disable-next-line no-control-regex -- the control characters are what this test looks for
  if (link.length > 8192 || /[\s\x00-\x1f\x7f"<>\\^`{|}]/.test(link)) return false;
  try {
    decodeURI(link);
  } catch {
    return false;
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(link)) {
    if (!/^https?:\/\//i.test(link)) return false;
    return URL.canParse(link);
  }
  return !link.startsWith("//");
}

/**
 * Whether a continuation token is a service `nextLink` (absolute, or a path below the endpoint) rather than a bare
 * token.
 */
export function isNextLink(token: string): boolean {
  return /^https?:\/\//i.test(token) || token.startsWith("/") || /^api\//i.test(token);
}
