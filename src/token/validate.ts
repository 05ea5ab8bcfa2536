import { ValidationError } from "../errors";

/** Throws unless `value` is a non-empty string. Never echoes the value (it may be a secret). */
export function requireString(value: unknown, argument: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new ValidationError(`${argument} must be a non-empty string`, { argument });
  }
  return value;
}

/** Throws unless `value` is undefined or an array of strings. */
export function optionalStringArray(value: unknown, argument: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    throw new ValidationError(`${argument} must be an array of strings`, { argument });
  }
  value.forEach((item: unknown, index) => {
    if (typeof item !== "string") {
      throw new ValidationError(`${argument}[${index}] must be a string, got ${item === null ? "null" : typeof item}`, {
        argument,
      });
    }
  });
  return value as readonly string[];
}
