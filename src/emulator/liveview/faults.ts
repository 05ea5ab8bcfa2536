// The live view's fault routes: list the rules in force, add one (the panel's presets or any rule as JSON),
// remove one. Changes need the x-liveview header, which a cross-site page cannot send without a preflight.
import type { IncomingMessage, ServerResponse } from "node:http";
import { readNodeBody } from "../../internal/body";
import type { FaultController } from "../faults/controller";
import { FaultRuleError } from "../faults/error";

const maxRuleBytes = 16 * 1024;
/** The live view may add at most this many rules at once (a stranger with the page must not grow them unbounded). */
const maxRules = 100;

type Reply = (status: number, body: unknown) => void;

/** Answers `/ui/api/faults` and `/ui/api/faults/{id}`; false for other paths. */
export function faultRoutes(faults: FaultController, req: IncomingMessage, res: ServerResponse, path: string): boolean {
  if (path !== "/ui/api/faults" && !path.startsWith("/ui/api/faults/")) return false;
  const send: Reply = (status, body) => {
    const text = JSON.stringify(body);
    res.statusCode = status;
    res.setHeader("content-type", "application/json; charset=utf-8");
    res.setHeader("cache-control", "no-store");
    res.setHeader("content-length", Buffer.byteLength(text));
    res.end(text);
  };
  const method = req.method ?? "GET";
  if (path === "/ui/api/faults" && method === "GET") {
    send(200, { faults: faults.list() });
    return true;
  }
  if (req.headers["x-liveview"] !== "1") {
    send(403, { code: "Forbidden", message: "Missing the x-liveview header." });
    return true;
  }
  if (path === "/ui/api/faults" && method === "POST") {
    add(faults, req, send).catch(() => send(500, { code: "InternalServerError", message: "The rule was not added." }));
    return true;
  }
  if (method === "DELETE") {
    const id = decodeURIComponent(path.slice("/ui/api/faults/".length));
    if (faults.remove(id)) send(200, { removed: id });
    else send(404, { code: "NotFound", message: `No fault rule ${id} is in force.` });
    return true;
  }
  send(405, { code: "MethodNotAllowed", message: `No fault route for ${method} ${path}.` });
  return true;
}

async function add(faults: FaultController, req: IncomingMessage, send: Reply): Promise<void> {
  const bytes = await readNodeBody(req, maxRuleBytes);
  if (bytes === undefined)
    return send(413, { code: "PayloadTooLarge", message: `A rule is at most ${maxRuleBytes} bytes.` });
  if (faults.all().filter((r) => r.source === "liveview").length >= maxRules)
    return send(429, {
      code: "TooManyRules",
      message: `At most ${maxRules} rules from the live view; remove some first.`,
    });
  let rule: unknown;
  try {
    rule = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    return send(400, { code: "BadRequest", message: "The body is not JSON." });
  }
  try {
    const active = faults.add(rule, "liveview");
    send(201, active.view());
  } catch (error) {
    if (!(error instanceof FaultRuleError)) throw error;
    send(400, { code: "BadRequest", field: error.field, message: error.message });
  }
}
