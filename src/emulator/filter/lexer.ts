// Splits a filter into tokens (strings with doubled quotes, numbers, words, punctuation), each with where it
// starts and ends, for the parser and its error positions.
import { FilterSyntaxError } from "./error";

export type Token =
  | { kind: "string"; value: string; pos: number; end: number }
  | { kind: "number"; value: number; pos: number; end: number }
  | { kind: "word"; value: string; pos: number; end: number }
  | { kind: "punct"; value: "(" | ")" | ","; pos: number; end: number }
  | { kind: "end"; pos: number; end: number };

const numberPattern = /-?\d+(\.\d+)?/y;
const wordPattern = /[A-Za-z_][A-Za-z0-9_]*/y;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
    } else if (c === "'") {
      const start = i++;
      let value = "";
      for (;;) {
        if (i >= text.length)
          throw new FilterSyntaxError(text, text.length, `unterminated string literal from position ${start}.`);
        const d = text[i] as string;
        if (d === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += d;
        i++;
      }
      tokens.push({ kind: "string", value, pos: start, end: i });
    } else if (c === "(" || c === ")" || c === ",") {
      tokens.push({ kind: "punct", value: c, pos: i, end: ++i });
    } else if (/[0-9-]/.test(c)) {
      // Sticky patterns read in place: slicing the rest of the text per token made long filters quadratic.
      numberPattern.lastIndex = i;
      const m = numberPattern.exec(text);
      if (m === null) throw new FilterSyntaxError(text, i + 1, `unexpected '${c}' at position ${i}.`);
      tokens.push({ kind: "number", value: Number(m[0]), pos: i, end: i + m[0].length });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      wordPattern.lastIndex = i;
      const m = wordPattern.exec(text) as RegExpExecArray;
      tokens.push({ kind: "word", value: m[0], pos: i, end: i + m[0].length });
      i += m[0].length;
    } else {
      throw new FilterSyntaxError(text, i + 1, `unexpected character '${c}' at position ${i}.`);
    }
  }
  tokens.push({ kind: "end", pos: text.length, end: text.length });
  return tokens;
}
