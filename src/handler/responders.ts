import { encodeConnectionState } from "./connectionState";
import { JSON_TYPE, jsonResponse, type EventHttpResponse } from "./message";
import { mqttCodeForStatus, statusForMqttCode } from "./mqtt/status";
import type { ConnectErrorResponse, MqttConnectErrorResponse } from "./mqtt/types";
import type {
  ConnectionContext,
  ConnectResponse,
  ConnectResponseHandler,
  UserEventDataType,
  UserEventResponseHandler,
} from "./types";

/** A response handler plus the reply it produces once the user calls `success` or `fail`. */
export interface Responder<T> {
  handler: T;
  reply: Promise<EventHttpResponse>;
  /** Whether `success` or `fail` was called. */
  readonly done: boolean;
  /** Produces a reply when the user's handler finished without calling either. */
  settleDefault(): void;
}

const FAIL_CODES = new Set([400, 401, 500]);

function failResponse(code: number, detail: string | undefined): EventHttpResponse {
  // @azure/web-pubsub-express accepts only these codes; anything else is a programming error we report as 500.
  // As there, the detail goes out as a bare body with no content type.
  return { status: FAIL_CODES.has(code) ? code : 500, headers: {}, body: detail ?? "" };
}

function stateful(states: ConnectionContext["states"]) {
  let modified = false;
  return {
    setState: (name: string, value: unknown): void => {
      states[name] = value;
      modified = true;
    },
    headers(): Record<string, string> {
      return modified ? { "ce-connectionState": encodeConnectionState(states) } : {};
    },
  };
}

function createResponder<T>(
  build: (settle: (response: EventHttpResponse) => void, state: ReturnType<typeof stateful>) => T,
  states: ConnectionContext["states"],
  fallback: (headers: Record<string, string>) => EventHttpResponse,
): Responder<T> {
  let done = false;
  let resolve!: (response: EventHttpResponse) => void;
  const reply = new Promise<EventHttpResponse>((r) => (resolve = r));
  const state = stateful(states);
  const settle = (response: EventHttpResponse): void => {
    // Later calls are ignored, as a second write to a finished HTTP response would be.
    if (done) return;
    done = true;
    resolve(response);
  };
  return {
    handler: build(settle, state),
    reply,
    get done() {
      return done;
    },
    settleDefault: () => settle(fallback(state.headers())),
  };
}

/** What the connect responder needs to know about an MQTT client; undefined for other clients. */
export interface MqttConnectInfo {
  /** From the connect body's `mqtt.protocolVersion` (4 or 5). */
  protocolVersion: unknown;
}

function connectFailure(
  code: number,
  detail: string | undefined,
  mqtt: MqttConnectInfo | undefined,
): EventHttpResponse {
  if (mqtt === undefined) return failResponse(code, detail);
  // MQTT clients learn why from the CONNACK code, which the service reads from this body.
  const reason = detail === undefined ? {} : { reason: detail };
  return jsonResponse(code, { mqtt: { code: mqttCodeForStatus(code, mqtt.protocolVersion), ...reason } });
}

/** Builds the `connect` responder. */
export function connectResponder(
  states: ConnectionContext["states"],
  mqtt?: MqttConnectInfo,
): Responder<ConnectResponseHandler> {
  return createResponder<ConnectResponseHandler>(
    (settle, state) => ({
      setState: state.setState,
      success(response?: ConnectResponse) {
        const headers = state.headers();
        // No body means "accept as is": 204, as the CloudEvents contract and @azure/web-pubsub-express have it.
        if (response === undefined) settle({ status: 204, headers });
        else
          settle({ status: 200, headers: { ...headers, "content-type": JSON_TYPE }, body: JSON.stringify(response) });
      },
      fail(code, detail) {
        settle(connectFailure(code, detail, mqtt));
      },
      failWith(response: ConnectErrorResponse | MqttConnectErrorResponse) {
        if (typeof response === "object" && response !== null && "mqtt" in response) {
          const code = Number(response.mqtt?.code);
          settle(jsonResponse(statusForMqttCode(code), response));
        } else {
          settle(connectFailure(response?.code, response?.detail, mqtt));
        }
      },
    }),
    states,
    // A handler that resolves without replying accepts as is.
    (headers) => ({ status: 204, headers }),
  );
}

function toBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return data instanceof ArrayBuffer
    ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function isBytes(data: unknown): data is ArrayBuffer | ArrayBufferView {
  return data instanceof ArrayBuffer || ArrayBuffer.isView(data);
}

function encodeReply(
  data: unknown,
  dataType: UserEventDataType | undefined,
): { contentType: string; body: string | Uint8Array } {
  switch (dataType) {
    case "json":
      return {
        contentType: "application/json; charset=utf-8",
        // Strings and bytes are taken as already-serialised JSON, as in @azure/web-pubsub-express; other values are
        // serialised.
        body: typeof data === "string" ? data : isBytes(data) ? toBytes(data) : JSON.stringify(data),
      };
    case "text":
      if (typeof data === "string") return { contentType: "text/plain; charset=utf-8", body: data };
      if (isBytes(data)) return { contentType: "text/plain; charset=utf-8", body: toBytes(data) };
      throw new TypeError('a "text" reply must be a string or bytes');
    default:
      if (typeof data === "string" || isBytes(data)) {
        return { contentType: "application/octet-stream", body: typeof data === "string" ? data : toBytes(data) };
      }
      throw new TypeError("a binary reply must be a string, an ArrayBuffer or a typed array");
  }
}

/** Builds the user event responder. */
export function userEventResponder(states: ConnectionContext["states"]): Responder<UserEventResponseHandler> {
  // `success()` without data is 200 with an empty body in the content type `dataType` names, as in
  // @azure/web-pubsub-express (code and tests written against it expect 200); the service sends nothing
  // back to the client for an empty body, as it does for a 204.
  const reply = (headers: Record<string, string>, data: unknown, dataType?: UserEventDataType): EventHttpResponse => {
    const { contentType, body } = data === undefined ? encodeReply("", dataType) : encodeReply(data, dataType);
    return { status: 200, headers: { ...headers, "content-type": contentType }, body };
  };
  return createResponder<UserEventResponseHandler>(
    (settle, state) => ({
      setState: state.setState,
      success(data, dataType) {
        settle(reply(state.headers(), data, dataType));
      },
      fail(code, detail) {
        settle(failResponse(code, detail));
      },
    }),
    states,
    // A handler that resolves without replying answers as `success()` does.
    (headers) => reply(headers, undefined),
  );
}
