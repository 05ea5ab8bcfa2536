// Parameters of REST calls: the call's context, validation of names and numbers, api-version gates, filters.
import type { IncomingMessage, ServerResponse } from "node:http";
import { compileFilter, FilterSyntaxError, type FilterPredicate } from "../filter/compile";
import type { ClientEndpoint } from "../protocols/websocket/endpoint";
import type { EmulatorCore } from "../state/core";
import type { Hub } from "../state/hub";
import { HttpFailure } from "./errors";
import { supportedApiVersions, type ApiVersion } from "./respond";
import { isValidHub } from "../../internal/validate";

export const versionRank = new Map<string, number>(supportedApiVersions.map((v, i) => [v, i]));

/** One REST request being answered. */
export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  version: string;
  hub: Hub;
  /** The path's parameters, by the names in the route's pattern (`group`, `userId`, `connectionId`...). */
  params: Readonly<Record<string, string>>;
  /** The request body (POST and PUT only). */
  body: Buffer | undefined;
  core: EmulatorCore;
  clients: ClientEndpoint;
}

export interface Route {
  method: "GET" | "HEAD" | "POST" | "PUT" | "DELETE";
  /** The path below `/api/hubs/{hub}/`: literal segments (`groups`, `:send`) and `{parameters}`. */
  path: string;
  /** The oldest api-version with this call, and how the 400 for an older one names the call. */
  since?: { version: ApiVersion; what: string };
  handle(call: Call): void | Promise<void>;
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

/** Checks a path parameter by its name in the route pattern. */
export function checkParam(name: string, value: string): void {
  if (name === "group") checkGroup(value);
  else if (name === "userId" || name === "connectionId") checkId(value, name);
  else if (name === "permission" && value !== "sendToGroup" && value !== "joinLeaveGroup") {
    throw new HttpFailure(
      400,
      "Error.BadRequest",
      `Invalid permission '${value}'. Valid values are sendToGroup and joinLeaveGroup.`,
      "permission",
    );
  }
}

/** A path parameter the matched route's pattern names. */
export function param(call: Call, name: string): string {
  const value = call.params[name];
  if (value === undefined) throw new Error(`The route has no {${name}} parameter.`);
  return value;
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

export function checkHub(name: string): string {
  if (!isValidHub(name)) {
    throw new HttpFailure(
      400,
      "Error.BadRequest",
      "Invalid hub name. The hub must start with a letter and contain only letters, digits and _`,.[] " +
        "(at most 128 characters).",
      "hub",
    );
  }
  return name;
}

/** The api-version query parameter: required, and one the emulator speaks. */
export function checkVersion(version: string | null): string {
  if (version === null)
    throw new HttpFailure(400, "Error.BadRequest", "The api-version query parameter is required.", "api-version");
  if (!versionRank.has(version)) {
    throw new HttpFailure(
      400,
      "Error.UnsupportedApiVersion",
      `The api-version '${version}' is not supported; use one of ${supportedApiVersions.join(", ")}.`,
      "api-version",
    );
  }
  return version;
}

export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpFailure(400, "Error.BadRequest", "The path is not validly percent-encoded.");
  }
}
