/**
 * Task: a process that runs one function and reports its result to the process that started it,
 * as Elixir's `Task`.
 */
import { ExitError, OptionsError, TimeoutError } from "../errors.ts";
import { makeRef, type Pid, type Ref } from "../process/pid.ts";
import { currentProc, exitSignal, linkProcs, lookup, type Proc, unlinkProcs } from "../process/process.ts";
import { checkTimeout } from "../process/deadlines.ts";
import { receiveIn } from "../process/receive.ts";
import type { ChildSpec } from "./child-spec-types.ts";
import {
  checkTaskFn,
  forgetTask,
  isWatched,
  privateMailbox,
  spawnTask,
  type TaskEnd,
  taskEnd,
  type TaskFn,
} from "./task-process.ts";
import { asyncStream, type AsyncStreamOptions, type StreamResult } from "./task-stream.ts";

/**
 * A handle on a task whose process already runs, monitored by `box` under `ref`: how
 * `TaskSupervisor.async` and `asyncNolink` make theirs. Not exported from the package.
 */
export let newTask: <T>(pid: Pid, ref: Ref, owner: Pid | undefined, box: Proc) => Task<T>;
let boxOf: (task: Task<unknown>) => Proc;

/** What `Task.yield` and `Task.shutdown` resolve: the reply, the task's exit reason, or `undefined` for no answer. */
export type TaskResult<T> = readonly ["ok", T] | readonly ["exit", unknown] | undefined;

/**
 * A handle on a task started with `Task.async` (or `TaskSupervisor.async`/`asyncNolink`), held by
 * the process that started it (its owner), as Elixir's `%Task{}`.
 *
 * @example
 * ```ts
 * const task = Task.async(() => fetchPrice("btc"));
 * // ... other work ...
 * await Task.await(task); // the price
 * ```
 *
 * @remarks
 * `Task.async` starts a process linked to the caller and monitored by it under `task.ref`. When the
 * function returns, the task sends `[task.ref, result]` to its owner and exits `"normal"`. Only the
 * owner may `await`, `yield` or `shutdown` the task. A task that is never awaited leaves its reply
 * in the owner's mailbox: a GenServer owner sees `[ref, result]` and then
 * `["DOWN", ref, "process", pid, "normal"]` in `handleInfo`, which is the usual way to run work
 * from a server without blocking it (with `TaskSupervisor.asyncNolink`).
 *
 * Because of the link, a task that throws takes its owner down with it (unless the owner traps
 * exits), and an owner that crashes takes its tasks down. Called outside any process, `Task.async`
 * makes no link, and the task's messages go to a private mailbox that only `await`, `yield` and
 * `shutdown` (called outside any process too) read.
 */
export class Task<T = unknown> {
  /** The task's process. */
  readonly pid: Pid;
  /** The monitor reference: the first element of the reply `[ref, result]` and the second of its DOWN. */
  readonly ref: Ref;
  /** The process that owns the task, or `undefined` for a task started outside any process. */
  readonly owner: Pid | undefined;
  /** Where the task's reply and DOWN arrive: the owner's process, or a private mailbox. */
  readonly #box: Proc;
  /** Only carries the result type for `await`; never set. */
  declare private readonly resultType: T;

  private constructor(pid: Pid, ref: Ref, owner: Pid | undefined, box: Proc) {
    this.pid = pid;
    this.ref = ref;
    this.owner = owner;
    this.#box = box;
  }

  /**
   * Starts a task running `fn`, linked to and owned by the calling process.
   * @throws OptionsError when `fn` is not a function.
   */
  static async<T>(fn: TaskFn<T>): Task<Awaited<T>> {
    checkTaskFn(fn);
    const caller = currentProc();
    const ref = makeRef();
    const box = caller ?? privateMailbox();
    const proc = spawnTask(fn, box, ref);
    if (caller?.alive === true) linkProcs(caller, proc);
    return newTask<Awaited<T>>(proc.pid, ref, caller?.pid, box);
  }

  /**
   * Waits for the task's reply. On a reply the monitor is dropped; the task has exited or is about to.
   *
   * Timeouts (Elixir's `Task.await` exits the caller): inside a process, the promise rejects with
   * the exit reason `["timeout", ["Task.await", [task, timeoutMs]]]` itself, so left uncaught it ends
   * the process (a GenServer runs `terminate` and logs a crash report) with that reason, and the
   * link then takes the task down; outside any process it rejects `TimeoutError`. In both cases the
   * monitor is dropped, so a late reply never arrives.
   *
   * @param timeoutMs - default 5000; `Infinity` waits for ever.
   * @throws ExitError (rejection) when the task exited without replying (`reason` is its exit
   *   reason); the owner sees this only when it traps exits or the task was not linked to it.
   * @throws OptionsError (rejection) when called from a process other than the owner, or with a bad timeout.
   */
  static await<T>(task: Task<T>, timeoutMs = 5000): Promise<T> {
    let box: Proc;
    try {
      box = ownerBox(task, "Task.await");
      checkTimeout(timeoutMs);
    } catch (err) {
      return Promise.reject(err);
    }
    return receiveIn(box, taskEnd(task.ref), timeoutMs).then(
      (end) => {
        forgetTask(box, task.ref);
        if (end[0] === "reply") return end[1] as T;
        throw new ExitError(end[1], task.pid);
      },
      (err: unknown) => {
        if (!(err instanceof TimeoutError)) throw err;
        forgetTask(box, task.ref);
        throw currentProc() === undefined ? new TimeoutError(timeoutMs, "Task.await") : ["timeout", ["Task.await", [task, timeoutMs]]];
      },
    );
  }

  /**
   * Waits up to `timeoutMs` for the task: `["ok", reply]`, `["exit", reason]` when it exited
   * without replying, or `undefined` when it is still running (it keeps running, and may be
   * yielded again).
   * @throws OptionsError (rejection) when called from a process other than the owner, or with a bad timeout.
   */
  static yield<T>(task: Task<T>, timeoutMs = 5000): Promise<TaskResult<T>> {
    let box: Proc;
    try {
      box = ownerBox(task, "Task.yield");
      checkTimeout(timeoutMs);
    } catch (err) {
      return Promise.reject(err);
    }
    return receiveIn(box, taskEnd(task.ref), timeoutMs).then(
      (end) => settled<T>(box, task, end, undefined),
      (err: unknown) => {
        if (err instanceof TimeoutError) return undefined;
        throw err;
      },
    );
  }

  /**
   * Unlinks and stops the task, then checks for a reply, as Elixir's `Task.shutdown`. The task gets
   * exit signal `"shutdown"` and is killed if it has not exited within `timeoutOrBrutal` ms; with
   * `"brutal_kill"` it is killed at once.
   * @returns `["ok", reply]` when the reply came before the task stopped, `["exit", reason]` when
   *   it had exited for another reason (`"noproc"` when it was already awaited), `undefined` when
   *   it was shut down.
   * @throws OptionsError (rejection) when called from a process other than the owner, or for a bad `timeoutOrBrutal`.
   */
  static async shutdown<T>(task: Task<T>, timeoutOrBrutal: number | "brutal_kill" = 5000): Promise<TaskResult<T>> {
    const box = ownerBox(task, "Task.shutdown");
    if (timeoutOrBrutal !== "brutal_kill") checkTimeout(timeoutOrBrutal, "timeoutOrBrutal");
    if (!isWatched(box, task.ref)) return ["exit", "noproc"];
    const proc = lookup(task.pid);
    if (proc !== undefined) {
      unlinkProcs(box, proc);
      exitSignal(proc, box.pid, timeoutOrBrutal === "brutal_kill" ? "kill" : "shutdown", true);
    }
    const match = taskEnd(task.ref);
    let end: TaskEnd;
    try {
      end = await receiveIn(box, match, timeoutOrBrutal === "brutal_kill" ? Infinity : timeoutOrBrutal);
    } catch (err) {
      if (!(err instanceof TimeoutError)) throw err;
      const still = lookup(task.pid);
      if (still !== undefined) exitSignal(still, box.pid, "kill", true);
      end = await receiveIn(box, match, Infinity);
    }
    return settled<T>(box, task, end, ["shutdown", "killed"]);
  }

  /**
   * Starts a process running `fn`, not linked and with no owner to reply to (Elixir's
   * `Task.start`, which answers `{:ok, pid}`). Use it for side effects whose result nobody needs.
   * @throws OptionsError when `fn` is not a function.
   */
  static start(fn: TaskFn<unknown>): Pid {
    checkTaskFn(fn);
    return spawnTask(fn, undefined, undefined).pid;
  }

  /**
   * Like `start`, linked to the calling process (outside a process, unlinked): how a task runs
   * under a supervisor (see `childSpec`).
   * @throws OptionsError when `fn` is not a function.
   */
  static startLink(fn: TaskFn<unknown>): Pid {
    checkTaskFn(fn);
    const caller = currentProc();
    const proc = spawnTask(fn, undefined, undefined);
    if (caller?.alive === true) linkProcs(caller, proc);
    return proc.pid;
  }

  /**
   * A supervisor child spec that runs `fn` with `startLink`: id `Task`, restart `"temporary"` as in
   * Elixir (a task that finished is not run again; pass `restart` to change it), shutdown 5000.
   * @throws OptionsError when `fn` is not a function, at once.
   */
  static childSpec(fn: TaskFn<unknown>, overrides: Partial<Omit<ChildSpec, "start">> = {}): ChildSpec {
    checkTaskFn(fn);
    return { id: Task, restart: "temporary", ...overrides, start: () => Promise.resolve(Task.startLink(fn)) };
  }

  /**
   * Runs `fn` over `items` in tasks, at most `maxConcurrency` at a time, as Elixir's
   * `Task.async_stream`; see {@link AsyncStreamOptions} and {@link StreamResult}.
   * @throws OptionsError at once for a bad `items`, `fn` or option.
   */
  static asyncStream<I, R>(
    items: Iterable<I> | AsyncIterable<I>,
    fn: (item: I) => R,
    options: AsyncStreamOptions = {},
  ): AsyncIterable<StreamResult<Awaited<R>>> {
    return asyncStream(items, fn, options);
  }

  static {
    newTask = <R>(pid: Pid, ref: Ref, owner: Pid | undefined, box: Proc) => new Task<R>(pid, ref, owner, box);
    boxOf = (task) => task.#box;
  }
}

/** The mailbox the task reports to, once the caller is known to be its owner. */
function ownerBox(task: unknown, operation: string): Proc {
  if (!(task instanceof Task)) throw new OptionsError("task", task, `a Task (from Task.async or TaskSupervisor.async) for ${operation}`);
  const caller = currentProc();
  if ((caller?.pid ?? undefined) !== task.owner) {
    const where = caller === undefined ? "outside any process" : `from ${String(caller.pid)}`;
    const owner = task.owner === undefined ? "code outside any process" : String(task.owner);
    throw new OptionsError("task", task, `a task owned by the caller for ${operation} (it is owned by ${owner}, called ${where})`);
  }
  return boxOf(task);
}

function settled<T>(box: Proc, task: Task<T>, end: TaskEnd, quiet: readonly unknown[] | undefined): TaskResult<T> {
  forgetTask(box, task.ref);
  if (end[0] === "reply") return ["ok", end[1] as T];
  return quiet?.includes(end[1]) === true ? undefined : ["exit", end[1]];
}

