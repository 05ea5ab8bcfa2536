// Every code block a reader copies from README.md or docs/*.md is checked as written:
// - ```ts and ```js blocks are compiled by tsc (strict; JavaScript for syntax only; "webpubsub" resolved to this
//   package's build as an installed package would be) and run with tsx against a fresh emulator
//   (WebPubSubConnectionString and WebPubSubKey point at it); they must exit 0 with nothing on stderr. A block
//   that cannot finish on its own is marked `<!-- compile-only: why -->` on the line before its fence and is
//   only compiled.
// - ```diff blocks (the migration one-liners): both sides type-check, the old one against Microsoft's package.
// - ```sh blocks: every `webpubsub <command> --flag` names a command and flags that the CLI's --help lists.
// - Relative links and the repository paths named in `code` lead somewhere that exists.
// Build first (`npm run build`): the snippets import the package's dist/.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultAccessKey, startEmulator } from "../../src/emulator/index";
import { codeBlocks, markdownFiles, root, type CodeBlock } from "../helpers/markdown";
import { runNode } from "../helpers/spawn";

/** One program to check: a ts block, or one side of a diff block (before: Microsoft's package; after: ours). */
interface Program {
  block: CodeBlock;
  /** The .mts file it is written to. */
  source: string;
  code: string;
  run: boolean;
  what: string;
}

function programsOf(block: CodeBlock): Program[] {
  const source = `${block.file.replace(/[^A-Za-z0-9]+/g, "-")}-line${block.line}`;
  if (block.lang === "ts" || block.lang === "js") {
    const run = block.mode === "run";
    const what = run ? "compiles and runs against the emulator" : "compiles";
    return [{ block, source: `${source}.${block.lang === "ts" ? "mts" : "mjs"}`, code: block.code, run, what }];
  }
  if (block.lang !== "diff") return [];
  const side = (drop: string) =>
    block.code
      .split("\n")
      .filter((line) => !line.startsWith(drop))
      .map((line) => line.slice(1))
      .join("\n");
  return [
    { block, source: `${source}-before.mts`, code: side("+"), run: false, what: "the diff's old side type-checks" },
    { block, source: `${source}-after.mts`, code: side("-"), run: false, what: "the diff's new side type-checks" },
  ];
}

const files = markdownFiles();
const programs = files.flatMap(codeBlocks).flatMap(programsOf);
// Inside the package (an ignored folder), so `import ... from "webpubsub"` resolves to this build.
const dir = mkdtempSync(join(root, "samples", ".readme-snippets-"));
let diagnostics = "";
/** tsc's messages, one entry per diagnostic (a long one continues on indented lines). */
const diagnosticsList = () => diagnostics.split(/\n(?=\S)/).filter((d) => d.trim() !== "");
/** The snippet file a diagnostic is about (tsc names it relative to its working directory), if any. */
const sourceOf = (diagnostic: string) => /^(?:\S*\/)?([\w-]+\.m[tj]s)\(/.exec(diagnostic)?.[1];

beforeAll(async () => {
  expect(existsSync(join(root, "dist", "index.js")), "dist/ is built (npm run build)").toBe(true);
  for (const program of programs) writeFileSync(join(dir, program.source), program.code);
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        types: ["node"],
        skipLibCheck: true,
        esModuleInterop: true,
        allowJs: true,
      },
      files: programs.map((p) => p.source),
    }),
  );
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const result = await runNode([tsc, "-p", join(dir, "tsconfig.json"), "--pretty", "false"]);
  diagnostics = result.stdout + result.stderr;
}, 240_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** At most two snippets run at once: the machine may have two cores and other suites running. */
let running = 0;
const queue: (() => void)[] = [];
async function limited<T>(task: () => Promise<T>): Promise<T> {
  if (running >= 2) await new Promise<void>((resolve) => queue.push(resolve));
  running++;
  try {
    return await task();
  } finally {
    running--;
    queue.shift()?.();
  }
}

async function run(program: Program) {
  const emulator = await startEmulator({ port: 0 });
  try {
    return await runNode(["--import", "tsx", join(dir, program.source)], {
      env: { WebPubSubConnectionString: emulator.connectionString, WebPubSubKey: defaultAccessKey },
    });
  } finally {
    await emulator.close();
  }
}

for (const file of files) {
  const blocks = codeBlocks(file);
  if (!blocks.some((b) => programsOf(b).length > 0 || b.mode === "compile-only")) continue;
  describe(file, () => {
    for (const block of blocks) {
      const where = `${block.heading} (line ${block.line})`;
      if (block.mode === "compile-only") {
        it(`${where}: a compile-only marker gives its reason and sits on a ts or js block`, () => {
          expect(["ts", "js"]).toContain(block.lang);
          expect(block.reason).not.toBe("");
        });
      }
      for (const program of programsOf(block)) {
        it.concurrent(
          `${where}: ${program.what}`,
          async () => {
            const errors = diagnosticsList()
              .filter((d) => sourceOf(d) === program.source)
              .join("\n");
            expect(errors, `tsc on ${file} line ${block.line}`).toBe("");
            if (!program.run) return;
            const result = await limited(() => run(program));
            expect(result.stderr, `stderr of ${file} line ${block.line}`).toBe("");
            expect(result.code).toBe(0);
          },
          120_000,
        );
      }
    }
  });
}

describe("the whole set", () => {
  it("tsc reported nothing outside the snippets (e.g. a broken tsconfig)", () => {
    const stray = diagnosticsList().filter((d) => sourceOf(d) === undefined);
    expect(stray).toEqual([]);
  });
});

const helpCache = new Map<string, Promise<string>>();
function helpOf(command: string): Promise<string> {
  let help = helpCache.get(command);
  if (help === undefined) {
    help = runNode([join(root, "dist", "cli.js"), command, "--help"]).then((r) => r.stdout);
    helpCache.set(command, help);
  }
  return help;
}

describe("command lines in ```sh blocks", () => {
  const lines = files
    .flatMap(codeBlocks)
    .filter((b) => b.lang === "sh")
    .flatMap((b) => b.code.split("\n").map((text) => ({ b, text: text.replace(/\s+#.*$/, "") })))
    .filter(({ text }) => /\bwebpubsub (emulator|send|token|\w+)\b/.test(text) && text.includes("npx webpubsub"));
  it.each(lines.map(({ b, text }) => [`${b.file} line ${b.line}: ${text.trim()}`, text] as const))(
    "%s names a command and flags that exist",
    async (_name, text) => {
      const [, command = "", rest = ""] = /npx webpubsub (\S+)(.*)$/.exec(text) ?? [];
      expect(["emulator", "send", "token"]).toContain(command);
      const help = await helpOf(command);
      const withoutQuoted = rest.replace(/'[^']*'|"[^"]*"/g, "");
      for (const flag of withoutQuoted.match(/--[a-z][a-z-]*/g) ?? [])
        expect(help, `${command} ${flag}`).toContain(flag);
    },
  );
});

/** GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function prose(file: string): string {
  return readFileSync(join(root, file), "utf8").replace(/^```[\s\S]*?^```/gm, "");
}

function anchorsOf(file: string): Set<string> {
  const headings = [...prose(file).matchAll(/^#{1,6}\s+(.*)$/gm)].map((m) => slug(m[1] as string));
  return new Set(headings);
}

describe("prose", () => {
  it("README.md starts with the two commands a newcomer runs", () => {
    const first = codeBlocks("README.md")[0];
    expect(first?.lang).toBe("sh");
    expect(first?.code).toMatch(/^npm ci && npm run demo .*\nnpm ci && npm test .*\n$/);
  });

  it.each(files)("%s names Microsoft's packages by name, not by in-house nicknames", (file) => {
    expect(readFileSync(join(root, file), "utf8")).not.toMatch(/\bthe anchor\b|\banchor's\b/i);
  });
});

describe("links", () => {
  it.each(files)("%s: every relative link and repository path leads somewhere", (file) => {
    const broken: string[] = [];
    const text = prose(file);
    for (const [, target = ""] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target)) continue;
      const [path = "", anchor] = target.split("#");
      const resolved = path === "" ? file : normalize(join(dirname(file), path));
      if (!existsSync(join(root, resolved))) broken.push(`${target} (no ${resolved})`);
      else if (anchor !== undefined && resolved.endsWith(".md") && !anchorsOf(resolved).has(anchor))
        broken.push(`${target} (no heading #${anchor} in ${resolved})`);
    }
    for (const [, path = ""] of text.matchAll(/`((?:src|test|samples|bench|docs|scripts)\/[\w./-]+\.\w+)`/g)) {
      if (!existsSync(join(root, path))) broken.push(`\`${path}\``);
    }
    expect(broken).toEqual([]);
  });
});
