// The REST data plane as data: every call below /api/hubs/{hub}/ is a row (method, path pattern, the oldest
// api-version that has it, handler), one file per area. The router in api.ts authenticates and reads the body,
// then asks findRoute which row answers.
import { connectionRoutes } from "./connections";
import { groupRoutes } from "./groups";
import { checkParam, requireVersion, type Call, type Route } from "./params";
import { permissionRoutes } from "./permissions";
import { sendingRoutes } from "./sending";
import { tokenRoutes } from "./token";
import { userRoutes } from "./users";

export type { Route } from "./params";

export const routes: readonly Route[] = [
  ...sendingRoutes,
  ...connectionRoutes,
  ...groupRoutes,
  ...userRoutes,
  ...permissionRoutes,
  ...tokenRoutes,
];

interface Compiled {
  route: Route;
  /** Per segment: the literal, or the parameter's name. */
  segments: { literal?: string; param?: string }[];
}

const compiled: Compiled[] = routes.map((route) => ({
  route,
  segments: route.path.split("/").map((s) => (s.startsWith("{") ? { param: s.slice(1, -1) } : { literal: s })),
}));

// The service answers a bad group, user or connection id with 400 whatever follows it in the path, so the
// subject of each area is checked before any route is looked up.
const subjects = new Map([
  ["groups", "group"],
  ["users", "userId"],
  ["connections", "connectionId"],
]);

/**
 * The route for a request, with its path parameters checked; undefined when no route has this method and path.
 * `segments` are the decoded path segments after `/api/hubs/{hub}/`.
 */
export function findRoute(
  method: string,
  segments: readonly string[],
): { route: Route; params: Record<string, string> } | undefined {
  const subject = subjects.get(segments[0] ?? "");
  if (subject !== undefined && segments[1] !== undefined) checkParam(subject, segments[1]);
  let checked = false;
  for (const { route, segments: pattern } of compiled) {
    const params = match(pattern, segments);
    if (params === undefined) continue;
    // Parameters are checked once the path matches, whatever the method (a bad id is a 400, not a 404).
    if (!checked) for (const [name, value] of Object.entries(params)) checkParam(name, value);
    checked = true;
    if (route.method === method) return { route, params };
  }
  return undefined;
}

function match(pattern: Compiled["segments"], segments: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const segment = segments[i] as string;
    if (part.param !== undefined) params[part.param] = segment;
    else if (part.literal !== segment) return undefined;
  }
  return params;
}

/** Runs a matched route: its api-version gate, then its handler. */
export async function runRoute(route: Route, call: Call): Promise<void> {
  if (route.since !== undefined) requireVersion(call, route.since.version, route.since.what);
  await route.handle(call);
}
