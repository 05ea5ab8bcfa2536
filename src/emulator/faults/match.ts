// Whether a rule's targets (hub, operation, path, method, protocol, user, connection, event) cover what is
// happening. Every field a rule leaves out matches anything.
import type { ClientConnection } from "../state/connection";
import type { RestOperation } from "./operations";
import type { DeliveryFaultRule, DropFaultRule, EventHandlerFaultRule, RefuseFaultRule, RestFaultRule } from "./types";

export interface RestCall {
  hub: string | undefined;
  method: string;
  /** The path without the query. */
  path: string;
  operation: RestOperation | undefined;
}

const pathPatterns = new WeakMap<RestFaultRule, RegExp>();

export function matchesRest(rule: RestFaultRule, call: RestCall): boolean {
  if (rule.method !== undefined && rule.method !== call.method) return false;
  if (rule.hub !== undefined && !sameHub(rule.hub, call.hub)) return false;
  if (rule.operation !== undefined) {
    if (call.operation === undefined) return false;
    if (Array.isArray(rule.operation) ? !rule.operation.includes(call.operation) : rule.operation !== call.operation)
      return false;
  }
  return rule.path === undefined || pathPattern(rule).test(call.path);
}

export function matchesUpgrade(rule: RefuseFaultRule, hub: string | undefined, mqtt: boolean): boolean {
  if (rule.protocol !== undefined && (rule.protocol === "mqtt") !== mqtt) return false;
  return rule.hub === undefined || sameHub(rule.hub, hub);
}

export function matchesConnection(rule: DropFaultRule | DeliveryFaultRule, c: ClientConnection): boolean {
  if (rule.protocol !== undefined && (rule.protocol === "mqtt") !== (c.protocol === "mqtt")) return false;
  if (rule.hub !== undefined && !sameHub(rule.hub, c.hub)) return false;
  if (rule.userId !== undefined && rule.userId !== c.userId) return false;
  return rule.connectionId === undefined || rule.connectionId === c.connectionId;
}

export function matchesEvent(rule: EventHandlerFaultRule, hub: string, event: string): boolean {
  if (rule.hub !== undefined && !sameHub(rule.hub, hub)) return false;
  if (rule.event === undefined) return true;
  return Array.isArray(rule.event) ? rule.event.includes(event) : rule.event === event;
}

function sameHub(wanted: string, hub: string | undefined): boolean {
  return hub !== undefined && wanted.toLowerCase() === hub.toLowerCase();
}

/** `*` is one path segment, `**` any number of them; the rest is literal. */
function pathPattern(rule: RestFaultRule): RegExp {
  let re = pathPatterns.get(rule);
  if (re === undefined) {
    const body = (rule.path as string)
      .split(/(\*\*|\*)/)
      .map((part) => (part === "**" ? ".*" : part === "*" ? "[^/]*" : part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")))
      .join("");
    re = new RegExp(`^${body}$`);
    pathPatterns.set(rule, re);
  }
  return re;
}
