// Successful REST responses: a status, and a JSON body when there is one. Every response, failures too,
// lists the api-versions the emulator speaks, as the service's do.
import type { ServerResponse } from "node:http";

export const supportedApiVersions = ["2021-10-01", "2022-11-01", "2023-07-01", "2024-01-01", "2024-12-01"] as const;
export type ApiVersion = (typeof supportedApiVersions)[number];
export const supportedHeader = supportedApiVersions.join(", ");

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
