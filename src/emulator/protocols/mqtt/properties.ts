// MQTT 5 §2.2.2.2: "It is a Protocol Error to include ... any ... property more than once" unless the property
// says it may repeat (User Property; Subscription Identifier only in a PUBLISH from the server). mqtt-packet
// turns a repeated property into an array, which code expecting a string or a number must never see.
import type { Packet } from "mqtt-packet";

function repeatedIn(properties: object | undefined): string | undefined {
  if (properties === undefined || properties === null) return undefined;
  for (const [name, value] of Object.entries(properties)) {
    if (name !== "userProperties" && Array.isArray(value)) return name;
  }
  return undefined;
}

/** The name of a property that appears more than once in the packet (or its will), if any. */
export function repeatedProperty(packet: Packet): string | undefined {
  const withProperties = packet as { properties?: object; will?: { properties?: object } };
  return repeatedIn(withProperties.properties) ?? repeatedIn(withProperties.will?.properties);
}
