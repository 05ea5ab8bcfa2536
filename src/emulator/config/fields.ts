// Checks for the fields both configuration shapes share, each refusing a bad value with the field's path
// and what is allowed. Property names match case-insensitively (ARM and ASP.NET configuration both do).
import { EmulatorConfigError } from "./error";
import { resolveUrlTemplate } from "./template";
import { defaultKeepAliveSeconds, systemEventNames, type SystemEventName } from "./resolved";
import { isValidHub } from "../../internal/validate";

/** What to do with a property: read it, or accept it with a notice saying why it has no effect here. */
export type KeyRule = "read" | { ignored: string };

/** A property's value and its path in the configuration, for messages. */
export interface Field {
  value: unknown;
  path: string;
}

/** `a.b` for identifier-like keys, `a["x.y"]` otherwise (hub names may hold dots and brackets). */
export function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === "object" && Object.keys(value).length === 0;
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
}

/** Reads one configuration: where it came from, what to do with unknown keys, and the notices so far. */
export class Scope {
  readonly notices: string[] = [];

  constructor(
    readonly source: string,
    /** `error` for the hub resource's fixed schema; `notice` where the format is open (appsettings.json). */
    private readonly unknownKeys: "error" | "notice",
  ) {}

  fail(path: string, problem: string): never {
    throw new EmulatorConfigError(this.source, path, problem);
  }

  notice(line: string): void {
    if (!this.notices.includes(line)) this.notices.push(line);
  }

  object(value: unknown, path: string, what: string): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value))
      this.fail(path, `must be an object (${what})`);
    return value as Record<string, unknown>;
  }

  list(value: unknown, path: string, what: string): unknown[] {
    if (!Array.isArray(value)) this.fail(path, `must be a list (${what})`);
    return value;
  }

  /** The known properties of an object, by their canonical names; unknown ones are refused or noticed. */
  fields(value: unknown, path: string, rules: Record<string, KeyRule>, what: string): Map<string, Field> {
    const object = this.object(value, path, what);
    const canonical = new Map(Object.keys(rules).map((name) => [name.toLowerCase(), name]));
    const out = new Map<string, Field>();
    const seen = new Map<string, string>();
    for (const [key, item] of Object.entries(object)) {
      const at = join(path, key);
      const name = canonical.get(key.toLowerCase());
      if (name === undefined) {
        if (this.unknownKeys === "error")
          this.fail(at, `is not a property of ${what} (allowed: ${Object.keys(rules).join(", ")})`);
        this.notice(`${this.source}: ${at} is not a setting the emulator knows; ignored`);
        continue;
      }
      const earlier = seen.get(name);
      if (earlier !== undefined) this.fail(at, `repeats ${earlier} (property names are case-insensitive)`);
      seen.set(name, at);
      const rule = rules[name] as KeyRule;
      if (rule === "read") out.set(name, { value: item, path: at });
      else if (!isEmpty(item)) this.notice(`${this.source}: ${at} is accepted but ignored: ${rule.ignored}`);
    }
    return out;
  }

  hubName(name: string, path: string): string {
    if (!isValidHub(name))
      this.fail(
        path,
        `${show(name)} is not a valid hub name (a letter, then up to 127 letters, digits or any of _ \` , . [ ])`,
      );
    return name;
  }

  urlTemplate(field: Field | undefined, handlerPath: string, key: string): string {
    if (field === undefined) this.fail(join(handlerPath, key), "is required (the event handler's URL template)");
    const { value, path } = field;
    const example = 'e.g. "http://localhost:3000/eventhandler/{event}"';
    if (typeof value !== "string" || value.trim() === "") this.fail(path, `must be a URL template (${example})`);
    const template = value.trim();
    if (/\{@Microsoft\.KeyVault\(/i.test(template))
      this.fail(path, "uses a Key Vault reference, which the emulator cannot resolve; write the value itself");
    const unknown = /\{(?!hub\}|event\})[^}]*\}?/i.exec(template);
    if (unknown !== null) this.fail(path, `has an unknown parameter ${show(unknown[0])} (allowed: {hub}, {event})`);
    const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(template)?.[1] ?? "";
    if (authority.includes("{"))
      this.fail(path, "has a parameter in its host name; only the path and query may use {hub} and {event}");
    let url: URL | undefined;
    try {
      url = new URL(resolveUrlTemplate(template, "hub", "validate"));
    } catch {
      url = undefined;
    }
    // The template may carry a secret (`?code=`): messages name its scheme, never the URL.
    if (url === undefined) this.fail(path, `is not an absolute URL (${example})`);
    if (url.protocol !== "http:" && url.protocol !== "https:")
      this.fail(path, `must be an http:// or https:// URL, not ${url.protocol}// (${example})`);
    return template;
  }

  /** `*`, a name, or comma-separated names; absent or empty means no user events. */
  userEvents(field: Field | undefined): "*" | ReadonlySet<string> {
    const allowed = '"*", an event name, or names separated by commas';
    if (field === undefined || field.value === null) return new Set();
    const { value, path } = field;
    if (typeof value !== "string") this.fail(path, `must be a string: ${allowed}`);
    if (value.trim() === "") return new Set();
    const names = new Set<string>();
    let all = false;
    for (const item of value.split(",").map((name) => name.trim())) {
      if (item === "") this.fail(path, `has an empty name between commas (allowed: ${allowed})`);
      if (item === "*") all = true;
      else if (/[*?]/.test(item))
        this.fail(path, `${show(item)} is not an event name: wildcards other than a lone "*" are not supported`);
      else names.add(item.toLowerCase());
    }
    return all ? "*" : names;
  }

  systemEvents(field: Field | undefined): ReadonlySet<SystemEventName> {
    const events = new Set<SystemEventName>();
    if (field === undefined || field.value === null) return events;
    const allowed = systemEventNames.join(", ");
    const items = this.list(field.value, field.path, `system event names, e.g. ["connect", "connected"]`);
    items.forEach((item, i) => {
      const name = typeof item === "string" ? item.trim().toLowerCase() : undefined;
      if (!systemEventNames.includes(name as SystemEventName))
        this.fail(join(field.path, i), `${show(item)} is not a system event (allowed: ${allowed})`);
      events.add(name as SystemEventName);
    });
    return events;
  }

  anonymousConnect(field: Field | undefined): boolean {
    if (field === undefined || field.value === null) return false;
    const value = typeof field.value === "string" ? field.value.trim().toLowerCase() : undefined;
    if (value !== "allow" && value !== "deny")
      this.fail(field.path, `${show(field.value)} is not a policy (allowed: "allow", "deny")`);
    return value === "allow";
  }

  keepAliveSeconds(field: Field | undefined): number {
    if (field === undefined || field.value === null) return defaultKeepAliveSeconds;
    const { value, path } = field;
    const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 120)
      this.fail(path, `${show(value)} is not an interval (allowed: a whole number of seconds from 1 to 120)`);
    return n;
  }

  /** Upstream auth: `None` is nothing to do; a managed identity cannot be had locally, which a notice says. */
  auth(field: Field | undefined): void {
    if (field === undefined || field.value === null) return;
    const fields = this.fields(
      field.value,
      field.path,
      { type: "read", managedIdentity: "read" },
      "upstream auth settings",
    );
    const typeField = fields.get("type");
    const type = typeof typeField?.value === "string" ? typeField.value.trim().toLowerCase() : undefined;
    if (typeField !== undefined && type !== "none" && type !== "managedidentity")
      this.fail(typeField.path, `${show(typeField.value)} is not an auth type (allowed: "None", "ManagedIdentity")`);
    if (type === "managedidentity" || (type === undefined && fields.has("managedIdentity")))
      this.notice(
        `${this.source}: ${field.path} asks for a managed identity token; the emulator has none and calls the handler without an Authorization header`,
      );
  }

  port(field: Field | undefined): number | undefined {
    if (field === undefined || field.value === null) return undefined;
    const { value } = field;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 65535)
      this.fail(field.path, `${show(value)} is not a port number (allowed: 0–65535, 0 = any free port)`);
    return value;
  }

  text(field: Field | undefined, what: string, secret = false): string | undefined {
    if (field === undefined || field.value === null) return undefined;
    if (typeof field.value !== "string" || field.value.trim() === "")
      this.fail(field.path, `must be a non-empty string (${what})${secret ? "" : `, not ${show(field.value)}`}`);
    return field.value;
  }
}
