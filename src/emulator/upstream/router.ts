// Each event goes to the first of its hub's event handlers that takes it (Learn, howto-develop-eventhandler:
// "the first matching one wins"). One upstream client per handler URL, kept across reloads, so a handler
// passes abuse protection once and not again each time the configuration is edited.
import { matchHandler } from "../config/match";
import type { ResolvedHandler, ResolvedHub } from "../config/resolved";
import type { Upstream } from "./client";

/** What protocol code asks of a hub's event handlers: does one take this event, and send it there. */
export interface EventRoute {
  wants(kind: "system" | "user", event: string): boolean;
  send: Upstream["send"];
}

export class UpstreamRouter {
  readonly #clients = new Map<string, Upstream>();
  readonly #routes = new WeakMap<ResolvedHub, EventRoute>();

  constructor(private readonly create: (handler: ResolvedHandler) => Upstream) {}

  /** The route for a hub's settings (a snapshot: a reload makes new settings and so a new route). */
  route(hub: ResolvedHub | undefined): EventRoute | undefined {
    if (hub === undefined || hub.handlers.length === 0) return undefined;
    let route = this.#routes.get(hub);
    if (route === undefined) {
      const { handlers } = hub;
      route = {
        wants: (kind, event) => matchHandler(handlers, kind, event) !== undefined,
        send: (hubName, connection, type, eventName, ...rest) => {
          const kind = type.startsWith("azure.webpubsub.sys.") ? "system" : "user";
          const handler = matchHandler(handlers, kind, eventName);
          if (handler === undefined) {
            const message = `no event handler of hub ${hubName} takes the ${kind} event '${eventName}'`;
            return Promise.resolve({ ok: false, status: 404, message, reached: false });
          }
          return this.#client(handler).send(hubName, connection, type, eventName, ...rest);
        },
      };
      this.#routes.set(hub, route);
    }
    return route;
  }

  #client(handler: ResolvedHandler): Upstream {
    const key = `${handler.timeoutMs ?? ""} ${handler.urlTemplate}`;
    let client = this.#clients.get(key);
    if (client === undefined) this.#clients.set(key, (client = this.create(handler)));
    return client;
  }
}
