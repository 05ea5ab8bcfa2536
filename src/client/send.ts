import { ValidationError } from "../errors";
import { encodeMessage } from "../internal/content";
import type { Pipeline, RequestSpec } from "../internal/pipeline";
import { checkInteger, checkStringArray } from "../internal/validate";
import { rejection } from "../internal/rejection";

type SendOptions = {
  contentType?: string;
  excludedConnections?: string[];
  filter?: string;
  messageTtlSeconds?: number;
} & RequestSpec["options"];

/**
 * Validates options, encodes the message and posts it to `path` (…/:send). Nothing is sent on bad input, which
 * rejects the returned promise. Not an async function: a send adds one reaction to the call's promise.
 */
export function send(
  pipeline: Pipeline,
  path: string,
  message: unknown,
  options: SendOptions | undefined,
  allowed: { excluded: boolean; filter: boolean },
  operation: string,
): Promise<void> {
  let spec: RequestSpec;
  try {
    spec = sendSpec(path, message, options, allowed, operation);
  } catch (error) {
    return rejection(error);
  }
  return pipeline.request(spec).then(nothing);
}

const nothing = (): void => undefined;

function sendSpec(
  path: string,
  message: unknown,
  options: SendOptions | undefined,
  allowed: { excluded: boolean; filter: boolean },
  operation: string,
): RequestSpec {
  const o = options ?? {};
  const body = encodeMessage(message, o.contentType);
  // Most sends have no query: no array for them.
  let query: [string, string][] | undefined;
  if (o.excludedConnections !== undefined) {
    if (!allowed.excluded)
      throw new ValidationError("options.excludedConnections is not supported by this call.", {
        argument: "options.excludedConnections",
      });
    for (const id of checkStringArray(o.excludedConnections, "options.excludedConnections"))
      (query ??= []).push(["excluded", id]);
  }
  if (o.filter !== undefined) {
    if (!allowed.filter)
      throw new ValidationError("options.filter is not supported by this call.", { argument: "options.filter" });
    if (typeof o.filter !== "string" || o.filter.trim() === "") {
      throw new ValidationError(
        "options.filter must be a non-empty OData filter string, e.g. \"'group1' in groups\".",
        { argument: "options.filter" },
      );
    }
    (query ??= []).push(["filter", o.filter]);
  }
  if (o.messageTtlSeconds !== undefined) {
    (query ??= []).push([
      "messageTtlSeconds",
      String(checkInteger(o.messageTtlSeconds, "options.messageTtlSeconds", 0, 300)),
    ]);
  }
  return { method: "POST", path, query, body, idempotent: false, options: o, operation };
}

/** Query pairs for the close calls: repeated `excluded` and an optional `reason`. */
export function closeQuery(options: { excluded?: string[]; reason?: string } | undefined): [string, string][] {
  const query: [string, string][] = [];
  if (options?.excluded !== undefined)
    for (const id of checkStringArray(options.excluded, "options.excluded")) query.push(["excluded", id]);
  if (options?.reason !== undefined) {
    if (typeof options.reason !== "string")
      throw new ValidationError("options.reason must be a string.", { argument: "options.reason" });
    query.push(["reason", options.reason]);
  }
  return query;
}

export const seg = encodeURIComponent;
