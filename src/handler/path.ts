// Which request paths a handler serves: its `path` and everything under it, ignoring case and a trailing
// slash, the rule of @azure/web-pubsub-express. So `path: "/eventhandler"` serves the service's URL template
// `/eventhandler/{event}` (`/eventhandler/connect`, …) but not `/eventhandlers`.

/** Lower case with a trailing slash: how @azure/web-pubsub-express stores and compares paths. */
export function normalizePath(path: string): string {
  const lower = path.toLowerCase();
  return lower.endsWith("/") ? lower : `${lower}/`;
}

/** A matcher for request URLs (path and optional query) against a handler's `path`. */
export function pathMatcher(path: string): (url: string) => boolean {
  const prefix = normalizePath(path);
  return (url) => normalizePath(url.split("?")[0] ?? "/").startsWith(prefix);
}

/**
 * Each handler's `path` as its options gave it (with a trailing slash), for routers that match case-sensitively
 * (Fastify) to register besides the normalised one. Kept here rather than on the class to stay off its API.
 */
export const givenPaths = new WeakMap<object, string>();
