/**
 * `Task.asyncStream`: a function mapped over items in tasks with bounded concurrency, as Elixir's
 * `Task.async_stream`. The stream is lazy: nothing runs until it is iterated, and items are pulled
 * from the source only while fewer than `maxConcurrency` tasks run.
 */
import os from "node:os";
import { OptionsError, TimeoutError } from "../errors.ts";
import { addDeadline, type Expirable, trimDeadlines } from "../process/deadlines.ts";
import { makeRef, type Pid, type Ref } from "../process/pid.ts";
import { currentProc, exitSignal, type ExitHook, linkProcs, lookup, type Proc, terminate, unlinkProcs } from "../process/process.ts";
import { checkTimeout } from "../process/deadlines.ts";
import { receiveIn } from "../process/receive.ts";
import { isPlainObject } from "../predicates.ts";
import { checkTaskFn, privateMailbox, spawnTask, type TaskFn } from "./task-process.ts";

/** Options of `Task.asyncStream`, Elixir's `async_stream` options in camelCase. */
export interface AsyncStreamOptions {
  /** How many tasks may run at once. Default `os.availableParallelism()`, as Elixir's `System.schedulers_online()`. */
  readonly maxConcurrency?: number;
  /** Emit results in the order of the items (default true); false emits each as soon as its task ends. */
  readonly ordered?: boolean;
  /** How long each task may run, counted from its start. Default 5000; `Infinity` for no limit. */
  readonly timeoutMs?: number;
  /**
   * What a task that outlives `timeoutMs` does: `"exit"` (default) kills every task and ends the
   * stream as `Task.await`'s timeout does (inside a process the iteration rejects with the exit
   * reason `["timeout", ["Task.asyncStream", [timeoutMs]]]`, outside with `TimeoutError`);
   * `"kill_task"` kills that task, emits `["exit", "timeout"]` for it and goes on.
   */
  readonly onTimeout?: "exit" | "kill_task";
}

/** One item's outcome: `["ok", value]`, or `["exit", reason]` for a task that crashed or timed out. */
export type StreamResult<R> = readonly ["ok", R] | readonly ["exit", unknown];

/**
 * The iterable behind `Task.asyncStream`. Each iteration runs the whole stream afresh.
 * @throws OptionsError at once for a bad `items`, `fn` or option.
 */
export function asyncStream<I, R>(
  items: Iterable<I> | AsyncIterable<I>,
  fn: (item: I) => R,
  options: AsyncStreamOptions,
  spawner: TaskSpawner = spawnLinked,
): AsyncIterable<StreamResult<Awaited<R>>> {
  if (!isIterable(items)) throw new OptionsError("items", items, "an Iterable or an AsyncIterable");
  checkTaskFn(fn);
  const settings = checkStreamOptions(options);
  return { [Symbol.asyncIterator]: () => run(items, fn, settings, spawner) as AsyncIterator<StreamResult<Awaited<R>>> };
}

/**
 * Starts one task of a stream: a process running `fn`, monitored by `box` under `ref` (see
 * `spawnTask`) and, unless the stream is a nolink one, linked to `box`. TaskSupervisor's streams
 * start theirs as the supervisor's children.
 */
export type TaskSpawner = (fn: TaskFn<unknown>, box: Proc, ref: Ref) => Pid | Promise<Pid>;

function spawnLinked(fn: TaskFn<unknown>, box: Proc, ref: Ref): Pid {
  const proc = spawnTask(fn, box, ref);
  linkProcs(box, proc);
  return proc.pid;
}

type Settings = Required<AsyncStreamOptions>;

/** A task of the stream, from its start until its DOWN was handled. */
class Running implements Expirable {
  deadline = 0;
  settled = false;
  timedOut = false;
  reply: StreamResult<unknown> | undefined = undefined;

  constructor(
    readonly index: number,
    readonly pid: Pid,
    readonly box: Proc,
  ) {}

  /** The time limit ran out: kill the task (its DOWN then says `"killed"`). */
  expire(): void {
    this.timedOut = true;
    this.kill();
  }

  /** Unlinked first: the kill must not reach the stream's mailbox process. */
  kill(): void {
    const proc = lookup(this.pid);
    if (proc === undefined) return;
    unlinkProcs(this.box, proc);
    exitSignal(proc, this.box.pid, "kill", true);
  }
}

/**
 * The stream's loop, run by whoever iterates. Its tasks are linked to a private mailbox process
 * that is linked to the caller and traps exits when the caller does (Elixir's stream monitor): a
 * task that crashes takes the caller down, or, for a caller that traps exits (and outside any
 * process), is emitted as `["exit", reason]`. The caller never gets the tasks' own EXIT messages.
 */
async function* run(
  items: Iterable<unknown> | AsyncIterable<unknown>,
  fn: (item: unknown) => unknown,
  o: Settings,
  spawner: TaskSpawner,
): AsyncGenerator<StreamResult<unknown>> {
  const caller = currentProc();
  const box = privateMailbox();
  box.trapExit = caller === undefined || caller.trapExit;
  box.rejectOnExit = true;
  const running = new Map<Ref, Running>();
  const stopTasks = (): void => {
    for (const t of running.values()) {
      t.settled = true;
      t.kill();
    }
    running.clear();
  };
  // The caller ending (even "normal", which a link ignores) ends the stream and its tasks.
  const onCallerExit: ExitHook = (_proc, reason) => {
    stopTasks();
    terminate(box, reason);
  };
  if (caller?.alive === true) {
    linkProcs(caller, box);
    caller.onExit(onCallerExit);
  }
  const source = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  let sourceDone = false;
  let pulled = 0;
  let emitted = 0;
  const finished = new Map<number, StreamResult<unknown>>();
  const ready: Array<StreamResult<unknown>> = [];
  try {
    for (;;) {
      // Results first, as Elixir delivers before it spawns more: a consumer that stops pulling
      // after a result leaves the source untouched.
      if (o.ordered) {
        for (let r = finished.get(emitted); r !== undefined; r = finished.get(emitted)) {
          finished.delete(emitted++);
          yield r;
        }
      } else {
        while (ready.length > 0) yield ready.shift()!;
      }
      while (running.size < o.maxConcurrency && !sourceDone) {
        const next = await source.next();
        if (next.done === true) sourceDone = true;
        else await startTask(next.value, pulled++);
      }
      if (running.size === 0) {
        if (sourceDone && finished.size === 0 && ready.length === 0) return;
        continue;
      }
      const msg = await receiveIn(box, undefined, Infinity);
      const result = taskMessage(msg);
      if (result === undefined) continue;
      if (o.ordered) finished.set(result[0], result[1]);
      else ready.push(result[1]);
    }
  } finally {
    stopTasks();
    if (caller !== undefined) {
      caller.offExit(onCallerExit);
      unlinkProcs(caller, box);
    }
    terminate(box, "normal");
    if (!sourceDone) await source.return?.();
  }

  async function startTask(item: unknown, index: number): Promise<void> {
    const ref = makeRef();
    const pid = await spawner(() => fn(item), box, ref);
    const t = new Running(index, pid, box);
    running.set(ref, t);
    if (o.timeoutMs !== Infinity) addDeadline(t, o.timeoutMs);
  }

  /** A reply is kept until its task's DOWN; the DOWN gives the item's result. EXITs are dropped. */
  function taskMessage(msg: unknown): readonly [number, StreamResult<unknown>] | undefined {
    if (!Array.isArray(msg)) return undefined;
    if (msg.length === 2) {
      const t = running.get(msg[0] as Ref);
      if (t !== undefined) t.reply = ["ok", msg[1]];
      return undefined;
    }
    if (msg.length !== 5 || msg[0] !== "DOWN") return undefined;
    const t = running.get(msg[1] as Ref);
    if (t === undefined) return undefined;
    running.delete(msg[1] as Ref);
    t.settled = true;
    if (o.timeoutMs !== Infinity) trimDeadlines(o.timeoutMs);
    if (t.reply !== undefined) return [t.index, t.reply];
    if (!t.timedOut || msg[4] !== "killed") return [t.index, ["exit", msg[4]]];
    if (o.onTimeout === "kill_task") return [t.index, ["exit", "timeout"]];
    stopTasks();
    throw caller === undefined ? new TimeoutError(o.timeoutMs, "Task.asyncStream") : ["timeout", ["Task.asyncStream", [o.timeoutMs]]];
  }
}

function isIterable(items: unknown): items is Iterable<unknown> | AsyncIterable<unknown> {
  if (items === null || (typeof items !== "object" && typeof items !== "string")) return false;
  const it = items as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown };
  return typeof it[Symbol.asyncIterator] === "function" || typeof it[Symbol.iterator] === "function";
}

const ACCEPTED = "{ maxConcurrency?, ordered?, timeoutMs?, onTimeout? }";

function checkStreamOptions(options: AsyncStreamOptions): Settings {
  if (!isPlainObject(options as unknown)) throw new OptionsError("options", options, ACCEPTED);
  for (const key of Object.keys(options)) {
    if (!["maxConcurrency", "ordered", "timeoutMs", "onTimeout"].includes(key)) {
      throw new OptionsError(key, (options as Record<string, unknown>)[key], `no such option (known: ${ACCEPTED})`);
    }
  }
  const { maxConcurrency = os.availableParallelism(), ordered = true, timeoutMs = 5000, onTimeout = "exit" } = options;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
    throw new OptionsError("maxConcurrency", maxConcurrency, "a positive integer");
  }
  if (typeof ordered !== "boolean") throw new OptionsError("ordered", ordered, "a boolean");
  checkTimeout(timeoutMs);
  if (onTimeout !== "exit" && onTimeout !== "kill_task") throw new OptionsError("onTimeout", onTimeout, '"exit" or "kill_task"');
  return { maxConcurrency, ordered, timeoutMs, onTimeout };
}
