// The OData filter subset the service evaluates on sends and on add/remove-to-groups:
// identifiers userId, connectionId, groups; string/integer/boolean/null literals; eq ne gt ge lt le;
// and or not; `in` (a list, or groups); parentheses; and a handful of string functions.
// A filter is parsed once into a tree of closures, then run against each connection.

import { FilterSyntaxError, maxFilterDepth } from "./error";
import { tokenize, type Token } from "./lexer";

export { FilterSyntaxError, maxFilterDepth } from "./error";

/** What a filter is evaluated against: one connection. */
export interface FilterSubject {
  userId: string | null;
  connectionId: string;
  groups: ReadonlySet<string>;
}

/** A compiled filter. */
export type FilterPredicate = (subject: FilterSubject) => boolean;

type Value = string | number | boolean | null | ReadonlySet<string>;
type Expr = (s: FilterSubject) => Value;

const comparisons = new Set(["eq", "ne", "gt", "ge", "lt", "le"]);

const functions: Record<string, { arity: [number, number]; fn: (args: Value[]) => Value }> = {
  tolower: { arity: [1, 1], fn: ([a]) => (typeof a === "string" ? a.toLowerCase() : null) },
  toupper: { arity: [1, 1], fn: ([a]) => (typeof a === "string" ? a.toUpperCase() : null) },
  trim: { arity: [1, 1], fn: ([a]) => (typeof a === "string" ? a.trim() : null) },
  length: { arity: [1, 1], fn: ([a]) => (typeof a === "string" ? a.length : a instanceof Set ? a.size : null) },
  startswith: { arity: [2, 2], fn: ([a, b]) => typeof a === "string" && typeof b === "string" && a.startsWith(b) },
  endswith: { arity: [2, 2], fn: ([a, b]) => typeof a === "string" && typeof b === "string" && a.endsWith(b) },
  contains: { arity: [2, 2], fn: ([a, b]) => typeof a === "string" && typeof b === "string" && a.includes(b) },
  indexof: { arity: [2, 2], fn: ([a, b]) => (typeof a === "string" && typeof b === "string" ? a.indexOf(b) : null) },
  concat: { arity: [2, 2], fn: ([a, b]) => (typeof a === "string" && typeof b === "string" ? a + b : null) },
  substring: {
    arity: [2, 3],
    fn: ([a, start, len]) => {
      if (typeof a !== "string" || typeof start !== "number") return null;
      return len === undefined ? a.substring(start) : typeof len === "number" ? a.substr(start, len) : null;
    },
  },
};

class Parser {
  #i = 0;
  #depth = 0;
  /** An unknown name is reported only if the filter is otherwise well formed (the structure is checked first). */
  #unknown: { word: string; end: number } | undefined;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  parse(): Expr {
    const expr = this.#or();
    const t = this.#peek();
    if (t.kind !== "end") throw this.#error(t, `unexpected ${describe(t)} at position ${t.pos}.`);
    if (this.#unknown !== undefined) {
      throw new FilterSyntaxError(
        this.text,
        this.#unknown.end,
        `unknown identifier '${this.#unknown.word}'; use userId, connectionId, groups or a function such as startswith().`,
      );
    }
    return expr;
  }

  #peek(): Token {
    return this.tokens[this.#i] as Token;
  }
  #next(): Token {
    return this.tokens[this.#i++] as Token;
  }
  #isWord(value: string): boolean {
    const t = this.#peek();
    return t.kind === "word" && t.value === value;
  }
  #isPunct(value: "(" | ")" | ","): boolean {
    const t = this.#peek();
    return t.kind === "punct" && t.value === value;
  }
  #expect(value: "(" | ")" | ","): void {
    const t = this.#next();
    if (t.kind !== "punct" || t.value !== value)
      throw this.#error(t, `expected '${value}' but found ${describe(t)} at position ${t.pos}.`);
  }
  #error(at: Token, detail: string): FilterSyntaxError {
    return new FilterSyntaxError(this.text, at.end, detail);
  }
  /** Enters one level of nesting (parentheses, `not`, a function call), refusing to go deeper than the limit. */
  #enter(at: Token): void {
    if (++this.#depth > maxFilterDepth) {
      const detail = `the filter nests deeper than ${maxFilterDepth} levels.`;
      throw new FilterSyntaxError(
        this.text,
        at.end,
        detail,
        `Nesting deeper than ${maxFilterDepth} levels at position ${at.end}`,
      );
    }
  }

  // `and` / `or` chains are kept flat and evaluated in a loop: a chain of thousands must not recurse.
  #or(): Expr {
    const terms = [this.#and()];
    while (this.#isWord("or")) {
      this.#next();
      terms.push(this.#and());
    }
    if (terms.length === 1) return terms[0] as Expr;
    return (s) => terms.some((term) => truthy(term(s)));
  }

  #and(): Expr {
    const terms = [this.#not()];
    while (this.#isWord("and")) {
      this.#next();
      terms.push(this.#not());
    }
    if (terms.length === 1) return terms[0] as Expr;
    return (s) => terms.every((term) => truthy(term(s)));
  }

  #not(): Expr {
    if (this.#isWord("not")) {
      const t = this.#next();
      this.#enter(t);
      const inner = this.#not();
      this.#depth--;
      return (s) => !truthy(inner(s));
    }
    return this.#comparison();
  }

  #comparison(): Expr {
    const left = this.#primary();
    const t = this.#peek();
    if (t.kind === "word" && comparisons.has(t.value)) {
      this.#next();
      const right = this.#primary();
      return compare(t.value, left, right);
    }
    if (t.kind === "word" && t.value === "in") {
      this.#next();
      if (this.#isWord("groups")) {
        this.#next();
        return (s) => {
          const v = left(s);
          return typeof v === "string" && s.groups.has(v);
        };
      }
      const list = this.#list();
      return (s) => {
        const v = left(s);
        return list.some((item) => item(s) === v);
      };
    }
    return left;
  }

  #list(): Expr[] {
    this.#expect("(");
    const items = [this.#primary()];
    while (this.#isPunct(",")) {
      this.#next();
      items.push(this.#primary());
    }
    this.#expect(")");
    return items;
  }

  #primary(): Expr {
    const t = this.#next();
    switch (t.kind) {
      case "string": {
        const v = t.value;
        return () => v;
      }
      case "number": {
        const v = t.value;
        return () => v;
      }
      case "punct":
        if (t.value === "(") {
          this.#enter(t);
          const inner = this.#or();
          this.#expect(")");
          this.#depth--;
          return inner;
        }
        throw this.#error(t, `unexpected '${t.value}' at position ${t.pos}.`);
      case "end":
        throw this.#error(t, "unexpected end of the expression.");
      case "word":
        break;
    }
    const word = t.value;
    switch (word) {
      case "userId":
        return (s) => s.userId;
      case "connectionId":
        return (s) => s.connectionId;
      case "groups":
        return (s) => s.groups;
      case "true":
        return () => true;
      case "false":
        return () => false;
      case "null":
        return () => null;
    }
    const fn = functions[word];
    if (fn === undefined || !this.#isPunct("(")) {
      this.#unknown ??= { word, end: t.end };
      if (this.#isPunct("(")) this.#call(t);
      return () => null;
    }
    const args = this.#call(t);
    if (args.length < fn.arity[0] || args.length > fn.arity[1]) {
      throw this.#error(
        t,
        `${word}() takes ${fn.arity[0] === fn.arity[1] ? fn.arity[0] : `${fn.arity[0]} or ${fn.arity[1]}`} arguments, got ${args.length}.`,
      );
    }
    return (s) => fn.fn(args.map((a) => a(s)));
  }

  #call(name: Token): Expr[] {
    this.#enter(name);
    const args = this.#list();
    this.#depth--;
    return args;
  }
}

function compare(op: string, left: Expr, right: Expr): Expr {
  switch (op) {
    case "eq":
      return (s) => left(s) === right(s);
    case "ne":
      return (s) => left(s) !== right(s);
  }
  return (s) => {
    const a = left(s);
    const b = right(s);
    if (a === null || b === null || typeof a !== typeof b || (typeof a !== "string" && typeof a !== "number"))
      return false;
    // Strings compare ordinally, as the service does.
    const x = a;
    const y = b as string | number;
    switch (op) {
      case "gt":
        return x > y;
      case "ge":
        return x >= y;
      case "lt":
        return x < y;
      default:
        return x <= y;
    }
  };
}

function truthy(v: Value): boolean {
  return v === true;
}

function describe(t: Token): string {
  switch (t.kind) {
    case "end":
      return "the end of the expression";
    case "string":
      return `'${t.value}'`;
    default:
      return `'${String(t.value)}'`;
  }
}

const cache = new Map<string, FilterPredicate>();

/**
 * Compiles a filter (cached: a hot send path sees the same few filters again and again).
 * @throws FilterSyntaxError when the text is not a valid filter.
 */
export function compileFilter(text: string): FilterPredicate {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  if (text.trim() === "") throw new FilterSyntaxError(text, text.length, "the filter is empty.");
  const expr = new Parser(text, tokenize(text)).parse();
  const predicate: FilterPredicate = (s) => expr(s) === true;
  if (cache.size >= 256) cache.delete(cache.keys().next().value as string);
  cache.set(text, predicate);
  return predicate;
}
