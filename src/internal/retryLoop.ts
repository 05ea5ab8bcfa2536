import { AbortError } from "../errors";
import { watchAbort } from "./attemptControl";
import { retryHint, type ResolvedRetry } from "./retry";

/**
 * Runs `attempt` until it succeeds, fails for good, or retries run out. A server's wait (`Retry-After`,
 * `retry-after-ms`, `x-ms-retry-after-ms`) is honoured in full, never shortened; when it, or the backoff,
 * would end past the call's deadline (or past `maxRetryAfterInMs`), the call fails at once with the last
 * error instead of sleeping into the deadline.
 */
export async function withRetries<T>(attempt: () => Promise<T>, retry: ResolvedRetry, deadline: number, signal: AbortSignal | undefined): Promise<T> {
  for (let retries = 0; ; retries++) {
    let failure: unknown;
    try {
      return await attempt();
    } catch (error) {
      failure = error;
    }
    if (signal?.aborted) throw failure instanceof AbortError ? failure : new AbortError(undefined, { cause: signal.reason });
    const hint = retryHint(failure);
    if (!hint.retryable || retries >= retry.maxRetries) throw failure;
    let wait: number;
    if (hint.retryAfterMs !== undefined) {
      wait = hint.retryAfterMs;
      if (wait > retry.maxRetryAfterInMs) throw failure;
    } else {
      // Exponential backoff with jitter (×1 to ×2), capped.
      wait = Math.min(retry.retryDelayInMs * 2 ** retries * (1 + Math.random()), retry.maxRetryDelayInMs);
    }
    if (performance.now() + wait >= deadline) throw failure;
    await sleep(wait, signal);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal === undefined) {
      setTimeout(resolve, ms);
      return;
    }
    const unwatch = watchAbort(signal, () => {
      clearTimeout(timer);
      reject(new AbortError(undefined, { cause: signal.reason }));
    });
    const timer = setTimeout(() => {
      unwatch();
      resolve();
    }, ms);
  });
}
