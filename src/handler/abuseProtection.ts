import { ValidationError } from "../errors";

/**
 * Decides the `WebHook-Allowed-Origin` answer. The service sends its host name in `WebHook-Request-Origin`;
 * allowed endpoints may be given as URLs or bare hosts, and `*` allows every origin.
 */
export function compileAllowedOrigins(
  allowedEndpoints: readonly string[] | undefined,
): (origin: string) => string | undefined {
  if (allowedEndpoints === undefined) return () => "*";
  if (!Array.isArray(allowedEndpoints)) {
    throw new ValidationError("allowedEndpoints must be an array of endpoint URLs", { argument: "allowedEndpoints" });
  }
  const hosts = new Set<string>();
  for (const endpoint of allowedEndpoints) {
    if (typeof endpoint !== "string" || endpoint.trim() === "") {
      throw new ValidationError("allowedEndpoints must contain non-empty strings", { argument: "allowedEndpoints" });
    }
    if (endpoint.trim() === "*") return () => "*";
    hosts.add(hostOf(endpoint));
  }
  return (origin) => (hosts.has(hostOf(origin)) ? origin : undefined);
}

function hostOf(value: string): string {
  const trimmed = value.trim();
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`).host.toLowerCase();
  } catch {
    return trimmed.toLowerCase();
  }
}
