/**
 * An event handler's URL for one event: `{hub}` and `{event}` (in any case, as Microsoft's emulator reads
 * them) become the percent-encoded hub and event names. Abuse protection uses `{event}` = `validate`.
 */
export function resolveUrlTemplate(template: string, hub: string, event: string): string {
  return template.replace(/\{hub\}/gi, encodeURIComponent(hub)).replace(/\{event\}/gi, encodeURIComponent(event));
}
