// Reads the code blocks out of README.md and docs/*.md, so tests can run what a reader copies.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));

/** README.md and every guide in docs/, as paths relative to the repository root. */
export function markdownFiles(): string[] {
  const guides = readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`);
  return ["README.md", ...guides];
}

export interface CodeBlock {
  /** The markdown file, relative to the repository root. */
  file: string;
  /** The fence's language (`ts`, `sh`, `text`, ...). */
  lang: string;
  code: string;
  /** The nearest heading above the block, for test names. */
  heading: string;
  /** 1-based line of the opening fence. */
  line: number;
  /**
   * `run` (the default for ts): type-checked and run against the emulator. `compile-only`: the block cannot
   * finish on its own (it needs Azure AD, listens forever, or is a Worker's module), so it is only
   * type-checked; the markdown says so with `<!-- compile-only: why -->` on the line before the fence.
   */
  mode: "run" | "compile-only";
  /** The reason given by a `compile-only` marker. */
  reason?: string;
}

const marker = /^<!--\s*compile-only:\s*(.*?)\s*-->$/;

/** Every fenced block of one markdown file, in order. */
export function codeBlocks(file: string): CodeBlock[] {
  const lines = readFileSync(join(root, file), "utf8").split("\n");
  const blocks: CodeBlock[] = [];
  let heading = "(top)";
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] as string;
    const fence = /^```(\S*)\s*$/.exec(text);
    if (fence === null) {
      const title = /^#{1,6}\s+(.*)$/.exec(text);
      if (title !== null) heading = title[1] as string;
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "```"; i++) body.push(lines[i] as string);
    const compileOnly = marker.exec((lines[start - 1] ?? "").trim());
    blocks.push({
      file,
      lang: fence[1] ?? "",
      code: body.join("\n") + "\n",
      heading,
      line: start + 1,
      mode: compileOnly === null ? "run" : "compile-only",
      ...(compileOnly === null ? {} : { reason: compileOnly[1] as string }),
    });
  }
  return blocks;
}

/** The first ```ts block under the heading `title` (any level) of `file`; throws when there is none. */
export function tsBlockUnder(file: string, title: string): string {
  const block = codeBlocks(file).find((b) => b.heading === title && b.lang === "ts");
  if (block === undefined) throw new Error(`${file} has no ts block under a heading "${title}"`);
  return block.code;
}
