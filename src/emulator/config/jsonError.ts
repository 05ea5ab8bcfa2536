// Where a JSON text first breaks. Node's JSON.parse says "at position N" only from Node 22 on; this small
// scanner (RFC 8259's grammar, no values built) finds the offset on every supported Node.

class Broken extends Error {
  constructor(readonly offset: number) {
    super("broken");
  }
}

/**
 * The offset of the first character that makes `text` invalid JSON (its length for a text cut short), or
 * undefined when it is valid.
 */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text[i] as string)) i++;
  };
  const expect = (c: string) => {
    if (text[i] !== c) throw new Broken(i);
    i++;
  };
  const string = () => {
    expect('"');
    for (;;) {
      if (i >= text.length) throw new Broken(i);
      const c = text.charCodeAt(i);
      if (c === 0x22) return void i++;
      if (c < 0x20) throw new Broken(i);
      if (c === 0x5c) {
        const e = text[i + 1] ?? "";
        if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if ('"\\/bfnrt'.includes(e) && e !== "") i += 2;
        else throw new Broken(i + 1);
      } else i++;
    }
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === "{") return members("}", () => (string(), space(), expect(":"), value()));
    if (c === "[") return members("]", value);
    if (c === '"') return string();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (literal === null) throw new Broken(i);
    i += literal[0].length;
  };
  const members = (close: string, member: () => void) => {
    i++;
    space();
    if (text[i] === close) return void i++;
    for (;;) {
      space();
      member();
      space();
      if (text[i] === ",") i++;
      else return expect(close);
    }
  };
  try {
    value();
    space();
    if (i < text.length) throw new Broken(i);
  } catch (error) {
    if (error instanceof Broken) return error.offset;
    throw error;
  }
  return undefined;
}
