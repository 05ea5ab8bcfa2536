// The rules in force in one emulator, by kind. Hook sites test `faults.rules.<kind>.length !== 0` before
// anything else, so with no rule of that kind the hot path pays one array length check.
import type { Observation } from "../liveview/observe";
import { ActiveRule } from "./active";
import { validateRule } from "./validate";
import type { ActiveFault, EmulatorFaults, FaultHandle, FaultRule } from "./types";

type Kind = FaultRule["kind"];
type RuleOf<K extends Kind> = Extract<FaultRule, { kind: K }>;

/** What a kind of rule does when it starts or ends (dropping sockets, releasing paused messages). */
export interface FaultEffects {
  started?(rule: ActiveRule): void;
  ended?(rule: ActiveRule): void;
}

export class FaultController {
  readonly rules: { readonly [K in Kind]: ActiveRule[] } = {
    rest: [],
    refuse: [],
    drop: [],
    delivery: [],
    eventHandler: [],
  };
  readonly #effects = new Map<Kind, FaultEffects>();
  readonly #listeners = new Set<() => void>();
  #next = 1;

  constructor(private readonly observation: Observation) {}

  /** Sets what rules of one kind do as they start and end. */
  effects(kind: Kind, effects: FaultEffects): void {
    this.#effects.set(kind, effects);
  }

  /** Checks and adds a rule; `at` names it in errors. */
  add(value: unknown, source: ActiveFault["source"] = "api", at = "rule"): ActiveRule {
    const rule = structuredClone(validateRule(value, at));
    const active = new ActiveRule(`fault-${this.#next++}`, rule, source, (r) => this.#ended(r));
    this.rules[rule.kind].push(active);
    this.#changed();
    this.#effects.get(rule.kind)?.started?.(active);
    return active;
  }

  remove(id: string): boolean {
    const found = this.all().find((r) => r.id === id);
    found?.end();
    return found !== undefined;
  }

  /** Ends every rule, or only those from one source (a reloaded file replaces its own rules). */
  clear(source?: ActiveFault["source"]): void {
    for (const rule of this.all()) if (source === undefined || rule.source === source) rule.end();
  }

  all(): ActiveRule[] {
    return Object.values(this.rules).flat();
  }

  /** The rules in force, oldest first. */
  list(): ActiveFault[] {
    const order = (r: ActiveRule): number => Number(r.id.slice("fault-".length));
    return this.all()
      .sort((a, b) => order(a) - order(b))
      .map((r) => r.view());
  }

  /** The first rule of a kind that covers this match and hits it this time. */
  hit<K extends Kind>(kind: K, covers: (rule: RuleOf<K>) => boolean): ActiveRule | undefined {
    for (const active of this.rules[kind]) if (covers(active.rule as RuleOf<K>) && active.hit()) return active;
    return undefined;
  }

  /** Puts an injected fault in the traffic feed (only while someone watches). */
  report(active: ActiveRule, hub: string | undefined, detail: string, connectionId?: string): void {
    this.observation.emit?.({
      kind: "fault",
      injected: true,
      faultId: active.id,
      fault: active.rule.kind,
      ...(active.rule.name === undefined ? {} : { name: active.rule.name }),
      hub,
      ...(connectionId === undefined ? {} : { connectionId }),
      detail,
    });
  }

  /** Called whenever a rule is added or ends (the live view's list). */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The public face, `Emulator.faults`. */
  api(): EmulatorFaults {
    return {
      add: (rule: FaultRule): FaultHandle => {
        const active = this.add(rule);
        return {
          id: active.id,
          remove: () => active.end(),
          get hits() {
            return active.hits;
          },
          [Symbol.dispose]: () => active.end(),
        };
      },
      clear: () => this.clear(),
      list: () => this.list(),
    };
  }

  #ended(active: ActiveRule): void {
    const list = this.rules[active.rule.kind];
    const i = list.indexOf(active);
    if (i >= 0) list.splice(i, 1);
    this.#effects.get(active.rule.kind)?.ended?.(active);
    this.#changed();
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}
