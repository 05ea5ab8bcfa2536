// Every REST attempt arms a timeout (30 s by default) that almost never fires: the response comes first and
// the timeout is cancelled. A Node `setTimeout` per attempt costs a `Timeout` object, its async-hooks id and
// two list operations at each end; at tens of thousands of requests a second that is a visible share of the
// client's CPU. Tasks scheduled with the same delay fall due in the order they were scheduled, so, as in
// Node's own timer lists, one list per delay and one Node timer for its first task serve them all: scheduling
// and cancelling a task are a few pointer updates, and the list's timer only moves when it fires.

import { Chain, type ChainNode } from "./chain";

// Timers can fire up to a millisecond early on the libuv clock; a task due within this is run.
const slackMs = 1;

/** Something that runs once its delay has passed, unless cancelled first. A task is in one list at a time. */
export abstract class DueTask implements ChainNode<DueTask> {
  /** When it falls due, on the `performance.now()` clock. */
  dueAt = 0;
  dueList: DueList | undefined;
  chainPrev: DueTask | undefined;
  chainNext: DueTask | undefined;

  /** Called once the delay has passed (never early); the task is out of its list by then. */
  abstract due(): void;
}

class DueList extends Chain<DueTask> {
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Whether the timer keeps the process alive: exactly while the list holds a task, as a per-task timer would. */
  refed = false;

  constructor(readonly delay: number) {
    super();
  }
}

const lists = new Map<number, DueList>();

/** Runs `task.due()` after `ms` (rounded up to a whole millisecond, at least 1), unless cancelled first. */
export function schedule(task: DueTask, ms: number): void {
  cancel(task);
  const delay = Math.max(1, Math.ceil(ms));
  let list = lists.get(delay);
  if (list === undefined) {
    list = new DueList(delay);
    lists.set(delay, list);
  }
  task.dueAt = performance.now() + delay;
  task.dueList = list;
  list.push(task);
  if (list.timer === undefined) {
    list.timer = setTimeout(fire, delay, list);
    list.refed = true;
  } else if (!list.refed) {
    keepAlive(list.timer, true);
    list.refed = true;
  }
}

/** Takes `task` out of its list; nothing happens if it is in none. */
export function cancel(task: DueTask): void {
  const list = task.dueList;
  if (list === undefined) return;
  unlink(list, task);
  // An empty list keeps its timer armed (the next task of this delay reuses it), but no longer keeps the
  // process alive: when it fires with nothing due, the list is dropped.
  if (list.first === undefined && list.refed) {
    keepAlive(list.timer, false);
    list.refed = false;
  }
}

function unlink(list: DueList, task: DueTask): void {
  list.unlink(task);
  task.dueList = undefined;
}

function fire(list: DueList): void {
  list.timer = undefined;
  list.refed = false;
  const now = performance.now() + slackMs;
  for (let task = list.first; task !== undefined && task.dueAt <= now; task = list.first) {
    unlink(list, task);
    try {
      task.due();
    } catch (error) {
      // As a throw from its own timer would be: uncaught, but the tasks after it still run.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
  const head = list.first;
  if (head !== undefined) {
    list.timer = setTimeout(fire, Math.max(1, Math.ceil(head.dueAt - performance.now())), list);
    list.refed = true;
  } else if (lists.get(list.delay) === list) {
    lists.delete(list.delay);
  }
}

/** Node's timers can stop keeping the process alive; Workers and edge runtimes return a number without ref/unref. */
function keepAlive(timer: ReturnType<typeof setTimeout> | undefined, on: boolean): void {
  if (typeof timer !== "object" || timer === null) return;
  const handle = timer as { ref?: () => void; unref?: () => void };
  if (on) handle.ref?.();
  else handle.unref?.();
}
