import { createHmac, randomUUID } from "node:crypto";
import { readWebBody } from "../../internal/body";
import type { ClientConnection } from "../state/connection";
import type { Observation } from "../liveview/observe";
import { resolveUrlTemplate } from "../config/template";
import type { FaultController } from "../faults/controller";
import { withEventHandlerFault } from "../faults/upstream";

/** Where a hub's events go (like the service's event handler settings). */
export interface HubSettings {
  /**
   * The upstream URL; `{hub}` and `{event}` are replaced, e.g. `http://localhost:3000/eventhandler/{hub}/{event}`.
   */
  url: string;
  /**
   * System events to send up. `connect` is blocking: the handler can accept, amend or reject the connection.
   * @default ["connect", "connected", "disconnected"]
   */
  systemEvents?: ("connect" | "connected" | "disconnected")[];
  /**
   * User events to send up: `"*"` for all, or a list of event names (`message` is what simple clients send).
   * @default "*"
   */
  userEvents?: "*" | string[];
  /**
   * How long to wait for the event handler before giving up (the connection is then refused with 502,
   * or the user event acked with an error).
   * @default 10000 for the abuse-protection OPTIONS, 30000 for events
   */
  timeoutMs?: number;
}

type UpstreamConnection = {
  connectionId: string;
  userId: string | null;
  subprotocol: string | undefined;
  state?: string | undefined;
};

export interface ConnectReply {
  userId?: string;
  groups?: string[];
  roles?: string[];
  subprotocol?: string;
}

export type UpstreamResult =
  | { ok: true; status: number; body: Buffer; contentType: string | undefined; state: string | null; headers: Headers }
  | {
      ok: false;
      status: number;
      message: string;
      body?: Buffer;
      /** False when no answer came at all. */
      reached?: boolean;
      timedOut?: boolean;
      /** The handler answered, but with more than maxReplyBytes. */
      tooLarge?: boolean;
    };

/** The most of an event handler's reply the emulator reads; a longer reply fails the event. */
export const maxReplyBytes = 1024 * 1024;

/** Reads a response body up to `limit` bytes; undefined (and the rest discarded) when it is longer. */
async function readLimited(response: Response, limit: number): Promise<Buffer | undefined> {
  if (Number(response.headers.get("content-length") ?? 0) > limit) {
    await response.body?.cancel();
    return undefined;
  }
  const bytes = await readWebBody(response.body, limit);
  return bytes === undefined ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Sends CloudEvents (binary mode) to one event handler, signed with the emulator's key. */
export class Upstream {
  readonly #validated = new Map<string, Promise<boolean>>();

  constructor(
    /** One event handler: its URL template and how long to wait for it. */
    private readonly settings: { readonly urlTemplate: string; readonly timeoutMs?: number | undefined },
    private readonly accessKey: string,
    private readonly origin: string,
    private readonly log: (line: string) => void,
    private readonly observation?: Observation,
    private readonly faults?: FaultController,
  ) {}

  async send(
    hub: string,
    connection: UpstreamConnection,
    type: string,
    eventName: string,
    body: Buffer | string,
    contentType: string,
    /** Protocol-specific CloudEvents attributes (MQTT: ce-physicalConnectionId, ce-sessionId, mqtt-* properties). */
    extraHeaders?: Record<string, string>,
  ): Promise<UpstreamResult> {
    const send = (): Promise<UpstreamResult> =>
      this.#send(hub, connection, type, eventName, body, contentType, extraHeaders);
    const faults = this.faults;
    const call =
      faults !== undefined && faults.rules.eventHandler.length !== 0
        ? () => withEventHandlerFault(faults, hub, eventName, connection.connectionId, send)
        : send;
    const emit = this.observation?.emit;
    if (emit === undefined) return call();
    const t0 = performance.now();
    const result = await call();
    const outcome = result.ok ? {} : { error: result.message.slice(0, 200) || `status ${result.status}` };
    emit({
      kind: "upstream",
      hub,
      connectionId: connection.connectionId,
      userId: connection.userId,
      event: type,
      status: result.status,
      ms: performance.now() - t0,
      ...outcome,
    });
    return result;
  }

  async #send(
    hub: string,
    connection: UpstreamConnection,
    type: string,
    eventName: string,
    body: Buffer | string,
    contentType: string,
    extraHeaders: Record<string, string> | undefined,
  ): Promise<UpstreamResult> {
    const url = this.#url(hub, eventName);
    // Abuse protection is checked once per handler, at the URL template with {event} = "validate" (reference-cloud-events).
    const validateUrl = this.#url(hub, "validate");
    if (!(await this.#abuseProtection(validateUrl))) {
      return {
        ok: false,
        status: 502,
        message: `the event handler at ${new URL(validateUrl).origin} did not pass abuse protection (OPTIONS)`,
        reached: false,
      };
    }
    const headers: Record<string, string> = {
      "content-type": contentType,
      "ce-specversion": "1.0",
      "ce-awpsversion": "1.0",
      "ce-type": type,
      "ce-source": `/hubs/${hub}/client/${connection.connectionId}`,
      "ce-id": randomUUID(),
      "ce-time": new Date().toISOString(),
      "ce-signature": `sha256=${createHmac("sha256", this.accessKey).update(connection.connectionId).digest("hex")}`,
      "ce-connectionId": connection.connectionId,
      "ce-hub": hub,
      "ce-eventName": eventName,
      "webhook-request-origin": this.origin,
    };
    if (connection.userId !== null) headers["ce-userId"] = connection.userId;
    if (connection.subprotocol !== undefined) headers["ce-subprotocol"] = connection.subprotocol;
    if (connection.state !== undefined) headers["ce-connectionState"] = connection.state;
    if (extraHeaders !== undefined) Object.assign(headers, extraHeaders);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers,
        body: typeof body === "string" ? body : new Uint8Array(body),
        signal: AbortSignal.timeout(this.settings.timeoutMs ?? 30_000),
      });
      const bytes = await readLimited(response, maxReplyBytes);
      this.log(`upstream ${type} → ${response.status}`);
      if (bytes === undefined) {
        return {
          ok: false,
          status: 502,
          message: `the event handler's reply is larger than ${maxReplyBytes} bytes`,
          tooLarge: true,
        };
      }
      if (response.status >= 200 && response.status < 300) {
        return {
          ok: true,
          status: response.status,
          body: bytes,
          contentType: response.headers.get("content-type") ?? undefined,
          state: response.headers.get("ce-connectionstate"),
          headers: response.headers,
        };
      }
      return { ok: false, status: response.status, message: bytes.toString("utf8").slice(0, 500), body: bytes };
    } catch (error) {
      this.log(`upstream ${type} failed: ${(error as Error).message}`);
      const timedOut = (error as Error).name === "TimeoutError";
      return {
        ok: false,
        status: 502,
        message: timedOut ? "the event handler did not answer in time" : "the event handler could not be reached",
        reached: false,
        timedOut,
      };
    }
  }

  #url(hub: string, eventName: string): string {
    return resolveUrlTemplate(this.settings.urlTemplate, hub, eventName);
  }

  /** CloudEvents abuse protection: the handler must allow this origin once per URL. */
  #abuseProtection(url: string): Promise<boolean> {
    let check = this.#validated.get(url);
    if (check === undefined) {
      check = fetch(url, {
        method: "OPTIONS",
        headers: { "webhook-request-origin": this.origin, "ce-awpsversion": "1.0" },
        signal: AbortSignal.timeout(this.settings.timeoutMs ?? 10_000),
      }).then(
        async (response) => {
          await response.body?.cancel();
          const allowed = response.headers.get("webhook-allowed-origin") ?? "";
          const ok =
            response.ok &&
            allowed.split(",").some((o) => o.trim() === "*" || o.trim().toLowerCase() === this.origin.toLowerCase());
          if (!ok) this.#validated.delete(url);
          return ok;
        },
        () => {
          this.#validated.delete(url);
          return false;
        },
      );
      this.#validated.set(url, check);
    }
    return check;
  }
}

/** Applies a `ce-connectionState` reply header to the connection. */
export function keepState(connection: ClientConnection, header: string | null | undefined): void {
  if (header !== null && header !== undefined) connection.state = header === "" ? undefined : header;
}
