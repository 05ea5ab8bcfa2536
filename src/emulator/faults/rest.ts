// REST faults: a matching call is answered with an error status (429 with Retry-After, 5xx) in the service's
// error shape, delayed, or left unanswered until the caller gives up.
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { HttpFailure, sendFailure } from "../rest/errors";
import type { FaultController } from "./controller";
import { matchesRest, type RestCall } from "./match";
import { operationOf } from "./operations";
import type { RestFaultRule } from "./types";

const codes: Record<number, [code: string, message: string]> = {
  429: ["Error.TooManyRequests", "Too many requests: the request was throttled (injected fault)."],
  500: ["Error.InternalServerError", "The service failed to process the request (injected fault)."],
  502: ["Error.BadGateway", "Bad gateway (injected fault)."],
  503: ["Error.ServiceUnavailable", "The service is unavailable (injected fault)."],
  504: ["Error.GatewayTimeout", "The service timed out (injected fault)."],
};

/**
 * Applies the first REST rule that hits this request. True when the fault answered it (or left it hanging);
 * false when the request goes on to be answered normally (no hit, or only a delay).
 */
export async function injectRestFault(
  faults: FaultController,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const call = restCall(req);
  const active = faults.hit("rest", (rule) => matchesRest(rule, call));
  if (active === undefined) return false;
  const rule = active.rule as RestFaultRule;
  const what = `${call.method} ${call.path}`;
  if (rule.hang === true) {
    faults.report(active, call.hub, `${what} left unanswered`);
    // Resolves only when the caller gives up (or the emulator closes and destroys the socket).
    await new Promise<void>((resolve) => res.once("close", resolve));
    return true;
  }
  if (rule.delayMs !== undefined) {
    faults.report(active, call.hub, `${what} delayed ${rule.delayMs} ms`);
    await sleep(rule.delayMs);
    if (res.destroyed) return true;
  }
  if (rule.status === undefined) return false;
  const [code, message] = codes[rule.status] ?? ["Error.InternalServerError", "Injected fault."];
  if (rule.retryAfterSeconds !== undefined) res.setHeader("retry-after", String(rule.retryAfterSeconds));
  faults.report(active, call.hub, `${what} → ${rule.status}`);
  sendFailure(req, res, new HttpFailure(rule.status, code, message));
  return true;
}

function restCall(req: IncomingMessage): RestCall {
  const method = req.method ?? "GET";
  const path = (req.url ?? "/").replace(/\?.*$/, "");
  const raw = path.split("/").map(decode);
  // ["", "api", "hubs", "{hub}", ...]
  const isHubPath = raw[1] === "api" && raw[2] === "hubs" && raw[3] !== undefined && raw[3] !== "";
  return {
    method,
    path,
    hub: isHubPath ? raw[3] : undefined,
    operation: isHubPath ? operationOf(method, raw.slice(4)) : undefined,
  };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
