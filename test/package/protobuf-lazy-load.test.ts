// The protobuf codec (@bufbuild/protobuf, a devDependency) ships bundled in a chunk of its own that the
// emulator imports on first use: the main entry never reaches it, and the emulator's static graph neither.
// Reads dist/ (npm run build first).
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(__dirname, "../..");

/** Files reachable from `entry` by static imports, and the targets of its dynamic imports. */
function graph(entry: string): { statics: Set<string>; dynamics: Set<string>; externals: Set<string> } {
  const statics = new Set<string>();
  const dynamics = new Set<string>();
  const externals = new Set<string>();
  const visit = (file: string): void => {
    if (statics.has(file)) return;
    statics.add(file);
    const code = readFileSync(file, "utf8");
    for (const m of code.matchAll(/(?:import|export)\s*(?:[^"'()]*?\sfrom\s*)?["']([^"']+)["']/g)) {
      const spec = m[1] as string;
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec));
      else externals.add(spec);
    }
    for (const m of code.matchAll(/import\(\s*["'](\.[^"']+)["']\s*\)/g))
      dynamics.add(resolve(dirname(file), m[1] as string));
  };
  visit(resolve(root, entry));
  return { statics, dynamics, externals };
}

const codec = /UpstreamMessage|@bufbuild\/protobuf/;

describe("the protobuf codec is loaded lazily", () => {
  it("the main entry reaches none of it", () => {
    const { statics, dynamics, externals } = graph("dist/index.js");
    for (const file of [...statics, ...dynamics]) expect(readFileSync(file, "utf8")).not.toMatch(codec);
    expect([...externals].filter((s) => s.startsWith("@bufbuild"))).toEqual([]);
    expect(readFileSync(join(root, "dist/index.cjs"), "utf8")).not.toMatch(codec);
  });

  it("the emulator entry imports it dynamically, bundled (no @bufbuild import at run time)", () => {
    const { statics, dynamics, externals } = graph("dist/emulator.js");
    for (const file of statics) expect(readFileSync(file, "utf8")).not.toMatch(/UpstreamMessage/);
    expect([...externals].filter((s) => s.startsWith("@bufbuild"))).toEqual([]);
    const chunks = [...dynamics].filter((file) => /UpstreamMessage/.test(readFileSync(file, "utf8")));
    expect(chunks).toHaveLength(1);
    // Bundled: the chunk (and the emulator chunks it shares) imports no package but ws (a dependency).
    const chunk = graph(chunks[0] as string);
    const packages = [...chunk.externals].filter((s) => !s.startsWith("node:") && !builtinModules.includes(s));
    expect(packages.filter((s) => s !== "ws")).toEqual([]);
  });
});
