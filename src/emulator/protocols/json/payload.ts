// The `data` of a json frame (sendToGroup, event) by its `dataType`, as bytes: JSON re-encoded, text as UTF-8,
// binary from base64. A string result is why the frame is refused.
import type { DataType } from "../../state/messages";

/** How deep the JSON `data` of a frame may nest; deeper frames are refused with an ack (they could not be re-encoded). */
export const maxDataDepth = 1000;

export function encodePayload(dataType: unknown, data: unknown): { dataType: DataType; bytes: Buffer } | string {
  // The request schema makes dataType optional: without it the data is JSON.
  switch (dataType ?? "json") {
    case "json":
      if (tooDeep(data, maxDataDepth)) return `The JSON data nests deeper than ${maxDataDepth} levels.`;
      return { dataType: "json", bytes: Buffer.from(JSON.stringify(data ?? null)) };
    case "text":
      if (typeof data !== "string") return "dataType 'text' needs a string 'data'.";
      return { dataType: "text", bytes: Buffer.from(data) };
    case "binary":
      if (typeof data !== "string") return "dataType 'binary' needs base64 'data'.";
      return { dataType: "binary", bytes: Buffer.from(data, "base64") };
    default:
      return `Unsupported dataType ${JSON.stringify(dataType)}; use json, text or binary.`;
  }
}

/** The CloudEvents content type of a user event carrying data of this type. */
export function contentTypeOf(dataType: DataType): string {
  return dataType === "json" ? "application/json" : dataType === "text" ? "text/plain" : "application/octet-stream";
}

/** Whether a parsed JSON value nests deeper than `limit` (iterative: deep input must not exhaust the stack). */
function tooDeep(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== "object" || v === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v))
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}
