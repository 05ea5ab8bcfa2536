import type { WebPubSubErrorCode } from "./errors";

/**
 * One REST attempt, as given to the `logger` option. Never holds a key, a token, a header value or a
 * message body; query values are shown only for `api-version` and the names allowed by
 * `loggingOptions.additionalAllowedQueryParameters` (the rest read `REDACTED`).
 */
export interface RequestLogEvent {
  /** `"info"` for an answer the call accepts, `"warning"` for a failed attempt. */
  level: "info" | "warning";
  method: string;
  /** Path and query below the endpoint, with query values redacted as described above. */
  url: string;
  /** 1 for the first try, 2 for the first retry, … */
  attempt: number;
  /** The HTTP status, when the service answered. */
  status?: number;
  /** From the first byte sent to the end of the answer (or the failure). */
  durationMs: number;
  /** The service's `x-ms-request-id`, when it answered with an error. */
  requestId?: string;
  // The known codes document the type; `string` keeps codes of other versions assignable.
  /** The SDK error code of a failed attempt. */
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
  errorCode?: WebPubSubErrorCode | string;
  /** Whether the failure is one the client retries (attempts left permitting). */
  retryable?: boolean;
}

/** Logging options of `@azure/web-pubsub`, honoured by the `logger` option. */
export interface WebPubSubServiceClientLogOptions {
  /** Accepted for compatibility: this SDK logs no header values at all. */
  additionalAllowedHeaderNames?: string[];
  /** Query parameters whose values appear in log events (by default only `api-version`). */
  additionalAllowedQueryParameters?: string[];
}

/** The path and query of a request, with query values redacted unless allowed. */
export function loggableUrl(pathAndQuery: string, allowed: ReadonlySet<string>): string {
  const q = pathAndQuery.indexOf("?");
  if (q < 0) return pathAndQuery;
  const parts = pathAndQuery
    .slice(q + 1)
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return eq < 0 || allowed.has(safeDecode(name).toLowerCase()) ? pair : `${name}=REDACTED`;
    });
  return `${pathAndQuery.slice(0, q)}?${parts.join("&")}`;
}

/** A malformed escape (from a hostile `nextLink`) makes the name unmatched, so its value is redacted. */
function safeDecode(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return "";
  }
}
