// One rule in force: its count, probability and duration bookkeeping. `hit()` is asked once per match (a REST
// call, a connection, a message, an event) and says whether the fault applies to it this time.
import { seededRandom } from "./random";
import type { ActiveFault, FaultRule } from "./types";

export class ActiveRule {
  hits = 0;
  ended = false;
  readonly endsAt: number | undefined;
  readonly #random: (() => number) | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    readonly rule: FaultRule,
    readonly source: ActiveFault["source"],
    /** Called once when the rule ends (count used up, duration over, removed). */
    private readonly onEnd: (rule: ActiveRule) => void,
  ) {
    if (rule.probability !== undefined && rule.probability < 1) this.#random = seededRandom(rule.seed ?? 1);
    if (rule.durationMs !== undefined) {
      this.endsAt = Date.now() + rule.durationMs;
      // The end is a timer, not only a check at the next match: a pause must lift and the list must update
      // even when nothing else happens. unref: a rule never keeps the process alive.
      this.#timer = setTimeout(() => this.end(), rule.durationMs);
      this.#timer.unref();
    }
  }

  /** Whether this match is hit (and counted); false once the rule ended. */
  hit(): boolean {
    if (this.ended) return false;
    if (this.endsAt !== undefined && Date.now() >= this.endsAt) {
      this.end();
      return false;
    }
    if (this.#random !== undefined && this.#random() >= (this.rule.probability as number)) return false;
    this.hits++;
    if (this.rule.count !== undefined && this.hits >= this.rule.count) this.end();
    return true;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.#timer);
    this.onEnd(this);
  }

  view(): ActiveFault {
    return { id: this.id, rule: structuredClone(this.rule), hits: this.hits, endsAt: this.endsAt, source: this.source };
  }
}
