// Following a configuration file while the emulator runs. The directory is watched, not the file: editors
// that save by writing a new file and renaming it over the old one (vim, VS Code, IntelliJ) and Kubernetes
// ConfigMaps (a symlink swapped) replace the inode a file watch would hold. Every change waits for a short
// quiet spell, is read whole, and is applied only when its text changed and it passes every check.
import { unwatchFile, watch, watchFile, type FSWatcher } from "node:fs";
import { dirname, resolve } from "node:path";
import { EmulatorConfigError } from "./error";
import { parseConfigText, readConfigText } from "./load";
import type { ResolvedConfig } from "./resolved";

export interface ConfigWatchOptions {
  /** Called with each new valid configuration. */
  onChange: (config: ResolvedConfig) => void;
  /** Called once per distinct problem (an invalid or missing file); the previous settings stay in force. */
  onError: (error: EmulatorConfigError) => void;
  /** The text already applied, so the first event does not reload it again. */
  appliedText?: string;
  /**
   * How long the file must stay quiet before it is read.
   * @default 100
   */
  debounceMs?: number;
  /**
   * A stat poll beside the directory watch, for file systems whose events do not arrive (network mounts).
   * @default 2000
   */
  pollMs?: number;
}

export interface ConfigWatcher {
  close(): void;
}

export function watchConfigFile(path: string, options: ConfigWatchOptions): ConfigWatcher {
  const file = resolve(path);
  const debounceMs = options.debounceMs ?? 100;
  let seen = options.appliedText;
  let reported: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let closed = false;

  const report = (error: EmulatorConfigError) => {
    if (error.message === reported) return;
    reported = error.message;
    options.onError(error);
  };
  const check = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      const text = await readConfigText(path);
      if (closed || text === seen) return;
      seen = text;
      const config = parseConfigText(text, path);
      reported = undefined;
      options.onChange(config);
    } catch (error) {
      if (!closed)
        report(
          error instanceof EmulatorConfigError
            ? error
            : new EmulatorConfigError(path, "", `could not be reloaded: ${(error as Error).message}`),
        );
    } finally {
      running = false;
      if (again && !closed) {
        again = false;
        schedule();
      }
    }
  };
  function schedule(): void {
    if (closed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void check();
    }, debounceMs);
  }

  let watcher: FSWatcher | undefined;
  try {
    // Any entry of the directory: a ConfigMap swaps `..data`, not the file's own name; unchanged text is skipped.
    watcher = watch(dirname(file), { persistent: false }, () => schedule());
    watcher.on("error", () => schedule());
  } catch {
    watcher = undefined;
  }
  const poll = () => schedule();
  watchFile(file, { persistent: false, interval: options.pollMs ?? 2000 }, poll);

  return {
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      watcher?.close();
      unwatchFile(file, poll);
    },
  };
}
