import type { IncomingMessage, ServerResponse } from "node:http";

export const supportedApiVersions = ["2021-10-01", "2022-11-01", "2023-07-01", "2024-01-01", "2024-12-01"] as const;
const supportedHeader = supportedApiVersions.join(", ");

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

export function send(res: ServerResponse, status: number, body?: unknown): void {
  res.statusCode = status;
  res.setHeader("api-supported-versions", supportedHeader);
  if (body === undefined) {
    res.setHeader("content-length", "0");
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(text));
  res.end(text);
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

/** Reads a request body up to `limit` bytes (413 beyond). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpFailure(413, "Error.PayloadTooLarge", `The request body is larger than ${limit} bytes.`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
