// The REST error responses, shaped as the service's: a JSON error body with `x-ms-error-code`, and for 400s
// that name a parameter, application/problem+json with that parameter under `errors`.
import type { IncomingMessage, ServerResponse } from "node:http";
import { supportedHeader } from "./respond";

/** A REST failure answered the way the service does. */
export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** 400 validation failures come as application/problem+json with the offending parameter. */
    readonly parameter?: string,
  ) {
    super(message);
  }
}

export function sendFailure(req: IncomingMessage, res: ServerResponse, failure: HttpFailure): void {
  res.statusCode = failure.status;
  res.setHeader("api-supported-versions", supportedHeader);
  res.setHeader("x-ms-error-code", failure.code);
  if (req.method === "HEAD") {
    res.setHeader("content-length", "0");
    res.end();
    return;
  }
  let text: string;
  if (failure.status === 400 && failure.parameter !== undefined) {
    res.setHeader("content-type", "application/problem+json; charset=utf-8");
    text = JSON.stringify({
      type: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
      title: "One or more validation errors occurred.",
      status: 400,
      code: failure.code,
      message: failure.message,
      errors: { [failure.parameter]: [failure.message] },
    });
  } else {
    res.setHeader("content-type", "application/json; charset=utf-8");
    text = JSON.stringify({ code: failure.code, message: failure.message, target: null, details: null, inner: null });
  }
  res.setHeader("content-length", Buffer.byteLength(text));
  res.end(text);
}

/** 400 Error.BadRequest naming the parameter at fault. */
export function badRequest(message: string, parameter?: string): HttpFailure {
  return new HttpFailure(400, "Error.BadRequest", message, parameter);
}
