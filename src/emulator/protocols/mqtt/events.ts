// The MQTT events of reference-mqtt-cloud-events: every event carries ce-physicalConnectionId and (once a
// session exists) ce-sessionId, ce-subprotocol is always "mqtt", and ce-source names the physical connection.
import type { EmulatorCore } from "../../state/core";
import type { UpstreamResult } from "../../upstream/client";
import type { MqttConnection } from "./session";

export interface MqttUserProperty {
  name: string;
  value: string;
}

/** mqtt-packet's user properties (`{name: value | value[]}`) as the events' list of pairs. */
export function userPropertyList(props: Record<string, string | string[]> | undefined): MqttUserProperty[] | null {
  if (props === undefined) return null;
  const list: MqttUserProperty[] = [];
  for (const [name, value] of Object.entries(props))
    for (const v of Array.isArray(value) ? value : [value]) list.push({ name, value: String(v) });
  return list;
}

/** The events' list of pairs as mqtt-packet's user properties (invalid entries are skipped). */
export function userPropertyMap(list: unknown): Record<string, string[]> | undefined {
  if (!Array.isArray(list)) return undefined;
  const out: Record<string, string[]> = {};
  for (const p of list as { name?: unknown; value?: unknown }[]) {
    if (typeof p?.name === "string" && typeof p.value === "string") (out[p.name] ??= []).push(p.value);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function eventHeaders(
  hub: string,
  connectionId: string,
  physicalId: string,
  sessionId: string | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {
    "ce-source": `/hubs/${hub}/client/${connectionId}/${physicalId}`,
    "ce-physicalConnectionId": physicalId,
    "ce-subprotocol": "mqtt",
  };
  if (sessionId !== undefined) headers["ce-sessionId"] = sessionId;
  return headers;
}

/** Sends `connected` or `disconnected` for a session (unblocking: the answer is only logged). */
export async function sessionEvent(
  core: EmulatorCore,
  session: MqttConnection,
  physicalId: string,
  event: "connected" | "disconnected",
): Promise<void> {
  const upstream = core.upstream(session.hub);
  if (upstream === undefined || !upstream.wants("system", event)) return;
  let body = "{}";
  if (event === "disconnected") {
    const last = session.lastDisconnect;
    body = JSON.stringify({
      reason: last.reason,
      mqtt: { initiatedByClient: last.initiatedByClient, disconnectPacket: last.packet },
    });
  }
  await upstream.send(
    session.hub,
    session,
    `azure.webpubsub.sys.${event}`,
    event,
    body,
    "application/json",
    eventHeaders(session.hub, session.connectionId, physicalId, session.sessionId),
  );
}

/** A user event (`$webpubsub/server/events/{event}`), blocking: the caller turns the answer into a PUBLISH. */
export async function userEvent(
  core: EmulatorCore,
  session: MqttConnection,
  physicalId: string,
  event: string,
  body: Buffer,
  contentType: string,
  userProperties: Record<string, string | string[]> | undefined,
): Promise<UpstreamResult | undefined> {
  const upstream = core.upstream(session.hub);
  if (upstream === undefined || !upstream.wants("user", event)) return undefined;
  const headers = eventHeaders(session.hub, session.connectionId, physicalId, session.sessionId);
  // "User Properties: become HTTP headers prefixed with mqtt-" (header-safe names and values only).
  for (const { name, value } of userPropertyList(userProperties) ?? []) {
    if (/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) && /^[\t\x20-\x7e\x80-\xff]*$/.test(value))
      headers[`mqtt-${name}`] = value;
  }
  return upstream.send(session.hub, session, `azure.webpubsub.user.${event}`, event, body, contentType, headers);
}
