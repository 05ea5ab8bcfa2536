// Log lines quote what clients send (user ids, client ids, topics, group names, reasons). Printed raw, a
// terminal would run the control sequences in them (colours, cursor moves, a fake new line): every control
// character is written as an escape instead (`\x1b`, `\n`), so one line stays one line of plain text.

// C0 controls but the tab, DEL, C1 controls, and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex
const control = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g;
const named: Record<string, string> = { "\n": "\\n", "\r": "\\r" };

export function escapeLogLine(line: string): string {
  return line.replace(
    control,
    (c) =>
      named[c] ??
      (c.charCodeAt(0) > 0xff
        ? `\\u${c.charCodeAt(0).toString(16)}`
        : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`),
  );
}

/** Wraps a log sink so that nothing it is given can drive a terminal. */
export function escapingLog(sink: (line: string) => void): (line: string) => void {
  return (line) => sink(escapeLogLine(line));
}
