// `ce-connectionState` carries the connection state as base64 of UTF-8 JSON. atob/btoa keep this edge-safe.
import type { ConnectionContext } from "./types";

/**
 * Decodes the header; an absent or empty header is an empty state. So is one that is not base64 JSON of an
 * object (another upstream may set plain strings; the docs only recommend base64): the event is still
 * handled, as @azure/web-pubsub-express does, and a `setState` in the reply replaces it.
 */
export function decodeConnectionState(header: string | null): ConnectionContext["states"] {
  if (header === null || header.trim() === "") return {};
  try {
    const binary = atob(header.trim());
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return value as ConnectionContext["states"];
  } catch {
    // Not base64 JSON: treated as no state.
  }
  return {};
}

/** Encodes a state object for the reply header. */
export function encodeConnectionState(states: Record<string, unknown>): string {
  const bytes = new TextEncoder().encode(JSON.stringify(states));
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
