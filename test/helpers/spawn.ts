import { spawn, type ChildProcess } from "node:child_process";

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts `node ...args` and collects its output. The child runs asynchronously, so servers living in the
 * test process (the emulator) keep answering it.
 */
export function startNode(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): { child: ChildProcess; output: { stdout: string; stderr: string }; exited: Promise<Finished> } {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...options.env } });
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (d: Buffer) => (output.stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output.stderr += d.toString()));
  const exited = new Promise<Finished>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, ...output }));
  });
  if (options.stdin !== undefined) child.stdin.end(options.stdin);
  return { child, output, exited };
}

/** Runs `node ...args` to completion. */
export function runNode(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<Finished> {
  return startNode(args, { stdin: "", ...options }).exited;
}
