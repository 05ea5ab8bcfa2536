import { AbortError } from "../errors";
import { retryHint, type RetryOptions } from "./retry";

let pRetryModule: Promise<typeof import("p-retry").default> | undefined;

/**
 * Runs `attempt` until it succeeds, fails for good, or the call's deadline/retries run out. The happy
 * path costs one await: p-retry is loaded by the first retryable failure only.
 */
export async function withRetries<T>(attempt: () => Promise<T>, retry: Required<RetryOptions>, deadline: number, signal: AbortSignal | undefined): Promise<T> {
  let first: unknown;
  try {
    return await attempt();
  } catch (error) {
    first = error;
  }
  if (retry.maxRetries === 0 || !retryHint(first).retryable || signal?.aborted) throw first;
  pRetryModule ??= import("p-retry").then((m) => m.default);
  const pRetry = await pRetryModule;
  try {
    return await pRetry((attemptNumber) => (attemptNumber === 1 ? Promise.reject(first) : attempt()), {
      retries: retry.maxRetries,
      factor: 2,
      minTimeout: retry.retryDelayInMs,
      maxTimeout: retry.maxRetryDelayInMs,
      randomize: true,
      maxRetryTime: Math.max(0, deadline - performance.now()),
      ...(signal === undefined ? {} : { signal }),
      shouldRetry: ({ error }) => retryHint(error).retryable,
      onFailedAttempt: async ({ error, attemptNumber }) => {
        const hint = retryHint(error);
        if (!hint.retryable) return;
        if (attemptNumber > retry.maxRetries) throw error;
        const remaining = deadline - performance.now();
        if (hint.retryAfterMs !== undefined) {
          // The server said when to come back; wait exactly that (capped) instead of the backoff.
          const wait = Math.min(hint.retryAfterMs, retry.maxRetryDelayInMs);
          if (wait >= remaining) throw error;
          await sleep(wait, signal);
        } else if (remaining <= retry.retryDelayInMs) {
          throw error;
        }
      },
      // A Retry-After wait already happened above; p-retry must not add its own backoff on top.
      shouldConsumeRetry: ({ error }) => retryHint(error).retryAfterMs === undefined,
    });
  } catch (error) {
    if (signal?.aborted && !(error instanceof AbortError)) throw new AbortError(undefined, { cause: signal.reason });
    throw error;
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError(undefined, { cause: signal.reason }));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortError(undefined, { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
