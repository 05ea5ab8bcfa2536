import type { RestError } from "../errors";
import type { RequestLogEvent } from "../logging";

/**
 * Wraps `attempt` so each try is reported to the user's logger (which must never break the call).
 * `url` is already redacted.
 */
export function loggedAttempts<T extends { status: number }>(
  logger: (event: RequestLogEvent) => void,
  method: string,
  url: string,
  attempt: () => Promise<T>,
): () => Promise<T> {
  let n = 0;
  const emit = (event: RequestLogEvent): void => {
    try {
      logger(event);
    } catch {
      // A failing logger is the logger's problem, not the call's.
    }
  };
  return async () => {
    const number = ++n;
    const started = performance.now();
    try {
      const response = await attempt();
      emit({
        level: "info",
        method,
        url,
        attempt: number,
        status: response.status,
        durationMs: Math.round(performance.now() - started),
      });
      return response;
    } catch (error) {
      const e = error as Partial<RestError>;
      const event: RequestLogEvent = {
        level: "warning",
        method,
        url,
        attempt: number,
        durationMs: Math.round(performance.now() - started),
      };
      if (e.statusCode !== undefined) event.status = e.statusCode;
      if (e.requestId !== undefined) event.requestId = e.requestId;
      if (e.errorCode !== undefined) event.errorCode = e.errorCode;
      if (e.retryable !== undefined) event.retryable = e.retryable;
      emit(event);
      throw error;
    }
  };
}
