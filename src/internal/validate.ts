import { ValidationError } from "../errors";

// The service's own rules, checked before anything is sent so that a bad name is a typed error naming the
// argument rather than a 400 (or worse, a request to the wrong path). Source: the REST API's OpenAPI document,
// github.com/Azure/azure-rest-api-specs specification/webpubsub/data-plane/WebPubSub/stable/2024-12-01/
// webpubsub.json (the `hub` path parameter's pattern; `group` 1–1024 characters), which @azure/web-pubsub's
// generated parameters (src/generated/models/parameters.ts) carry too.

const hubPattern = /^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$/;

export function isValidHub(hub: unknown): hub is string {
  return typeof hub === "string" && hubPattern.test(hub);
}

export function checkHub(hub: unknown, argument = "hubName"): string {
  if (typeof hub !== "string" || !hubPattern.test(hub)) {
    throw new ValidationError(
      `${argument} ${describe(hub)} is not a valid hub name: it must start with a letter and contain 1–128 letters, digits or the characters _\`,.[] .`,
      { argument },
    );
  }
  return hub;
}

export function checkGroup(group: unknown, argument = "groupName"): string {
  if (typeof group !== "string" || group.length < 1 || group.length > 1024 || group.trim() === "") {
    throw new ValidationError(
      `${argument} ${describe(group)} is not a valid group name: it must be 1–1024 characters and not only whitespace.`,
      { argument },
    );
  }
  return group;
}

export function checkId(value: unknown, argument: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new ValidationError(`${argument} ${describe(value)} must be a non-empty string.`, { argument });
  }
  return value;
}

export function checkStringArray(value: unknown, argument: string, { nonEmptyItems = true } = {}): string[] {
  if (!Array.isArray(value))
    throw new ValidationError(`${argument} must be an array of strings, got ${describe(value)}.`, { argument });
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (typeof item !== "string" || (nonEmptyItems && item.length === 0)) {
      throw new ValidationError(`${argument}[${i}] ${describe(item)} must be a non-empty string.`, { argument });
    }
  }
  return value as string[];
}

export function checkPermission(value: unknown): "joinLeaveGroup" | "sendToGroup" {
  if (value !== "joinLeaveGroup" && value !== "sendToGroup") {
    throw new ValidationError(`permission ${describe(value)} is not allowed: use "joinLeaveGroup" or "sendToGroup".`, {
      argument: "permission",
    });
  }
  return value;
}

export function checkInteger(value: unknown, argument: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
    throw new ValidationError(`${argument} ${describe(value)} is not allowed: it must be ${range}.`, { argument });
  }
  return value;
}

export function checkOptionalString(value: unknown, argument: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string")
    throw new ValidationError(`${argument} must be a string, got ${describe(value)}.`, { argument });
  return value;
}

/** Describes a rejected value without echoing long or possibly secret content. */
export function describe(value: unknown): string {
  if (typeof value === "string")
    return value.length > 64 ? `(a string of ${value.length} characters)` : JSON.stringify(value);
  if (typeof value === "number") return String(value);
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "(an array)";
  return `(a ${typeof value})`;
}
