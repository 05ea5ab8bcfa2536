/** A fault rule that cannot be used; `field` names the offending field (`rule.probability`, `faults[2].kind`). */
export class FaultRuleError extends Error {
  override readonly name = "FaultRuleError";
  readonly code = "ERR_FAULT_RULE";

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
