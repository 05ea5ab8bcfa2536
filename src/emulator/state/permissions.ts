// Roles a client connection holds: from its token's `role` claim, a connect handler's reply, and REST grants.
//   webpubsub.joinLeaveGroup / webpubsub.sendToGroup                          any group
//   webpubsub.joinLeaveGroup.<g> / webpubsub.sendToGroup.<g>                  one group
//   webpubsub.joinLeaveGroups.<pattern> / webpubsub.sendToGroups.<pattern>    groups matching a wildcard pattern
// Patterns (concept-wildcard-group-roles): `?` one character except `.`, `*` any run without `.`, `**` any
// run including `.`, `\` escapes `\` `*` `?`, at most five `*` in all. A pattern breaking these rules grants nothing.
import { Memo } from "../../internal/memo";

export type PermissionKind = "joinLeaveGroup" | "sendToGroup";

/** The most `*` a pattern may hold (those of `**` included). */
export const maxPatternStars = 5;

export function hasRole(roles: ReadonlySet<string>, kind: PermissionKind, group: string): boolean {
  if (roles.has(`webpubsub.${kind}`) || roles.has(`webpubsub.${kind}.${group}`)) return true;
  const prefix = `webpubsub.${kind}s.`;
  for (const role of roles) {
    if (role.startsWith(prefix)) {
      const pattern = compilePattern(role.slice(prefix.length));
      if (pattern !== undefined && matches(pattern, group)) return true;
    }
  }
  return false;
}

/** The role a REST grant adds: all groups, or one group when `targetName` is given. */
export function grantRole(kind: PermissionKind, target: string | undefined): string {
  return target === undefined ? `webpubsub.${kind}` : `webpubsub.${kind}.${target}`;
}

/**
 * Whether a role gives `kind` for some group (any group, one group, or a pattern): what a revoke without target
 * removes.
 */
export function isRoleOf(role: string, kind: PermissionKind): boolean {
  return (
    role === `webpubsub.${kind}` || role.startsWith(`webpubsub.${kind}.`) || role.startsWith(`webpubsub.${kind}s.`)
  );
}

type Token = { kind: "char"; char: string } | { kind: "one" } | { kind: "star" } | { kind: "globstar" };

const compiled = new Memo<string, Token[] | null>(1000);

/** Parses a pattern (cached); undefined when it breaks the syntax rules. */
export function compilePattern(pattern: string): Token[] | undefined {
  return compiled.get(pattern, parse) ?? undefined;
}

function parse(pattern: string): Token[] | null {
  const tokens: Token[] = [];
  let stars = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "\\") {
      const next = pattern[i + 1];
      if (next !== "\\" && next !== "*" && next !== "?") return null;
      tokens.push({ kind: "char", char: next });
      i++;
    } else if (c === "*") {
      if (pattern[i + 1] === "*") {
        tokens.push({ kind: "globstar" });
        stars += 2;
        i++;
      } else {
        tokens.push({ kind: "star" });
        stars++;
      }
    } else if (c === "?") {
      tokens.push({ kind: "one" });
    } else {
      tokens.push({ kind: "char", char: c });
    }
  }
  return stars > maxPatternStars ? null : tokens;
}

/**
 * Runs the pattern as a set of states over the text, one character at a time: time is text length × pattern
 * length with no backtracking, so no pattern can make a 1024-character group name slow.
 */
export function matches(tokens: readonly Token[], text: string): boolean {
  const n = tokens.length;
  let current = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);
  current[0] = 1;
  close(tokens, current);
  for (let t = 0; t < text.length; t++) {
    const c = text[t] as string;
    next.fill(0);
    let any = false;
    for (let i = 0; i < n; i++) {
      if (current[i] === 0) continue;
      const token = tokens[i] as Token;
      if (token.kind === "char" ? token.char === c : token.kind === "one" ? c !== "." : false) {
        next[i + 1] = 1;
        any = true;
      } else if (token.kind === "globstar" || (token.kind === "star" && c !== ".")) {
        next[i] = 1;
        any = true;
      }
    }
    if (!any) return false;
    close(tokens, next);
    [current, next] = [next, current];
  }
  return current[n] === 1;
}

/** A `*` or `**` may match nothing: a state before one also stands after it. */
function close(tokens: readonly Token[], states: Uint8Array): void {
  for (let i = 0; i < tokens.length; i++) {
    const kind = (tokens[i] as Token).kind;
    if (states[i] === 1 && (kind === "star" || kind === "globstar")) states[i + 1] = 1;
  }
}
