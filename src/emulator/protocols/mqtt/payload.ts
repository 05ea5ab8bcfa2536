// How an MQTT payload maps to a Web PubSub data type (reference-mqtt-cross-protocol-communication).
import { contentTypeToDataType, type DataType } from "../../state/messages";

/** MQTT 5 content type → data type; absent (and every 3.1.1 publish) → binary. */
export function dataTypeOf(contentType: string | undefined): DataType {
  if (contentType === undefined) return "binary";
  return contentTypeToDataType(contentType) ?? "binary";
}

/** Whether a payload declared as JSON really is JSON. */
export function isJson(payload: Buffer): boolean {
  try {
    JSON.parse(payload.toString("utf8"));
    return true;
  } catch {
    return false;
  }
}
