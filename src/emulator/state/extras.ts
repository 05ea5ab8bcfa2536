// What only some connections need: reliable ones (reconnection token, unacknowledged backlog, grace timer), those
// an event handler gave state, slow readers (outbox), clients that send ackIds, tests awaiting messages. It is made
// for a connection on first use, so an idle connection carries one empty field instead of ten.
import type { Backlog } from "./backlog";
import { decode, type EncodedMessage, type ReceivedMessage } from "./messages";
import type { Outbox } from "./outbox";

export interface Waiter {
  resolve: (m: ReceivedMessage) => void;
  timer: NodeJS.Timeout;
}

export class ConnectionExtras<Connection> {
  /** Connection state set by event handlers (`ce-connectionState`). */
  state: string | undefined = undefined;
  /** The custom subprotocol a simple client speaks (chosen by the connect handler or offered alone). */
  customSubprotocol: string | undefined = undefined;
  /** Reliable: the token a client recovers its connection with. */
  reconnectionToken: string | undefined = undefined;
  /** Reliable: what the client has not acknowledged. */
  backlog: Backlog | undefined = undefined;
  /** Reliable, dropped: how long its state waits for the client to come back. */
  graceTimer: NodeJS.Timeout | undefined = undefined;
  /** Called when a reliable client's unacknowledged backlog passes the service's capacity. */
  onBacklogFull: ((connection: Connection) => void) | undefined = undefined;
  /** Frames waiting for the socket when the client reads slower than it is sent to. */
  outbox: Outbox | undefined = undefined;
  ackIds: Set<number | bigint> | undefined = undefined;
  waiters: Waiter[] | undefined = undefined;
  inbox: ReceivedMessage[] | undefined = undefined;

  /** Resolves with the next message the connection receives (or one already kept for inspection). */
  nextMessage(connectionId: string, timeoutMs: number): Promise<ReceivedMessage> {
    const queued = this.inbox?.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          const i = this.waiters?.indexOf(waiter) ?? -1;
          if (i >= 0) this.waiters?.splice(i, 1);
          reject(new Error(`connection ${connectionId} received no message within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      (this.waiters ??= []).push(waiter);
    });
  }

  /** A message reached the connection: to the first waiter, else (`keep`) to the inbox, the newest 1000. */
  received(message: EncodedMessage, keep: boolean): void {
    const waiter = this.waiters?.shift();
    if (waiter !== undefined) {
      clearTimeout(waiter.timer);
      waiter.resolve(decode(message.message));
    } else if (keep) {
      const inbox = (this.inbox ??= []);
      inbox.push(decode(message.message));
      if (inbox.length > 1000) inbox.shift();
    }
  }
}
