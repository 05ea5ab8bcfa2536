// Command-line arguments checked up front, with messages in the CLI's own terms (`--minutes must be a
// positive number`, not the SDK's option names). Every usage error exits with status 2.
import { ValidationError } from "../errors";
import { checkHub } from "../internal/validate";

/** Bad usage: the message names the flag and what it accepts. */
export class UsageError extends Error {}

/** Prints a usage error (and the command's help) and returns exit status 2. */
export function reportUsage(command: string, message: string, help: string): number {
  process.stderr.write(`webpubsub ${command}: ${message}\n\n${help}`);
  return 2;
}

/** A positive, finite number (`--minutes 1.5`). */
export function positiveNumber(flag: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value <= 0)
    throw new UsageError(`${flag} must be a positive number, got "${raw}"`);
  return value;
}

/** A whole number in a range (`--concurrency 16`, `--ttl 60`). */
export function integerIn(flag: string, raw: string, min: number, max: number, unit = ""): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}${unit}, got "${raw}"`);
  }
  return value;
}

/** A hub name the service accepts. */
export function hubName(raw: string, flag = "--hub"): string {
  try {
    return checkHub(raw, flag);
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(error.message.replace(/\s*\.$/, ""));
    throw error;
  }
}

/** A flag that must not be empty (`--group ""`). */
export function nonEmpty(flag: string, raw: string | undefined): string | undefined {
  if (raw !== undefined && raw.trim() === "") throw new UsageError(`${flag} must not be empty`);
  return raw;
}
