// Which of a hub's event handlers receives an event: "Web PubSub goes through the configured event
// handlers in the priority order and the first matching one wins" (Learn, howto-develop-eventhandler).
import type { ResolvedHandler, SystemEventName } from "./resolved";

/**
 * The first handler whose `systemEvents` (for `connect`, `connected`, `disconnected`) or `userEventPattern`
 * (for user events) takes the event, or undefined when none does. Names compare case-insensitively, as in
 * Microsoft's emulator.
 */
export function matchHandler<H extends ResolvedHandler>(
  handlers: readonly H[],
  kind: "system" | "user",
  event: string,
): H | undefined {
  const name = event.toLowerCase();
  if (kind === "system") return handlers.find((h) => h.systemEvents.has(name as SystemEventName));
  return handlers.find((h) => h.userEvents === "*" || h.userEvents.has(name));
}
