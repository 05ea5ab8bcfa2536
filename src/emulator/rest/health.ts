// GET/HEAD /api/health: 200 while the emulator runs; no api-version, no token (as the service's health check).
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpFailure } from "./errors";
import { send } from "./respond";

export const healthPath = "/api/health";

export function health(req: IncomingMessage, res: ServerResponse): void {
  const method = req.method ?? "GET";
  if (method !== "HEAD" && method !== "GET") throw new HttpFailure(405, "Error.MethodNotAllowed", "Use HEAD or GET.");
  send(res, 200);
}
