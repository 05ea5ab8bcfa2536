import { TimeoutError } from "../errors";
import { AttemptTimer } from "./attemptControl";
import type { Authorizer } from "./authorizer";
import type { EncodedBody } from "./content";
import { fromTransportFailure, toRestError } from "./failures";
import type { RequestSpec } from "./request";
import { redactor, type Redactor } from "./redact";
import type { ResolvedRetry } from "./retry";
import type { TraceHeaders } from "./tracing";
import type { Transport, TransportRequest, TransportResponse } from "./transport/types";
import { rejection } from "./rejection";

// One HTTP attempt of a call: headers, body, the attempt's timer, the transport, and the answer checked
// (2xx, or a 404 that is an answer) or turned into a typed error. Every step that can complete at once does
// so without a microtask: this runs once per request, and the happy path is one transport promise and one
// reaction on it.

/** What every attempt of one client needs. */
export interface AttemptContext {
  readonly auth: Authorizer;
  readonly userAgent: string;
  readonly transport: Transport;
  readonly targetOrigin: string;
  readonly maxResponseBytes: number;
}

/** One call, as its attempts see it. The tracing wrapper writes each attempt's propagation headers here. */
export interface Call extends TraceHeaders {
  readonly spec: RequestSpec;
  /** The JWT audience: the service URL the call is for (not the reverse proxy's). */
  readonly audience: string;
  /** Path and query as sent. */
  readonly path: string;
  readonly timeoutInMs: number;
  readonly totalTimeoutInMs: number;
  /** The call's absolute deadline on the `performance.now()` clock. */
  readonly deadline: number;
  readonly retry: ResolvedRetry;
}

const NodeBuffer = (globalThis as { Buffer?: { byteLength(s: string): number } }).Buffer;
const encoder = new TextEncoder();

/** Runs one attempt; rejects (never throws) with a typed error. */
export function runAttempt(context: AttemptContext, call: Call): Promise<TransportResponse> {
  try {
    const { spec, totalTimeoutInMs } = call;
    if (call.deadline - performance.now() <= 0) {
      throw new TimeoutError(`The call did not finish within totalTimeoutInMs (${totalTimeoutInMs} ms).`, {
        timeout: "total",
        timeoutInMs: totalTimeoutInMs,
        retryable: false,
      });
    }
    // A key credential signs synchronously (a cached token on Node); a TokenCredential's token is awaited.
    const auth = context.auth.header(call.audience, spec.options?.abortSignal);
    if (typeof auth !== "string") return auth.then((authorization) => withBody(context, call, authorization));
    return withBody(context, call, auth);
  } catch (error) {
    return rejection(error);
  }
}

/** Gets this attempt's body (a stream factory is called only now; a Blob is read first), then sends. */
function withBody(context: AttemptContext, call: Call, authorization: string): Promise<TransportResponse> {
  try {
    const body = call.spec.body;
    const wire = body === undefined ? null : wireBody(body);
    if (wire instanceof Promise) return wire.then((bytes) => exchange(context, call, authorization, bytes));
    return exchange(context, call, authorization, wire);
  } catch (error) {
    return rejection(error);
  }
}

function exchange(
  context: AttemptContext,
  call: Call,
  authorization: string,
  body: TransportRequest["body"],
): Promise<TransportResponse> {
  const { spec, path } = call;
  const options = spec.options;
  const headers: Record<string, string> = { authorization, "user-agent": context.userAgent };
  const custom = options?.requestOptions?.customHeaders;
  if (custom !== undefined) for (const [name, value] of Object.entries(custom)) headers[name.toLowerCase()] = value;
  if (call.traceparent !== undefined) {
    headers["traceparent"] = call.traceparent;
    if (call.tracestate !== undefined) headers["tracestate"] = call.tracestate;
  }
  if (spec.body !== undefined) {
    headers["content-type"] = spec.body.contentType;
    if (typeof body === "string")
      headers["content-length"] = String(
        NodeBuffer === undefined ? encoder.encode(body).byteLength : NodeBuffer.byteLength(body),
      );
    else if (body instanceof Uint8Array) headers["content-length"] = String(body.byteLength);
  } else if (spec.method === "POST" || spec.method === "PUT") {
    headers["content-length"] = "0";
  }
  const replayable = spec.body?.streamed !== true;
  const what = `${spec.method} ${spec.path}`;
  const control = new AttemptTimer({
    what,
    timeoutInMs: call.timeoutInMs,
    deadline: call.deadline,
    totalTimeoutInMs: call.totalTimeoutInMs,
    signal: options?.abortSignal,
    replayable,
    retryAfterSent: spec.idempotent || call.retry.retryAfterSend,
    maxResponseBytes: context.maxResponseBytes,
  });
  let sending: Promise<TransportResponse>;
  try {
    sending = context.transport.send(
      { origin: context.targetOrigin, method: spec.method, path, headers, body },
      control,
    );
  } catch (error) {
    sending = rejection(error);
  }
  return sending.then(
    (response) => {
      control.finish();
      options?.onResponse?.({ status: response.status, headers: response.headers() });
      if ((response.status >= 200 && response.status < 300) || (response.status === 404 && spec.notFoundIsResult))
        return response;
      throw toRestError(spec.method, path, response, redactorFor(context, headers["authorization"], body));
    },
    (error: unknown) => {
      control.finish();
      throw (
        control.endedWith ??
        fromTransportFailure(error, {
          what,
          requestSent: control.requestSent,
          idempotent: spec.idempotent,
          retryAfterSend: call.retry.retryAfterSend,
          replayable,
          timeoutInMs: call.timeoutInMs,
        })
      );
    },
  );
}

/** What must not appear in an error built from a response: the key, the token and the body sent. */
function redactorFor(
  context: AttemptContext,
  authorization: string | undefined,
  sent: TransportRequest["body"],
): Redactor {
  let bodyText: string | undefined;
  if (typeof sent === "string") bodyText = sent;
  else if (sent instanceof Uint8Array && sent.byteLength <= 65_536) bodyText = new TextDecoder().decode(sent);
  return redactor([context.auth.key, authorization?.slice("Bearer ".length), bodyText]);
}

/** The body for one attempt: a replayable stream factory gives a fresh stream each time; a Blob is read into bytes. */
function wireBody(body: EncodedBody): TransportRequest["body"] | Promise<Uint8Array> {
  const data = body.data;
  if (typeof data === "function") return data();
  if (typeof Blob !== "undefined" && data instanceof Blob)
    return data.arrayBuffer().then((bytes) => new Uint8Array(bytes));
  return data as string | Uint8Array | AsyncIterable<Uint8Array>;
}
