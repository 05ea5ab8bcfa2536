// The page's picture of who is connected and which groups exist, read from the emulator's own inspection
// API (`connections()`), never kept separately. Bounded: a hub with 10k connections sends the page at
// most `maxConnections` rows (filtered first, newest first) and `maxGroups` groups.
import type { ConnectionInfo } from "../types";

const maxConnections = 500;
const maxGroups = 300;
const maxMembersShown = 24;

export interface StateQuery {
  /** Hub to list connections and groups of (case-insensitive); all hubs when empty. */
  hub: string;
  /** Keeps connections whose id, user, group or protocol contains this text (case-insensitive). */
  filter: string;
}

export function snapshot(connections: ConnectionInfo[], query: StateQuery): unknown {
  const hubs = new Map<string, { name: string; connections: number; groups: Set<string> }>();
  for (const c of connections) {
    const key = c.hub.toLowerCase();
    let h = hubs.get(key);
    if (h === undefined) hubs.set(key, (h = { name: c.hub, connections: 0, groups: new Set() }));
    h.connections++;
    for (const g of c.groups) h.groups.add(g);
  }
  const hub = query.hub.toLowerCase();
  const inHub = hub === "" ? connections : connections.filter((c) => c.hub.toLowerCase() === hub);
  const needle = query.filter.toLowerCase();
  const matching = needle === "" ? inHub : inHub.filter((c) => matches(c, needle));
  const groups = new Map<
    string,
    { hub: string; name: string; size: number; members: { connectionId: string; userId: string | null }[] }
  >();
  for (const c of inHub) {
    for (const g of c.groups) {
      const key = `${c.hub}\u0000${g}`;
      let entry = groups.get(key);
      if (entry === undefined) groups.set(key, (entry = { hub: c.hub, name: g, size: 0, members: [] }));
      entry.size++;
      if (entry.members.length < maxMembersShown)
        entry.members.push({ connectionId: c.connectionId, userId: c.userId });
    }
  }
  const groupList = [...groups.values()].sort((a, b) => b.size - a.size || a.name.localeCompare(b.name));
  const now = Date.now();
  return {
    now,
    hubs: [...hubs.values()]
      .map((h) => ({ name: h.name, connections: h.connections, groups: h.groups.size }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    total: inHub.length,
    matching: matching.length,
    connections: matching
      .slice()
      .sort((a, b) => b.connectedAt.getTime() - a.connectedAt.getTime())
      .slice(0, maxConnections)
      .map((c) => ({
        hub: c.hub,
        connectionId: c.connectionId,
        userId: c.userId,
        protocol: c.subprotocol ?? "simple",
        groups: c.groups,
        online: c.online,
        connectedAt: c.connectedAt.getTime(),
        lastActivityAt: c.lastActivityAt.getTime(),
      })),
    groupCount: groupList.length,
    groups: groupList.slice(0, maxGroups),
    limits: { connections: maxConnections, groups: maxGroups, members: maxMembersShown },
  };
}

function matches(c: ConnectionInfo, needle: string): boolean {
  return (
    c.connectionId.toLowerCase().includes(needle) ||
    (c.userId ?? "").toLowerCase().includes(needle) ||
    (c.subprotocol ?? "simple").includes(needle) ||
    c.groups.some((g) => g.toLowerCase().includes(needle))
  );
}
