// The `--faults <file>` face: the same rules as JSON (`{ "faults": [ ...rules ] }` or a bare array), read at
// start and followed while the emulator runs. Each valid edit replaces the file's rules; an invalid one is
// refused with the field named, and the previous rules stay in force.
import { unwatchFile, watch, watchFile, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import type { FaultController } from "./controller";
import { FaultRuleError } from "./error";
import { validateRule } from "./validate";
import type { FaultRule } from "./types";

/** The rules a file's text holds, every one checked; throws a FaultRuleError naming the file and field. */
export function parseFaultsText(text: string, path: string): FaultRule[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FaultRuleError(basename(path), `is not valid JSON (${(error as Error).message})`);
  }
  const list: unknown = Array.isArray(value) ? value : (value as { faults?: unknown } | null)?.faults;
  if (!Array.isArray(list)) throw new FaultRuleError(`${basename(path)}`, `must hold { "faults": [ ...rules ] }`);
  if (list.length > 1000) throw new FaultRuleError(`${basename(path)}.faults`, "holds more than 1000 rules");
  return list.map((rule, i) => validateRule(rule, `${basename(path)}: faults[${i}]`));
}

/** Replaces the file's rules in force with these. */
function apply(faults: FaultController, rules: FaultRule[]): void {
  faults.clear("file");
  for (const rule of rules) faults.add(rule, "file");
}

/** Reads the file now (throws when it is invalid), then follows it; close() stops following. */
export async function followFaultsFile(
  faults: FaultController,
  path: string,
  log: (line: string) => void,
): Promise<{ close(): void }> {
  const file = resolve(path);
  let seen: string;
  try {
    seen = await readFile(file, "utf8");
  } catch (error) {
    throw new FaultRuleError(path, `could not be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  apply(faults, parseFaultsText(seen, file));
  log(`faults: ${faults.list().length} rule(s) from ${path}`);
  let timer: NodeJS.Timeout | undefined;
  const check = async (): Promise<void> => {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch {
      return; // mid-rename or removed: the rules in force stay
    }
    if (text === seen) return;
    seen = text;
    try {
      apply(faults, parseFaultsText(text, file));
      log(`faults: ${path} reloaded (${faults.list().filter((f) => f.source === "file").length} rule(s))`);
    } catch (error) {
      log(`faults: ${(error as Error).message}; the previous rules stay in force`);
    }
  };
  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => void check(), 100);
  };
  let watcher: FSWatcher | undefined;
  try {
    // The directory, not the file: editors save by renaming a new file over the old one.
    watcher = watch(dirname(file), { persistent: false }, schedule);
    watcher.on("error", schedule);
  } catch {
    watcher = undefined;
  }
  watchFile(file, { persistent: false, interval: 1000 }, schedule);
  return {
    close() {
      clearTimeout(timer);
      watcher?.close();
      unwatchFile(file, schedule);
    },
  };
}
