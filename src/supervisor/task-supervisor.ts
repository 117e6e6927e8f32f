/**
 * TaskSupervisor: a DynamicSupervisor for tasks, as Elixir's `Task.Supervisor`. Tasks started
 * through it are its temporary children, so a crashing task is logged and forgotten, and stopping
 * the supervisor stops every task it holds.
 */
import type { ChildSpec, RestartType, Shutdown } from "../runtime/behaviours/child-spec-types.ts";
import { OptionsError } from "../runtime/errors.ts";
import { newTask, Task } from "../runtime/behaviours/task.ts";
import { checkTaskFn, privateMailbox, spawnTask, spawnWatched, type TaskFn } from "../runtime/behaviours/task-process.ts";
import { asyncStream, type AsyncStreamOptions, type StreamResult, type TaskSpawner } from "../runtime/behaviours/task-stream.ts";
import type { Dest } from "../runtime/names/names.ts";
import { isPid, makeRef, type Pid } from "../runtime/process/pid.ts";
import { currentProc, linkProcs, type Proc } from "../runtime/process/process.ts";
import { isPlainObject } from "../runtime/predicates.ts";
import { DynamicSupervisor, type DynamicSupervisorOptions } from "./dynamic-supervisor.ts";

/** Options of `TaskSupervisor.startLink`: those of a DynamicSupervisor (`name`, `maxChildren`, `maxRestarts`, `maxSeconds`). */
export type TaskSupervisorOptions = DynamicSupervisorOptions;

/** Options of one supervised task. */
export interface SupervisedTaskOptions {
  /** How the supervisor stops the task when it shuts down: default 5000 ms, then killed. */
  readonly shutdown?: Shutdown;
  /** `startChild` only: default `"temporary"`, as in Elixir; `"transient"` restarts a task that crashed. */
  readonly restart?: RestartType;
}

/**
 * A supervisor of tasks, as Elixir's `Task.Supervisor`.
 *
 * @example
 * ```ts
 * const sup = await TaskSupervisor.startLink({ name: "tasks" });
 * const task = await TaskSupervisor.async("tasks", () => fetchPrice("btc"));
 * await Task.await(task); // the price
 * await TaskSupervisor.startChild("tasks", () => sendReport()); // fire and forget
 * ```
 *
 * @remarks
 * `async` and `asyncNolink` return the same {@link Task} handle as `Task.async`, owned by the
 * caller: `Task.await`, `Task.yield` and `Task.shutdown` work on it. With `async` the task is linked
 * to the caller as well as to the supervisor; with `asyncNolink` only to the supervisor, so a crash
 * reaches the caller as `["DOWN", task.ref, "process", pid, reason]` (and as an `ExitError` from
 * `Task.await`) and the caller lives on: the way a GenServer runs work it must survive.
 */
export const TaskSupervisor = {
  /**
   * Starts a task supervisor, linked to the caller (outside a process, unlinked).
   * @throws OptionsError (rejection) for a bad option.
   * @throws StartError (rejection) with `["already_started", pid]` when the name is taken.
   */
  startLink(options: TaskSupervisorOptions = {}): Promise<Pid> {
    return DynamicSupervisor.startLink(options);
  },

  /**
   * A child spec that runs a task supervisor under a supervisor: id `options.name` when given,
   * else `TaskSupervisor`; type `"supervisor"`.
   * @throws OptionsError for bad options, at once.
   */
  childSpec(options: TaskSupervisorOptions = {}): ChildSpec {
    return { ...DynamicSupervisor.childSpec(options), id: options.name ?? TaskSupervisor };
  },

  /**
   * Starts `fn` as a task under `sup`, linked to and owned by the caller, like `Task.async`.
   * @throws OptionsError (rejection) when `fn` is not a function or for a bad option.
   * @throws MaxChildrenError (rejection) when the supervisor is full.
   */
  async<T>(sup: Dest, fn: TaskFn<T>, options: SupervisedTaskOptions = {}): Promise<Task<Awaited<T>>> {
    return supervisedTask<Awaited<T>>(sup, fn, options, true);
  },

  /**
   * Like `async`, but the task is not linked to the caller: its crash reaches the caller only as
   * its DOWN message (or an `ExitError` from `Task.await`).
   * @throws OptionsError (rejection) when `fn` is not a function or for a bad option.
   * @throws MaxChildrenError (rejection) when the supervisor is full.
   */
  asyncNolink<T>(sup: Dest, fn: TaskFn<T>, options: SupervisedTaskOptions = {}): Promise<Task<Awaited<T>>> {
    return supervisedTask<Awaited<T>>(sup, fn, options, false);
  },

  /**
   * Starts `fn` under `sup` with no owner (nobody gets its result), as Elixir's `start_child`.
   * @returns the task's Pid.
   * @throws OptionsError (rejection) when `fn` is not a function or for a bad option.
   * @throws MaxChildrenError (rejection) when the supervisor is full.
   */
  async startChild(sup: Dest, fn: TaskFn<unknown>, options: SupervisedTaskOptions = {}): Promise<Pid> {
    checkTaskFn(fn);
    const { restart = "temporary", shutdown = 5000 } = checkTaskOptions(options, true);
    return DynamicSupervisor.startChild(sup, { ...Task.childSpec(fn), restart, shutdown });
  },

  /**
   * `Task.asyncStream` with each task a child of `sup` (Elixir's `Task.Supervisor.async_stream`):
   * linked to the caller's stream as there, so a crash takes the caller down unless it traps exits.
   * @throws OptionsError at once for a bad `items`, `fn` or option.
   */
  asyncStream<I, R>(sup: Dest, items: Iterable<I> | AsyncIterable<I>, fn: (item: I) => R, options: AsyncStreamOptions = {}): AsyncIterable<StreamResult<Awaited<R>>> {
    return asyncStream(items, fn, options, supervisedSpawner(sup, true));
  },

  /**
   * Like `asyncStream`, but the tasks are not linked to the caller: a crash is emitted as
   * `["exit", reason]` and the caller lives on (Elixir's `async_stream_nolink`).
   * @throws OptionsError at once for a bad `items`, `fn` or option.
   */
  asyncStreamNolink<I, R>(sup: Dest, items: Iterable<I> | AsyncIterable<I>, fn: (item: I) => R, options: AsyncStreamOptions = {}): AsyncIterable<StreamResult<Awaited<R>>> {
    return asyncStream(items, fn, options, supervisedSpawner(sup, false));
  },

  /** The Pids of the tasks the supervisor runs, oldest first. */
  async children(sup: Dest): Promise<Pid[]> {
    const list = await DynamicSupervisor.whichChildren(sup);
    return list.flatMap((c) => (isPid(c.pid) ? [c.pid] : []));
  },

  /**
   * Stops one of the supervisor's tasks.
   * @throws NotFoundError (rejection) when the supervisor holds no task with this Pid.
   */
  terminateChild(sup: Dest, pid: Pid): Promise<void> {
    return DynamicSupervisor.terminateChild(sup, pid);
  },
};

/**
 * The task process is made inside the supervisor's `startChild` (so it is linked to the
 * supervisor), and there, before it runs, monitored by its owner and linked to it: the owner
 * cannot miss its reply or its DOWN however fast it ends.
 */
async function supervisedTask<T>(sup: Dest, fn: unknown, options: SupervisedTaskOptions, link: boolean): Promise<Task<T>> {
  checkTaskFn(fn);
  const { shutdown = 5000 } = checkTaskOptions(options, false);
  const caller = currentProc();
  const box: Proc = caller ?? privateMailbox();
  const ref = makeRef();
  const pid = await startUnder(sup, () => spawnTask(fn, box, ref), link ? caller : undefined, shutdown);
  return newTask<T>(pid, ref, caller?.pid, box);
}

/** The stream's tasks as children of `sup`; `asyncStreamNolink` does not link them to the caller. */
function supervisedSpawner(sup: Dest, link: boolean): TaskSpawner {
  return (fn, linkTo, onExit) => startUnder(sup, () => spawnWatched(fn, onExit), link ? linkTo : undefined, 5000);
}

/**
 * A temporary child of `sup`: the process `spawn` makes (inside the supervisor's `startChild`, so
 * linked to the supervisor), also linked to `linkTo` when given.
 */
function startUnder(sup: Dest, spawn: () => Proc, linkTo: Proc | undefined, shutdown: Shutdown): Promise<Pid> {
  const start = (): Promise<Pid> => {
    const proc = spawn();
    const supervisor = currentProc();
    if (supervisor !== undefined) linkProcs(supervisor, proc);
    if (linkTo?.alive === true) linkProcs(linkTo, proc);
    return Promise.resolve(proc.pid);
  };
  return DynamicSupervisor.startChild(sup, { id: Task, start, restart: "temporary", shutdown });
}

function checkTaskOptions(options: SupervisedTaskOptions, restartAllowed: boolean): SupervisedTaskOptions {
  const known = restartAllowed ? ["shutdown", "restart"] : ["shutdown"];
  if (!isPlainObject(options)) throw new OptionsError("options", options, `{ ${known.map((k) => `${k}?`).join(", ")} }`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new OptionsError(key, (options as Record<string, unknown>)[key], `no such option (known: ${known.join(", ")})`);
  }
  return options;
}
