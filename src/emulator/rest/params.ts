// Parameters of REST calls: the call's context, validation of names and numbers, api-version gates, filters.
import type { IncomingMessage, ServerResponse } from "node:http";
import { compileFilter, FilterSyntaxError, type FilterPredicate } from "../filter/compile";
import { HttpFailure, supportedApiVersions } from "./http";
import type { Hub } from "../state/hub";

export const versionRank = new Map<string, number>(supportedApiVersions.map((v, i) => [v, i]));

/** One REST request being answered. */
export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  version: string;
  hub: Hub;
  segments: string[];
}

export function requireVersion(call: Call, minimum: string, what: string): void {
  if ((versionRank.get(call.version) ?? 0) < (versionRank.get(minimum) ?? 0)) {
    throw new HttpFailure(
      400,
      "Error.BadRequest",
      `${what} needs api-version ${minimum} or later (got ${call.version}).`,
      "api-version",
    );
  }
}

export function filterParam(call: Call, allowed: boolean): FilterPredicate | undefined {
  const text = call.url.searchParams.get("filter");
  if (text === null) return undefined;
  if (!allowed) throw new HttpFailure(400, "Error.BadRequest", "This call does not accept a filter.", "filter");
  requireVersion(call, "2022-11-01", "filter");
  try {
    return compileFilter(text);
  } catch (error) {
    if (error instanceof FilterSyntaxError)
      throw new HttpFailure(400, "Error.BadRequest", `${error.message} (Parameter 'filter')`, "filter");
    throw error;
  }
}

export function checkGroup(group: unknown, parameter = "group"): string {
  if (typeof group !== "string" || group.length < 1 || group.length > 1024 || group.trim() === "") {
    throw new HttpFailure(
      400,
      "Error.BadRequest",
      "Invalid group name. Valid group name should be in between 1 and 1024 characters long.",
      parameter,
    );
  }
  return group;
}

export function checkId(id: string, parameter: string): string {
  if (id.length === 0) throw new HttpFailure(400, "Error.BadRequest", `${parameter} must not be empty.`, parameter);
  return id;
}

export function intParam(value: string, name: string, min: number, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max))
    throw new HttpFailure(400, "Error.BadRequest", `${name} must be an integer between ${min} and ${max}.`, name);
  return n;
}

export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpFailure(400, "Error.BadRequest", "The path is not validly percent-encoded.");
  }
}
