// The fault rule model on its own: validation names the bad field, the seeded draws repeat, count and
// duration end a rule, and every REST route has an operation name.
import { describe, expect, it } from "vitest";
import { ActiveRule } from "../../../src/emulator/faults/active";
import { FaultController } from "../../../src/emulator/faults/controller";
import { FaultRuleError } from "../../../src/emulator/faults/error";
import { parseFaultsText } from "../../../src/emulator/faults/file";
import { operationKeys, operationOf } from "../../../src/emulator/faults/operations";
import { seededRandom } from "../../../src/emulator/faults/random";
import { validateRule } from "../../../src/emulator/faults/validate";
import { Observation } from "../../../src/emulator/liveview/observe";
import { routes } from "../../../src/emulator/rest/routes";

function fieldOf(rule: unknown): string {
  try {
    validateRule(rule);
  } catch (error) {
    expect(error).toBeInstanceOf(FaultRuleError);
    return (error as FaultRuleError).field;
  }
  throw new Error("the rule was accepted");
}

describe("fault rule validation", () => {
  it.each([
    [{ kind: "explode" }, "rule.kind"],
    [{ kind: "rest", operation: "sendToEveryone", status: 429 }, "rule.operation"],
    [{ kind: "rest", operation: ["sendToAll", "nope"], status: 429 }, "rule.operation"],
    [{ kind: "rest", status: 429, probability: 1.5 }, "rule.probability"],
    [{ kind: "rest", status: 429, probability: -0.1 }, "rule.probability"],
    [{ kind: "rest", delayMs: -5 }, "rule.delayMs"],
    [{ kind: "refuse", durationMs: -1 }, "rule.durationMs"],
    [{ kind: "rest", status: 418 }, "rule.status"],
    [{ kind: "rest", status: 429, count: 0 }, "rule.count"],
    [{ kind: "rest", status: 429, count: 1.5 }, "rule.count"],
    [{ kind: "rest", retryAfterSeconds: 2, delayMs: 1 }, "rule.retryAfterSeconds"],
    [{ kind: "rest", hang: true, status: 503 }, "rule.hang"],
    [{ kind: "rest" }, "rule"],
    [{ kind: "drop", closeCode: 1000 }, "rule.closeCode"],
    [{ kind: "drop", everyMs: 5 }, "rule.everyMs"],
    [{ kind: "drop", reason: "bye" }, "rule.reason"],
    [{ kind: "delivery", pause: true, delayMs: 10 }, "rule.pause"],
    [{ kind: "eventHandler", timeoutAfterMs: 10 }, "rule.timeoutAfterMs"],
    [{ kind: "eventHandler", failStatus: 200 }, "rule.failStatus"],
    [{ kind: "refuse", closeCode: 1012 }, "rule.closeCode"],
    ["drop", "rule"],
  ])("%j is refused at %s", (rule, field) => {
    expect(fieldOf(rule)).toBe(field);
  });

  it("says what is allowed and what it got", () => {
    expect(() => validateRule({ kind: "rest", status: 429, probability: 2 })).toThrow(
      "rule.probability: must be a number from 0 to 1 (got 2)",
    );
    expect(() => validateRule({ kind: "rest", operation: "sendToEveryone", status: 429 })).toThrow(/sendToAll/);
  });

  it("accepts each kind's common shapes", () => {
    for (const rule of [
      { kind: "rest", operation: "group.sendToAll", status: 429, retryAfterSeconds: 1, count: 3 },
      { kind: "rest", path: "/api/hubs/*/groups/**", method: "PUT", hang: true, probability: 0.5, seed: 7 },
      { kind: "refuse", protocol: "mqtt", durationMs: 20_000 },
      { kind: "drop", closeCode: 1012, everyMs: 1000, probability: 0.3 },
      { kind: "delivery", hub: "chat", pause: true, durationMs: 500 },
      { kind: "eventHandler", event: ["message"], timeout: true, timeoutAfterMs: 200 },
    ])
      expect(validateRule(rule)).toEqual(rule);
  });

  it("a file names the rule and field at fault", () => {
    expect(() => parseFaultsText('{"faults":[{"kind":"refuse"},{"kind":"rest","delayMs":-1}]}', "/x/f.json")).toThrow(
      "f.json: faults[1].delayMs",
    );
    expect(() => parseFaultsText("{not json", "/x/f.json")).toThrow(/f\.json: is not valid JSON/);
    expect(parseFaultsText('[{"kind":"refuse"}]', "f.json")).toEqual([{ kind: "refuse" }]);
  });
});

describe("fault rule bookkeeping", () => {
  it("the same seed draws the same sequence; another seed another one", () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const first = Array.from({ length: 20 }, () => a());
    expect(Array.from({ length: 20 }, () => b())).toEqual(first);
    expect(Array.from({ length: 20 }, () => c())).not.toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it("probability hits about that fraction, the same matches for the same seed", () => {
    const pattern = (seed: number): boolean[] => {
      const rule = new ActiveRule("r", { kind: "refuse", probability: 0.25, seed }, "api", () => {});
      return Array.from({ length: 2000 }, () => rule.hit());
    };
    const hits = pattern(9);
    expect(pattern(9)).toEqual(hits);
    const share = hits.filter(Boolean).length / hits.length;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.3);
  });

  it("count ends the rule after that many hits and removes it from the controller", () => {
    const faults = new FaultController(new Observation());
    const active = faults.add({ kind: "refuse", count: 2 });
    expect(faults.rules.refuse).toHaveLength(1);
    expect([active.hit(), active.hit(), active.hit()]).toEqual([true, true, false]);
    expect(faults.rules.refuse).toHaveLength(0);
    expect(faults.list()).toEqual([]);
  });

  it("duration ends the rule by a timer, even with no match", async () => {
    const faults = new FaultController(new Observation());
    let changes = 0;
    faults.onChange(() => changes++);
    faults.add({ kind: "refuse", durationMs: 50 });
    expect(faults.list()[0]?.endsAt).toBeGreaterThan(Date.now());
    await new Promise((r) => setTimeout(r, 300));
    expect(faults.rules.refuse).toHaveLength(0);
    expect(changes).toBe(2);
  });

  it("the public handle removes its rule, also by `using`", () => {
    const faults = new FaultController(new Observation()).api();
    const kept = faults.add({ kind: "refuse" });
    {
      using scoped = faults.add({ kind: "rest", status: 503 });
      expect(faults.list().map((f) => f.id)).toEqual([kept.id, scoped.id]);
    }
    expect(faults.list().map((f) => f.id)).toEqual([kept.id]);
    kept.remove();
    expect(faults.list()).toEqual([]);
    faults.add({ kind: "refuse" });
    faults.clear();
    expect(faults.list()).toEqual([]);
  });
});

describe("REST operations", () => {
  it("every route of the emulator has an @azure/web-pubsub operation name, and no name is stale", () => {
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(keys.filter((k) => !operationKeys.has(k))).toEqual([]);
    expect([...operationKeys.keys()].filter((k) => !keys.includes(k))).toEqual([]);
  });

  it("names a request by its method and path", () => {
    expect(operationOf("POST", [":send"])).toBe("sendToAll");
    expect(operationOf("POST", ["groups", "g1", ":send"])).toBe("group.sendToAll");
    expect(operationOf("PUT", ["groups", "g1", "connections", "c1"])).toBe("group.addConnection");
    expect(operationOf("GET", [":send"])).toBeUndefined();
  });
});
