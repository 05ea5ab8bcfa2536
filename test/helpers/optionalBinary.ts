// Tests that need a binary a fresh machine may lack (Chromium, Deno, Bun, workerd, edge-runtime) use this:
// where the binary is missing they are skipped with one visible line saying how to run them, unless
// CI=true (or WEBPUBSUB_REQUIRE_<NAME>=1) makes them required, in which case the suite fails instead.
import { existsSync } from "node:fs";

export interface OptionalBinary {
  /** Where the binary is, when it is there. */
  readonly path: string | undefined;
  /** Run the suite: the binary is there. */
  readonly run: boolean;
  /** The binary is missing and required: one test fails saying so. */
  readonly missingButRequired: boolean;
  /** Why the suite is skipped or failing (for the failing test's name). */
  readonly notice: string;
}

/**
 * Looks for `name` at the given candidate paths (the first that exists wins). `howToInstall` is printed
 * in the skip notice, e.g. "apt-get install -y chromium".
 */
export function optionalBinary(
  name: string,
  candidates: ReadonlyArray<string | undefined>,
  howToInstall: string,
): OptionalBinary {
  const path = candidates.find(
    (candidate): candidate is string => candidate !== undefined && candidate !== "" && existsSync(candidate),
  );
  const flag = `WEBPUBSUB_REQUIRE_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
  const required = process.env["CI"] === "true" || process.env[flag] === "1";
  const notice = `${name} not found (looked in ${candidates.filter(Boolean).join(", ")}); install it with: ${howToInstall}`;
  if (path === undefined && !required) {
    // One line, visible in the test output, instead of a silent pass.
    process.stderr.write(
      `[skipped] ${notice}; tests needing ${name} did not run (set ${flag}=1 or CI=true to require them)\n`,
    );
  }
  return { path, run: path !== undefined, missingButRequired: path === undefined && required, notice };
}

/**
 * Chromium for the browser tests: $CHROMIUM_PATH when set (then the only candidate, so
 * `CHROMIUM_PATH=/nonexistent npm test` shows what a machine without Chromium does), else Debian's
 * /usr/bin/chromium or /usr/bin/chromium-browser.
 */
export function chromiumBinary(): OptionalBinary {
  const explicit = process.env["CHROMIUM_PATH"];
  const candidates =
    explicit !== undefined && explicit !== "" ? [explicit] : ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
  return optionalBinary("Chromium", candidates, "apt-get install -y chromium (or set CHROMIUM_PATH)");
}

/** Launch flags for headless Chromium on a machine with no network beyond loopback. */
export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
