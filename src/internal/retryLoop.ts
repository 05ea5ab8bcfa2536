import { AbortError } from "../errors";
import { watchAbort } from "./attemptControl";
import { backoffDelay, retryHint, type ResolvedRetry } from "./retry";

type PRetry = typeof import("p-retry").default;
let pRetryModule: Promise<PRetry> | undefined;

/**
 * Runs `attempt` until it succeeds, fails for good, or retries run out. p-retry drives the attempts,
 * their count and cancellation; the wait before each retry is ours, so it is exactly `@azure/web-pubsub`'s:
 * the service's wait (`Retry-After`, `retry-after-ms`, `x-ms-retry-after-ms` on 429/503) in full, never
 * shortened, else @azure/web-pubsub's backoff. When that wait would end past the call's deadline (or a service
 * wait passes `maxRetryAfterInMs`), the call fails at once with the last error instead of sleeping into it.
 * The happy path costs no await: p-retry is loaded by the first retryable failure only.
 */
export function withRetries<T>(
  attempt: () => Promise<T>,
  retry: ResolvedRetry,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<T> {
  // Not an async function: a first attempt that succeeds costs no await of its own.
  return attempt().then(undefined, (first: unknown) => retryAfter(first, attempt, retry, deadline, signal));
}

async function retryAfter<T>(
  first: unknown,
  attempt: () => Promise<T>,
  retry: ResolvedRetry,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<T> {
  if (signal?.aborted) throw asAbort(first, signal);
  if (retry.maxRetries === 0 || !retryHint(first).retryable) throw first;
  pRetryModule ??= import("p-retry").then((m) => m.default);
  const pRetry = await pRetryModule;
  try {
    // The first attempt's failure goes to p-retry exactly as it was thrown (it decides what happens next).
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    return await pRetry((attemptNumber) => (attemptNumber === 1 ? Promise.reject(first) : attempt()), {
      retries: retry.maxRetries,
      // p-retry's own backoff is off (0 ms): onFailedAttempt below sleeps the exact wait before p-retry goes on.
      minTimeout: 0,
      maxTimeout: 0,
      factor: 1,
      randomize: false,
      ...(signal === undefined ? {} : { signal }),
      onFailedAttempt: async ({ error, retriesConsumed, retriesLeft }) => {
        // p-retry calls this before its own checks, so every "stop now" decision is made here, before any sleep.
        if (signal?.aborted) throw asAbort(error, signal);
        const hint = retryHint(error);
        if (!hint.retryable || retriesLeft <= 0) throw error;
        let wait: number;
        if (hint.retryAfterMs !== undefined) {
          wait = hint.retryAfterMs;
          if (wait > retry.maxRetryAfterInMs) throw error;
        } else {
          wait = backoffDelay(retriesConsumed, retry);
        }
        if (performance.now() + wait >= deadline) throw error;
        await sleep(wait, signal);
      },
    });
  } catch (error) {
    if (signal?.aborted) throw asAbort(error, signal);
    throw error;
  }
}

function asAbort(failure: unknown, signal: AbortSignal): AbortError {
  return failure instanceof AbortError ? failure : new AbortError(undefined, { cause: signal.reason });
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
