// JSON as configuration files are written: ASP.NET's JSON configuration (appsettings.json) and ARM templates
// both allow comments and trailing commas. Comments become spaces, so error positions still point at the file.
import { jsonErrorOffset } from "./jsonError";

/** Replaces `//` and `/* *\/` comments outside strings with spaces (line breaks kept). */
function blankComments(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      const stop = end === -1 ? text.length : end;
      out += " ".repeat(stop - i);
      i = stop;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The index just past the string that starts at `start` (or the end of the text if it never closes). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === "\\") i += 2;
    else if (text[i] === '"') return i + 1;
    else i++;
  }
  return text.length;
}

/** Replaces commas that close nothing (`[1, 2,]`, `{"a": 1,}`) with spaces. */
function blankTrailingCommas(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    let next = i + 1;
    while (next < text.length && /\s/.test(text[next] as string)) next++;
    out += c === "," && (text[next] === "}" || text[next] === "]") ? " " : c;
    i++;
  }
  return out;
}

/** Line and column (1-based) of a character offset. */
function where(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return `line ${line}, column ${offset - before.lastIndexOf("\n")}`;
}

/** Parses JSON with comments and trailing commas; a SyntaxError says where (line, column) it went wrong. */
export function parseJsonc(source: string): unknown {
  const text = blankTrailingCommas(blankComments(source.replace(/^\uFEFF/, "")));
  try {
    return JSON.parse(text);
  } catch {
    const offset = jsonErrorOffset(text) ?? text.length;
    const found = offset >= text.length ? "the end of the file" : JSON.stringify(text[offset]);
    throw new SyntaxError(`unexpected ${found} at ${where(text, offset)}`);
  }
}
