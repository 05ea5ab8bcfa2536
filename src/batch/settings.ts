import { ValidationError } from "../errors";
import { checkInteger } from "../internal/validate";
import type { SendManyOptions } from "./types";

/** `SendManyOptions` checked, with every default applied. */
export interface BatchSettings {
  concurrency: number;
  maxRetries: number;
  retryDelayInMs: number;
  maxRetryDelayInMs: number;
  maxRetryAfterInMs: number;
  progressIntervalInMs: number;
  maxFailuresKept: number;
  maxUnreachableInMs: number;
}

/** Checks the numeric options up front (a `ValidationError` naming the option), before anything is sent. */
export function readBatchSettings<T>(options: SendManyOptions<T>): BatchSettings {
  return {
    concurrency: checkInteger(options.concurrency ?? 16, "options.concurrency", 1, 10_000),
    maxRetries: checkInteger(options.maxRetries ?? 3, "options.maxRetries", 0, 100),
    retryDelayInMs: checkInteger(options.retryDelayInMs ?? 500, "options.retryDelayInMs", 0, 3_600_000),
    maxRetryDelayInMs: checkInteger(options.maxRetryDelayInMs ?? 60_000, "options.maxRetryDelayInMs", 0, 3_600_000),
    maxRetryAfterInMs:
      options.maxRetryAfterInMs === undefined
        ? Number.POSITIVE_INFINITY
        : checkInteger(options.maxRetryAfterInMs, "options.maxRetryAfterInMs", 0, 86_400_000),
    progressIntervalInMs: checkInteger(
      options.progressIntervalInMs ?? 250,
      "options.progressIntervalInMs",
      0,
      3_600_000,
    ),
    maxFailuresKept: checkInteger(
      options.maxFailuresKept ?? 1000,
      "options.maxFailuresKept",
      0,
      Number.MAX_SAFE_INTEGER,
    ),
    maxUnreachableInMs: checkInteger(options.maxUnreachableInMs ?? 30_000, "options.maxUnreachableInMs", 0, 86_400_000),
  };
}

/** Refuses anything that is neither iterable nor async iterable. */
export function checkItems<T>(items: Iterable<T> | AsyncIterable<T>): void {
  if (
    items === null ||
    typeof items !== "object" ||
    (!(Symbol.iterator in items) && !(Symbol.asyncIterator in items))
  ) {
    throw new ValidationError("items must be an array, an iterable or an async iterable.", { argument: "items" });
  }
}
