// Connection faults: new WebSocket/MQTT connections refused (an outage window), and open ones dropped, abruptly
// (the socket destroyed, no close frame, as a network failure looks) or closed with a service close code.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type WebSocket from "ws";
import type { MqttConnection } from "../protocols/mqtt/session";
import { refuse } from "../protocols/websocket/handshake";
import type { ClientConnection } from "../state/connection";
import type { HubRegistry } from "../state/core";
import type { ActiveRule } from "./active";
import type { FaultController } from "./controller";
import { matchesConnection, matchesUpgrade } from "./match";
import type { DropFaultRule, RefuseFaultRule } from "./types";

/** Answers an upgrade with the first refuse rule that hits it; false when none does. */
export function refuseUpgrade(faults: FaultController, req: IncomingMessage, socket: Duplex, mqtt: boolean): boolean {
  const hub = hubOfUpgrade(req.url);
  const active = faults.hit("refuse", (rule) => matchesUpgrade(rule, hub, mqtt));
  if (active === undefined) return false;
  const status = (active.rule as RefuseFaultRule).status ?? 503;
  faults.report(active, hub, `${mqtt ? "MQTT" : "WebSocket"} connection refused with ${status}`);
  refuse(socket, status, "The service is unavailable (injected fault).");
  return true;
}

/** How a service-coded close ends a connection for good (1008: the client must start a new one). */
export type EndConnection = (connection: ClientConnection, code: number, reason: string) => void;

/** Makes drop rules drop matching connections when they start, and every `everyMs` while they live. */
export function dropOnStart(faults: FaultController, registry: HubRegistry, end: EndConnection): void {
  const tickers = new Map<ActiveRule, NodeJS.Timeout>();
  faults.effects("drop", {
    started(active) {
      dropMatching(faults, registry, active, end);
      const every = (active.rule as DropFaultRule).everyMs;
      if (every === undefined) return active.end();
      const ticker = setInterval(() => dropMatching(faults, registry, active, end), every);
      ticker.unref();
      tickers.set(active, ticker);
    },
    ended(active) {
      clearInterval(tickers.get(active));
      tickers.delete(active);
    },
  });
}

function dropMatching(faults: FaultController, registry: HubRegistry, active: ActiveRule, end: EndConnection): void {
  const rule = active.rule as DropFaultRule;
  for (const hub of registry.all()) {
    for (const connection of [...hub.connections.values()]) {
      const ws = socketOf(connection);
      if (ws === undefined || ws.readyState !== 1 || !matchesConnection(rule, connection)) continue;
      if (!active.hit()) {
        if (active.ended) return;
        continue;
      }
      const how = rule.closeCode === undefined ? "dropped (no close frame)" : `closed with ${rule.closeCode}`;
      faults.report(active, connection.hub, `connection ${connection.connectionId} ${how}`, connection.connectionId);
      const reason = rule.reason ?? closeReasons[rule.closeCode ?? 0] ?? "";
      if (rule.closeCode === undefined) ws.terminate();
      else if (rule.closeCode === 1008 && connection.protocol !== "mqtt") end(connection, 1008, reason);
      else ws.close(rule.closeCode, reason);
    }
  }
}

const closeReasons: Record<number, string> = {
  1008: "Policy violation (injected fault).",
  1011: "Internal server error (injected fault).",
  1012: "Service restart (injected fault).",
};

function socketOf(connection: ClientConnection): WebSocket | undefined {
  return connection.protocol === "mqtt" ? (connection as MqttConnection).link?.ws : connection.socket;
}

function hubOfUpgrade(url: string | undefined): string | undefined {
  const m = /\/hubs\/([^/?]+)/.exec(url ?? "");
  if (m === null) return undefined;
  try {
    return decodeURIComponent(m[1] as string);
  } catch {
    return undefined;
  }
}
