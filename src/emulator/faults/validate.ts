// Checks a fault rule before it is used: every field's type and range, and which fields each kind takes.
// A bad rule throws a FaultRuleError naming the field and what is allowed; nothing is applied.
import { FaultRuleError } from "./error";
import { restOperations } from "./operations";
import type { FaultRule } from "./types";

type Json = Record<string, unknown>;

const common = ["kind", "name", "count", "probability", "seed", "durationMs"];
const fieldsByKind: Record<FaultRule["kind"], string[]> = {
  rest: ["hub", "operation", "path", "method", "status", "retryAfterSeconds", "delayMs", "hang"],
  refuse: ["hub", "protocol", "status"],
  drop: ["hub", "protocol", "userId", "connectionId", "closeCode", "reason", "everyMs"],
  delivery: ["hub", "protocol", "userId", "connectionId", "delayMs", "pause"],
  eventHandler: ["hub", "event", "failStatus", "timeout", "timeoutAfterMs", "delayMs"],
};
const errorStatuses = [429, 500, 502, 503, 504];
const methods = ["GET", "HEAD", "POST", "PUT", "DELETE"];

/** The rule, checked; `at` names it in errors (`rule`, `faults[2]`). */
export function validateRule(value: unknown, at = "rule"): FaultRule {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new FaultRuleError(at, "must be an object");
  const rule = value as Json;
  const kinds = Object.keys(fieldsByKind);
  if (typeof rule.kind !== "string" || !kinds.includes(rule.kind))
    throw new FaultRuleError(`${at}.kind`, `must be one of ${kinds.join(", ")} (got ${show(rule.kind)})`);
  const kind = rule.kind as FaultRule["kind"];
  for (const key of Object.keys(rule))
    if (!common.includes(key) && !fieldsByKind[kind].includes(key))
      throw new FaultRuleError(`${at}.${key}`, `is not a field of a "${kind}" rule`);
  checkTrigger(rule, at);
  checkTargets(rule, at);
  checkKind[kind](rule, at);
  return rule as unknown as FaultRule;
}

function checkTrigger(rule: Json, at: string): void {
  optional(rule, at, "name", (v) => typeof v === "string" && v.length <= 200, "a string of at most 200 characters");
  optional(rule, at, "count", (v) => Number.isInteger(v) && (v as number) >= 1, "a whole number, 1 or more");
  optional(rule, at, "probability", (v) => typeof v === "number" && v >= 0 && v <= 1, "a number from 0 to 1");
  optional(rule, at, "seed", (v) => Number.isInteger(v), "a whole number");
  optional(rule, at, "durationMs", isDuration, "a number of milliseconds, 0 or more");
}

function checkTargets(rule: Json, at: string): void {
  for (const key of ["hub", "userId", "connectionId", "reason"])
    optional(rule, at, key, (v) => typeof v === "string" && v !== "", "a non-empty string");
  optional(rule, at, "protocol", (v) => v === "websocket" || v === "mqtt", `"websocket" or "mqtt"`);
  optional(rule, at, "delayMs", isDuration, "a number of milliseconds, 0 or more");
}

const checkKind: Record<FaultRule["kind"], (rule: Json, at: string) => void> = {
  rest(rule, at) {
    const names = (v: unknown): boolean =>
      (Array.isArray(v) ? v : [v]).every((op) => restOperations.includes(op as never));
    optional(rule, at, "operation", names, `an operation or a list of them: ${restOperations.join(", ")}`);
    optional(rule, at, "path", (v) => typeof v === "string" && v.startsWith("/"), "a path pattern starting with /");
    optional(rule, at, "method", (v) => methods.includes(v as string), methods.join(", "));
    optional(rule, at, "status", (v) => errorStatuses.includes(v as number), errorStatuses.join(", "));
    optional(rule, at, "retryAfterSeconds", (v) => Number.isInteger(v) && (v as number) >= 0, "whole seconds, 0+");
    optional(rule, at, "hang", (v) => v === true, "true");
    if (rule.retryAfterSeconds !== undefined && rule.status === undefined)
      throw new FaultRuleError(`${at}.retryAfterSeconds`, "needs a status to go with");
    if (rule.hang === true && (rule.status !== undefined || rule.delayMs !== undefined))
      throw new FaultRuleError(`${at}.hang`, "cannot go with status or delayMs (a hung call is never answered)");
    needOne(rule, at, ["status", "delayMs", "hang"]);
  },
  refuse(rule, at) {
    optional(rule, at, "status", (v) => errorStatuses.includes(v as number), errorStatuses.join(", "));
  },
  drop(rule, at) {
    optional(rule, at, "closeCode", (v) => v === 1008 || v === 1011 || v === 1012, "1008, 1011 or 1012");
    optional(rule, at, "everyMs", (v) => isDuration(v) && (v as number) >= 100, "milliseconds, 100 or more");
    if (rule.reason !== undefined && rule.closeCode === undefined)
      throw new FaultRuleError(`${at}.reason`, "needs a closeCode (an abrupt drop sends no close frame)");
  },
  delivery(rule, at) {
    optional(rule, at, "pause", (v) => v === true, "true");
    if (rule.pause === true && rule.delayMs !== undefined)
      throw new FaultRuleError(`${at}.pause`, "cannot go with delayMs");
    needOne(rule, at, ["delayMs", "pause"]);
  },
  eventHandler(rule, at) {
    const names = (v: unknown): boolean => (Array.isArray(v) ? v : [v]).every((e) => typeof e === "string" && e !== "");
    optional(rule, at, "event", names, "an event name or a list of them");
    optional(
      rule,
      at,
      "failStatus",
      (v) => Number.isInteger(v) && (v as number) >= 300 && (v as number) <= 599,
      "300–599",
    );
    optional(rule, at, "timeout", (v) => v === true, "true");
    optional(rule, at, "timeoutAfterMs", isDuration, "a number of milliseconds, 0 or more");
    if (rule.timeoutAfterMs !== undefined && rule.timeout !== true)
      throw new FaultRuleError(`${at}.timeoutAfterMs`, "needs timeout: true");
    if (rule.timeout === true && rule.failStatus !== undefined)
      throw new FaultRuleError(`${at}.failStatus`, "cannot go with timeout");
    needOne(rule, at, ["failStatus", "timeout", "delayMs"]);
  },
};

function optional(rule: Json, at: string, key: string, ok: (v: unknown) => boolean, allowed: string): void {
  const v = rule[key];
  if (v !== undefined && !ok(v)) throw new FaultRuleError(`${at}.${key}`, `must be ${allowed} (got ${show(v)})`);
}

function needOne(rule: Json, at: string, keys: string[]): void {
  if (keys.every((k) => rule[k] === undefined))
    throw new FaultRuleError(at, `a "${String(rule.kind)}" rule needs one of ${keys.join(", ")}`);
}

function isDuration(v: unknown): boolean {
  return typeof v === "number" && Number.isFinite(v) && v >= 0;
}

function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
