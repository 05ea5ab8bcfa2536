import { AbortError, NetworkError, RestError, TimeoutError, WebPubSubError } from "../errors";
import { redactDeep, type Redactor } from "./redact";
import { isRetryableFailure, parseRetryAfter } from "./retry";
import { TransportFailure, type TransportResponse } from "./transport/types";
import { decodeUtf8 } from "./utf8";

/** What the error mapping needs to know about the attempt that failed. */
export interface FailedAttempt {
  /** `METHOD /path` (no query). */
  readonly what: string;
  readonly requestSent: boolean;
  readonly idempotent: boolean;
  readonly retryAfterSend: boolean;
  /** Not a one-shot stream: the body could be sent again. */
  readonly replayable: boolean;
  readonly timeoutInMs: number;
}

/** Turns whatever a transport rejected with into one of our typed errors. */
export function fromTransportFailure(error: unknown, attempt: FailedAttempt): WebPubSubError {
  if (error instanceof WebPubSubError) return error;
  const failure = error as Partial<TransportFailure> & Error;
  const code = typeof failure?.code === "string" ? failure.code : "";
  const what = attempt.what;
  const sent = attempt.requestSent || failure?.requestSent === true;
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
    // Only from a user's dispatcher with its own timeouts (ours are switched off per request).
    const retryable =
      attempt.replayable && isRetryableFailure(undefined, sent, attempt.idempotent, attempt.retryAfterSend);
    return new TimeoutError(`${what}: no response within the dispatcher's timeout.`, {
      timeout: "attempt",
      timeoutInMs: attempt.timeoutInMs,
      retryable,
      cause: error,
    });
  }
  if (code === "UND_ERR_CONNECT_TIMEOUT") {
    return new TimeoutError(`${what}: connecting to the service timed out.`, {
      timeout: "attempt",
      timeoutInMs: attempt.timeoutInMs,
      retryable: attempt.replayable,
      cause: error,
    });
  }
  if (code === "UND_ERR_ABORTED" || failure?.name === "AbortError") return new AbortError(undefined, { cause: error });
  const retryable =
    code !== "ERR_RESPONSE_TOO_LARGE" &&
    attempt.replayable &&
    isRetryableFailure(undefined, sent, attempt.idempotent, attempt.retryAfterSend);
  const message = error instanceof Error ? error.message : String(error);
  const detail = code === "" ? message : `${code}${message ? ` (${message})` : ""}`;
  return new NetworkError(
    `${what} failed ${sent ? "after the request was sent; the service may have processed it" : "before the request reached the service"}: ${detail}.`,
    {
      cause: error instanceof TransportFailure && error.cause !== undefined ? error.cause : error,
      retryable,
      requestSent: sent,
    },
  );
}

/** The service's error response as a `RestError`, with anything secret redacted from message and details. */
export function toRestError(method: string, path: string, response: TransportResponse, redact: Redactor): RestError {
  const status = response.status;
  const headers = response.headers();
  let details: unknown;
  let code = headers["x-ms-error-code"];
  let serviceMessage: string | undefined;
  const type = headers["content-type"] ?? "";
  if (response.body.length > 0) {
    const text = redact(decodeUtf8(response.body));
    if (/json/i.test(type)) {
      try {
        details = redactDeep(JSON.parse(text), redact);
      } catch {
        details = text;
      }
    } else {
      details = text;
    }
    if (typeof details === "object" && details !== null) {
      const body = details as {
        code?: unknown;
        message?: unknown;
        title?: unknown;
        error?: { code?: unknown; message?: unknown };
      };
      const inner = typeof body.error === "object" && body.error !== null ? body.error : body;
      if (typeof inner.code === "string") code ??= inner.code;
      if (typeof inner.message === "string") serviceMessage = inner.message;
      else if (typeof body.title === "string") serviceMessage = body.title;
    } else if (typeof details === "string" && details.length > 0 && details.length <= 500) {
      serviceMessage = details;
    }
  }
  const requestId = headers["x-ms-request-id"];
  const retryAfterInMs = parseRetryAfter(headers);
  const retryable = isRetryableFailure(status, true, true, false, retryAfterInMs);
  const cleanPath = path.replace(/\?.*$/, "");
  const message = `${method} ${cleanPath} failed with status ${status}${code ? ` (${code})` : ""}${serviceMessage ? `: ${serviceMessage}` : "."}`;
  return new RestError(message, {
    statusCode: status,
    code,
    details,
    requestId,
    retryable,
    retryAfterInMs,
    request: { method, path: cleanPath },
  });
}
