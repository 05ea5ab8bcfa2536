// The fault rules an app team can inject into a running emulator (Emulator.faults, `--faults <file>`, the
// live view): one shape for all three, plain JSON so a file holds the same rules as a test.
import type { RestOperation } from "./operations";

export type { RestOperation } from "./operations";

/** When a rule hits, and for how long it lives. Without any of these a rule hits every match until removed. */
export interface FaultTrigger {
  /** A label shown in the live view and the traffic feed. */
  name?: string;
  /** Hit only the next `count` matches (calls, connections, messages, events); the rule then ends. */
  count?: number;
  /**
   * Hit each match with this probability (0–1), drawn from a generator seeded with {@link FaultTrigger.seed},
   * so the same seed hits the same matches run after run.
   * @default 1
   */
  probability?: number;
  /**
   * The seed of the probability draws.
   * @default 1
   */
  seed?: number;
  /** The rule ends this many milliseconds after it is added. */
  durationMs?: number;
}

/**
 * REST calls answered with an error status, delayed, or never answered until the caller gives up.
 * @example `{ kind: "rest", operation: "sendToAll", status: 429, retryAfterSeconds: 2, count: 3 }`
 */
export interface RestFaultRule extends FaultTrigger {
  kind: "rest";
  /** Only this hub's calls (any case). */
  hub?: string;
  /** Only these calls, by `@azure/web-pubsub` method name (`sendToAll`, `group.sendToAll`, `sendToUser`...). */
  operation?: RestOperation | RestOperation[];
  /** Only paths matching this pattern: `*` stands for one path segment, `**` for any number (`/api/hubs/*\/groups/**`). */
  path?: string;
  /** Only this HTTP method. */
  method?: "GET" | "HEAD" | "POST" | "PUT" | "DELETE";
  /** Answer with this status and the service's error body (429 throttled, 5xx the service failing). */
  status?: 429 | 500 | 502 | 503 | 504;
  /** With `status`: the Retry-After header, in seconds. */
  retryAfterSeconds?: number;
  /** Wait this long before answering (normally, or with `status`). */
  delayMs?: number;
  /** Never answer: the request stays open until the caller gives up (its timeout or abort signal). */
  hang?: boolean;
}

/**
 * New WebSocket and MQTT connections refused with an HTTP status: an outage window.
 * @example `{ kind: "refuse", durationMs: 20000 }`
 */
export interface RefuseFaultRule extends FaultTrigger {
  kind: "refuse";
  hub?: string;
  /** Only WebSocket (simple/json/protobuf) or only MQTT clients. */
  protocol?: "websocket" | "mqtt";
  /**
   * The status the upgrade request is answered with.
   * @default 503
   */
  status?: 429 | 500 | 502 | 503 | 504;
}

/**
 * Open connections dropped when the rule is added (and every `everyMs` while it lives): abruptly, the socket
 * destroyed without a close frame as a network failure looks, or closed with a service close code.
 * `count` limits how many connections are dropped, `probability` picks a fraction of them.
 * @example `{ kind: "drop", closeCode: 1012 }` (a service restart: every connection)
 */
export interface DropFaultRule extends FaultTrigger {
  kind: "drop";
  hub?: string;
  protocol?: "websocket" | "mqtt";
  userId?: string;
  connectionId?: string;
  /** Close with this code (1011 server error, 1012 service restart, 1008 policy) instead of destroying the socket. */
  closeCode?: 1008 | 1011 | 1012;
  /** The close frame's reason (with `closeCode`). */
  reason?: string;
  /** Drop again every this many milliseconds while the rule lives. */
  everyMs?: number;
}

/**
 * Messages to clients held back: delayed by `delayMs`, or paused until the rule ends (then sent, in order).
 * @example `{ kind: "delivery", hub: "chat", pause: true, durationMs: 5000 }`
 */
export interface DeliveryFaultRule extends FaultTrigger {
  kind: "delivery";
  hub?: string;
  protocol?: "websocket" | "mqtt";
  userId?: string;
  connectionId?: string;
  delayMs?: number;
  pause?: boolean;
}

/**
 * Event-handler (CloudEvents) calls made to fail with a status, to time out, or delayed.
 * @example `{ kind: "eventHandler", event: "message", timeout: true }`
 */
export interface EventHandlerFaultRule extends FaultTrigger {
  kind: "eventHandler";
  hub?: string;
  /** Only these events: `connect`, `connected`, `disconnected` or a user event's name (`message`...). */
  event?: string | string[];
  /** Answer as if the handler had replied with this status (the handler is not called). */
  failStatus?: number;
  /**
   * The call is sent, but the emulator stops waiting after `timeoutAfterMs` and treats it as timed out,
   * as the service does when a handler does not answer in time.
   */
  timeout?: boolean;
  /**
   * With `timeout`: how long the emulator waits.
   * @default 1000
   */
  timeoutAfterMs?: number;
  /** Call the handler this much later. */
  delayMs?: number;
}

/** Every kind of fault rule. */
export type FaultRule = RestFaultRule | RefuseFaultRule | DropFaultRule | DeliveryFaultRule | EventHandlerFaultRule;

/** A rule in force, as `Emulator.faults.list()` shows it. */
export interface ActiveFault {
  /** Unique within the emulator, e.g. `fault-3`. */
  id: string;
  rule: FaultRule;
  /** How many times it has hit so far. */
  hits: number;
  /** Epoch ms when it ends by its `durationMs`, if it has one. */
  endsAt: number | undefined;
  /** `"file"` for rules from the `--faults` file, `"api"` for the rest. */
  source: "api" | "file" | "liveview";
}

/** A rule added: removes it (also with `using`). */
export interface FaultHandle extends Disposable {
  readonly id: string;
  /** Removes the rule (no-op once it ended). */
  remove(): void;
  /** How many times it has hit so far. */
  readonly hits: number;
}

/** `Emulator.faults`: add, list and remove fault rules on a running emulator. */
export interface EmulatorFaults {
  /** Adds a rule (checked first: a bad one throws a `FaultRuleError` naming the field). */
  add(rule: FaultRule): FaultHandle;
  /** Removes every rule. */
  clear(): void;
  /** The rules in force. */
  list(): ActiveFault[];
}
