// Reading a configuration file: its text, JSON (with comments and trailing commas), then the checks.
import { readFile } from "node:fs/promises";
import { EmulatorConfigError } from "./error";
import { parseJsonc } from "./jsonc";
import { resolveConfig } from "./parse";
import type { ResolvedConfig } from "./resolved";

/** Parses a configuration file's text; every failure is an {@link EmulatorConfigError} naming the file. */
export function parseConfigText(text: string, path: string): ResolvedConfig {
  let value: unknown;
  try {
    value = parseJsonc(text);
  } catch (error) {
    throw new EmulatorConfigError(path, "", `is not valid JSON: ${(error as Error).message}`);
  }
  return resolveConfig(value, path);
}

/** Reads and checks a configuration file. */
export async function loadConfigFile(path: string): Promise<ResolvedConfig> {
  return parseConfigText(await readConfigText(path), path);
}

export async function readConfigText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "does not exist" : code === "EISDIR" ? "is a directory" : `cannot be read (${code})`;
    throw new EmulatorConfigError(path, "", why);
  }
}
