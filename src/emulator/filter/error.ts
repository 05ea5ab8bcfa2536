// The error a filter that is not valid OData raises, worded like the service's 400.
/**
 * The filter text is not valid OData. The message reads like the service's 400:
 * `Invalid syntax for '<filter>': Syntax error at position N in '<filter>'.` (`detail` says more, for logs).
 */
export class FilterSyntaxError extends Error {
  /** The filter as given. */
  readonly filter: string;
  /** Where parsing could not go on: the end of the offending token (the text's length at its end). */
  readonly position: number;
  /** What was wrong, in words (for logs; the message keeps the service's wording). */
  readonly detail: string;
  constructor(filter: string, position: number, detail: string, summary = `Syntax error at position ${position}`) {
    super(`Invalid syntax for '${filter}': ${summary} in '${filter}'.`);
    this.name = "FilterSyntaxError";
    this.filter = filter;
    this.position = position;
    this.detail = detail;
  }
}

/** How deep parentheses and `not` may nest; deeper filters are refused (400) before they can exhaust the stack. */
export const maxFilterDepth = 64;
