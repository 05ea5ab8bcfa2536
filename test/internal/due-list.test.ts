// The shared timer lists behind every attempt's timeout: tasks run once their delay has passed (never early),
// in order, not at all once cancelled, and a list with nothing pending does not keep the process alive.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { cancel, DueTask, schedule } from "../../src/internal/dueList";
import { runNode } from "../helpers/spawn";

class Recorder extends DueTask {
  ranAt: number | undefined;
  constructor(
    readonly name: string,
    readonly ran: string[],
  ) {
    super();
  }
  due(): void {
    this.ranAt = performance.now();
    this.ran.push(this.name);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("due lists", () => {
  it("runs tasks of one delay in order, none early, and never a cancelled one", async () => {
    const ran: string[] = [];
    const tasks = ["a", "b", "c", "d"].map((name) => new Recorder(name, ran));
    const scheduledAt: number[] = [];
    for (const task of tasks) {
      scheduledAt.push(performance.now());
      schedule(task, 40);
    }
    cancel(tasks[0]!); // the head: the list's timer still fires for it, runs what is due after it
    cancel(tasks[2]!);
    await sleep(400);
    expect(ran).toEqual(["b", "d"]);
    for (const i of [1, 3]) expect(tasks[i]!.ranAt! - scheduledAt[i]!).toBeGreaterThanOrEqual(39);
  });

  it("mixes delays: each list keeps its own order; a task scheduled again moves", async () => {
    const ran: string[] = [];
    const slow = new Recorder("slow", ran);
    const fast = new Recorder("fast", ran);
    const moved = new Recorder("moved", ran);
    schedule(slow, 120);
    schedule(moved, 10);
    schedule(fast, 30);
    schedule(moved, 200); // re-scheduling replaces the earlier one
    await sleep(600);
    expect(ran).toEqual(["fast", "slow", "moved"]);
  });

  it("a task whose due() throws does not stop the others of its list", async () => {
    const ran: string[] = [];
    const thrower = new (class extends DueTask {
      due(): void {
        throw new Error("from a task");
      }
    })();
    const errors: unknown[] = [];
    const onError = (error: unknown) => errors.push(error);
    process.on("uncaughtException", onError);
    try {
      schedule(thrower, 20);
      schedule(new Recorder("after", ran), 20);
      await sleep(300);
    } finally {
      process.off("uncaughtException", onError);
    }
    expect(ran).toEqual(["after"]);
    expect(errors).toHaveLength(1);
  });

  it("a cancelled task's list does not keep the process alive; a pending one does, until it runs", async () => {
    const module = pathToFileURL(join(__dirname, "../../src/internal/dueList.ts")).href;
    const script = (body: string) => `
      import { cancel, DueTask, schedule } from ${JSON.stringify(module)};
      class Task extends DueTask { due() { console.log("due"); } }
      const started = performance.now();
      process.on("exit", () => console.log("exit after", Math.round(performance.now() - started)));
      ${body}`;
    const tsx = join(__dirname, "../../node_modules/tsx/dist/cli.mjs");
    const cancelled = await runNode([tsx, "-e", script("const t = new Task(); schedule(t, 60_000); cancel(t);")]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).not.toContain("due");
    // Exits at once rather than after the 60 s the list's timer is still armed for.
    expect(Number(/exit after (\d+)/.exec(cancelled.stdout)?.[1])).toBeLessThan(30_000);
    const pending = await runNode([tsx, "-e", script("schedule(new Task(), 300);")]);
    expect(pending.code, pending.stderr).toBe(0);
    expect(pending.stdout).toContain("due");
    expect(Number(/exit after (\d+)/.exec(pending.stdout)?.[1])).toBeGreaterThanOrEqual(299);
  }, 60_000);
});
