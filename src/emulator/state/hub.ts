import { ClientConnection, type DeliveryGate } from "./connection";
import type { FilterPredicate } from "../filter/compile";
import { EncodedMessage, type OutgoingMessage } from "./messages";
import type { Observation } from "../liveview/observe";

/** The state of one hub: connections, groups, users and the groups users belong to. */
export class Hub {
  readonly connections = new Map<string, ClientConnection>();
  readonly groups = new Map<string, Set<ClientConnection>>();
  readonly users = new Map<string, Set<ClientConnection>>();

  constructor(
    readonly name: string,
    readonly observation?: Observation,
    private readonly gate?: DeliveryGate,
  ) {}

  add(connection: ClientConnection, groups: Iterable<string>): void {
    this.connections.set(connection.connectionId, connection);
    connection.gate = this.gate;
    if (connection.userId !== null) {
      let set = this.users.get(connection.userId);
      if (set === undefined) this.users.set(connection.userId, (set = new Set()));
      set.add(connection);
    }
    for (const g of groups) this.join(connection, g);
  }

  remove(connection: ClientConnection): void {
    if (this.connections.get(connection.connectionId) !== connection) return;
    this.connections.delete(connection.connectionId);
    for (const g of connection.groups) this.#leaveSet(connection, g);
    connection.clearGroups();
    if (connection.userId !== null) {
      const set = this.users.get(connection.userId);
      set?.delete(connection);
      if (set?.size === 0) this.users.delete(connection.userId);
    }
    connection.dispose();
  }

  /** Whether joining `groups` keeps the connection within `max` groups (groups it is already in count once). */
  fits(connection: ClientConnection, groups: Iterable<string>, max: number): boolean {
    let size = connection.groups.size;
    for (const g of new Set(groups)) if (!connection.groups.has(g) && ++size > max) return false;
    return true;
  }

  join(connection: ClientConnection, group: string): void {
    if (!connection.addGroup(group)) return;
    let set = this.groups.get(group);
    if (set === undefined) this.groups.set(group, (set = new Set()));
    set.add(connection);
    this.observation?.emit?.({
      kind: "join",
      hub: this.name,
      connectionId: connection.connectionId,
      userId: connection.userId,
      group,
    });
  }

  leave(connection: ClientConnection, group: string): void {
    if (!connection.removeGroup(group)) return;
    this.#leaveSet(connection, group);
    this.observation?.emit?.({
      kind: "leave",
      hub: this.name,
      connectionId: connection.connectionId,
      userId: connection.userId,
      group,
    });
  }

  #leaveSet(connection: ClientConnection, group: string): void {
    const set = this.groups.get(group);
    set?.delete(connection);
    if (set?.size === 0) this.groups.delete(group);
  }

  /** Sends to the given connections, encoding once, skipping excluded ids and filter misses. */
  broadcast(
    targets: Iterable<ClientConnection>,
    message: OutgoingMessage,
    excluded?: ReadonlySet<string>,
    filter?: FilterPredicate,
  ): number {
    const encoded = new EncodedMessage(message);
    const now = Date.now();
    let count = 0;
    for (const c of targets) {
      if (excluded !== undefined && excluded.has(c.connectionId)) continue;
      if (filter !== undefined && !filter(c)) continue;
      c.deliver(encoded);
      c.lastActivityAt = now;
      count++;
    }
    return count;
  }

  get isEmpty(): boolean {
    return this.connections.size === 0;
  }
}
