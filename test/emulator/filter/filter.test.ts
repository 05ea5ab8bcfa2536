import { describe, expect, it } from "vitest";
import { compileFilter, FilterSyntaxError, type FilterSubject } from "../../../src/emulator/filter/compile";

const alice: FilterSubject = { userId: "alice", connectionId: "c1", groups: new Set(["g1", "g2"]) };
const anon: FilterSubject = { userId: null, connectionId: "c2", groups: new Set() };
const listener: FilterSubject = { userId: "listener-7", connectionId: "c3", groups: new Set(["g2"]) };
const quoted: FilterSubject = { userId: "o'k", connectionId: "c4", groups: new Set(["a b"]) };
const all = { alice, anon, listener, quoted };

describe("compileFilter", () => {
  it.each([
    ["'g1' in groups or 'g2' in groups", ["alice", "listener"]],
    ["userId in ('alice','bob') and 'g1' in groups", ["alice"]],
    ["userId eq null", ["anon"]],
    ["userId ne null", ["alice", "listener", "quoted"]],
    ["startswith(userId,'listener-')", ["listener"]],
    ["length(groups) gt 1", ["alice"]],
    ["length(groups) eq 0", ["anon"]],
    ["userId eq 'o''k'", ["quoted"]],
    ["'a b' in groups", ["quoted"]],
    ["not ('g1' in groups)", ["anon", "listener", "quoted"]],
    ["not 'g1' in groups and userId ne null", ["listener", "quoted"]],
    ["userId eq 'alice' or userId eq 'o''k' and connectionId eq 'nope'", ["alice"]],
    ["(userId eq 'alice' or userId eq 'o''k') and connectionId eq 'c4'", ["quoted"]],
    ["tolower(toupper(userId)) eq 'alice'", ["alice"]],
    ["trim(concat(' ', userId)) eq 'alice'", ["alice"]],
    ["substring(userId, 1) eq 'lice'", ["alice"]],
    ["substring(userId, 0, 3) eq 'lis'", ["listener"]],
    ["endswith(userId, '7') or contains(userId, 'lic')", ["alice", "listener"]],
    ["indexof(userId, 'i') eq 2", ["alice"]],
    ["length(userId) ge 8", ["listener"]],
    ["userId gt 'b'", ["listener", "quoted"]],
    ["userId lt 'b'", ["alice"]],
    ["connectionId le 'c2'", ["alice", "anon"]],
    ["true", ["alice", "anon", "listener", "quoted"]],
    ["false or connectionId eq 'c2'", ["anon"]],
    ["  connectionId   in ( 'c1' , 'c3' )  ", ["alice", "listener"]],
  ])("%s", (text, expected) => {
    const predicate = compileFilter(text);
    const matched = Object.entries(all)
      .filter(([, s]) => predicate(s))
      .map(([name]) => name);
    expect(matched).toEqual(expected);
  });

  it.each([
    "invalid filter",
    "userId eq",
    "userId eq 'x",
    "(userId eq 'x'",
    "userId eq 'x')",
    "foo eq 'x'",
    "startswith(userId)",
    "length(userId, 'a')",
    "userId = 'x'",
    "'g1' in",
    "",
    "userId eq 'a' and",
  ])("rejects %j with the service's message", (text) => {
    expect(() => compileFilter(text)).toThrow(FilterSyntaxError);
    expect(() => compileFilter(text)).toThrow(`Invalid syntax for '${text}':`);
  });
});
