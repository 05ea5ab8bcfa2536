/**
 * Builds an OData filter with safely quoted values: strings are quoted with `'` doubled inside, `null`
 * and `undefined` become `null`, numbers and booleans are written as they are. A value placed right after
 * a quote in the template (`'${x}'`) is escaped but not quoted again. Compatible with `@azure/web-pubsub`.
 *
 * @example
 * ```ts
 * const filter = odata`userId eq ${userId} or ${group} in groups`;
 * await client.sendToAll({ hi: 1 }, { filter });
 * ```
 */
export function odata(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = "";
  for (let i = 0; i < strings.length; i++) {
    const before = strings[i] as string;
    out += before;
    if (i >= values.length) continue;
    const value = values[i];
    if (value === null || value === undefined) out += "null";
    else if (typeof value === "string") {
      const escaped = value.replace(/'/g, "''");
      out += before.trimEnd().endsWith("'") ? escaped : `'${escaped}'`;
    } else {
      // Numbers and booleans as they print; any other value as its own toString() says (the caller's choice).
      // eslint-disable-next-line @typescript-eslint/no-base-to-string
      out += String(value);
    }
  }
  return out;
}
