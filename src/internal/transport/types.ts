// PLACEHOLDER until the sdk helper's seam lands on main (planned interface, issue #9); main's file wins.
export interface TransportRequest {
  readonly origin: string;
  readonly method: "GET" | "HEAD" | "POST" | "PUT" | "DELETE";
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array | AsyncIterable<Uint8Array> | null;
}
export interface TransportResponse {
  readonly status: number;
  header(name: string): string | undefined;
  headers(): Record<string, string>;
  readonly body: Uint8Array;
}
export interface AttemptControl {
  readonly signal: AbortSignal;
  sent(): void;
  progress(): void;
  readonly maxResponseBytes: number;
}
export interface Transport {
  send(request: TransportRequest, control: AttemptControl): Promise<TransportResponse>;
  close(): Promise<void>;
}
export class TransportFailure extends Error {
  readonly code: string;
  readonly requestSent: boolean;
  constructor(message: string, options: { code: string; requestSent: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "TransportFailure";
    this.code = options.code;
    this.requestSent = options.requestSent;
  }
}
