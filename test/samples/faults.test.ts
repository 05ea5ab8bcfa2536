// The fault-injection samples (samples/faults/), each run as its header says (npx tsx, the built package):
// every one rehearses an unhappy path against its own emulator and asserts what an app team would.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runNode } from "../helpers/spawn";

const dir = fileURLToPath(new URL("../../samples/faults/", import.meta.url));
const samples = readdirSync(dir).filter((f) => f.endsWith(".ts"));

describe("samples/faults", () => {
  it("has the five scenarios", () => {
    expect(samples.sort()).toEqual([
      "event-handler-timeout.ts",
      "mqtt-session.ts",
      "refused-window.ts",
      "reliable-client-drops.ts",
      "throttled-rest.ts",
    ]);
  });

  it.each(samples)(
    "%s runs to the end and reports each check",
    async (file) => {
      const result = await runNode(["--import", "tsx", `${dir}${file}`], { env: {} });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^ok: /m);
      expect(result.stdout).not.toMatch(/^(?!ok: ).+/m);
    },
    60_000,
  );
});
