// What the emulator reports as it works, for `Emulator.watch()` and the live view. Hook sites call
// `observation.emit?.(...)`: while nobody watches, `emit` is undefined and the event object is never built.

/** A REST call finished (also calls that failed routing or authentication). */
export interface RestEvent {
  kind: "rest";
  /** Hub from the path, when the path names one. */
  hub: string | undefined;
  method: string;
  /** Path and query (REST tokens travel in the Authorization header, never here). */
  path: string;
  status: number;
  /** From the request's arrival to the response's end of handling, in milliseconds. */
  ms: number;
  /** For sends: how many connections the message was delivered to. */
  reach?: number;
}

/** A frame a client sent (its content is summarised by the receiver; `bytes` is the raw frame). */
export interface FrameEvent {
  kind: "frame";
  hub: string;
  connectionId: string;
  userId: string | null;
  /** The connection's subprotocol (undefined for simple clients, whose frames are opaque messages). */
  subprotocol: string | undefined;
  bytes: Buffer;
  binary: boolean;
  /** What a binary-protocol frame asks for, decoded by its protocol (protobuf), in the json frames' terms. */
  decoded?: Record<string, unknown> | undefined;
}

/** An event-handler (upstream) call: the CloudEvents type, its outcome and how long it took. */
export interface UpstreamEvent {
  kind: "upstream";
  hub: string;
  connectionId: string;
  userId: string | null;
  /** `ce-type`, e.g. `azure.webpubsub.sys.connect` or `azure.webpubsub.user.message`. */
  event: string;
  /** The handler's HTTP status (502 when it could not be reached). */
  status: number;
  ms: number;
  /** Why the call failed, when it did (at most 200 characters of the handler's reply). */
  error?: string;
}

/** A connection opened, recovered (reliable clients), went offline waiting to recover, or closed. */
export interface ConnectionEvent {
  kind: "connected" | "recovered" | "offline" | "disconnected";
  hub: string;
  connectionId: string;
  userId: string | null;
  subprotocol: string | undefined;
  /** For `disconnected`: why (closed by the client, by the server with its reason, socket error...). */
  reason?: string;
}

/** A WebSocket upgrade the emulator refused (bad token, event handler rejected the connect...). */
export interface RefusedEvent {
  kind: "refused";
  /** The path asked for (never its query, which may hold an access token). */
  path: string;
  status: number;
  reason: string;
}

/** A connection joined or left a group. */
export interface GroupEvent {
  kind: "join" | "leave";
  hub: string;
  connectionId: string;
  userId: string | null;
  group: string;
}

/** A fault injected by a rule of `Emulator.faults` (or `--faults`): always marked `injected`. */
export interface FaultEvent {
  kind: "fault";
  injected: true;
  /** The rule's id (`fault-3`) and, when it has one, its name. */
  faultId: string;
  name?: string;
  /** The rule's kind: `rest`, `refuse`, `drop`, `delivery` or `eventHandler`. */
  fault: "rest" | "refuse" | "drop" | "delivery" | "eventHandler";
  hub: string | undefined;
  connectionId?: string;
  /** What was done, e.g. `POST /api/hubs/chat/:send → 429` or `dropped (no close frame)`. */
  detail: string;
}

/** Everything `Emulator.watch()` reports. */
export type EmulatorEvent =
  RestEvent | FrameEvent | UpstreamEvent | ConnectionEvent | RefusedEvent | GroupEvent | FaultEvent;

// How many connections a REST send reached, kept for the watchers' REST event (only while someone watches).
const reaches = new WeakMap<object, number>();
export function noteReach(response: object, reached: number): void {
  reaches.set(response, reached);
}
export function reachOf(response: object): { reach?: number } {
  const n = reaches.get(response);
  return n === undefined ? {} : { reach: n };
}

/** The listeners of one emulator. `emit` is defined only while at least one listens. */
export class Observation {
  readonly #listeners = new Set<(event: EmulatorEvent) => void>();
  emit: ((event: EmulatorEvent) => void) | undefined;

  add(listener: (event: EmulatorEvent) => void): () => void {
    this.#listeners.add(listener);
    this.#update();
    return () => {
      this.#listeners.delete(listener);
      this.#update();
    };
  }

  #update(): void {
    const listeners = [...this.#listeners];
    // A listener's mistake must not fail the REST call or frame that reported it.
    this.emit =
      listeners.length === 0
        ? undefined
        : (event) => {
            for (const listener of listeners) {
              try {
                listener(event);
              } catch {
                // ignored: see above
              }
            }
          };
  }
}
