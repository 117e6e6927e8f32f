/**
 * `Task.asyncStream`: a function mapped over items in tasks with bounded concurrency, as Elixir's
 * `Task.async_stream`. The stream is lazy: nothing runs until it is iterated, and items are pulled
 * from the source only while fewer than `maxConcurrency` tasks run.
 */
import os from "node:os";
import { ExitError, OptionsError, TimeoutError } from "../errors.ts";
import { isNormalReason } from "../logger.ts";
import { addDeadline, checkTimeout, type Expirable, trimDeadlines } from "../process/deadlines.ts";
import type { Pid } from "../process/pid.ts";
import { currentProc, exitSignal, type ExitHook, linkProcs, lookup, OUTSIDE, type Proc, unlinkProcs } from "../process/process.ts";
import { isPlainObject } from "../predicates.ts";
import { checkTaskFn, spawnWatched, type TaskFn } from "./task-process.ts";

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
 * Starts one task of a stream: a process running `fn`, with `onExit` as its exit hook (so no end
 * of a task can be missed, however fast), and linked to `linkTo` when given. TaskSupervisor's
 * streams start theirs as the supervisor's children.
 */
export type TaskSpawner = (fn: TaskFn<unknown>, linkTo: Proc | undefined, onExit: ExitHook) => Pid | Promise<Pid>;

function spawnLinked(fn: TaskFn<unknown>, linkTo: Proc | undefined, onExit: ExitHook): Pid {
  const proc = spawnWatched(fn, onExit);
  if (linkTo !== undefined) linkProcs(linkTo, proc);
  return proc.pid;
}

type Settings = Required<AsyncStreamOptions>;

/** A task of the stream, from its start until its end was emitted. */
class Running implements Expirable {
  deadline = 0;
  /** Ended, or stopped by the stream: the deadline no longer applies. */
  settled = false;
  timedOut = false;
  /** Killed by the stream itself (a break, an error): its end is not a result. */
  stopped = false;
  pid: Pid | undefined = undefined;
  reply: StreamResult<unknown> | undefined = undefined;

  constructor(
    readonly index: number,
    readonly stream: Stream,
  ) {}

  /** The time limit ran out: kill the task (it then ends with `"killed"`). */
  expire(): void {
    this.timedOut = true;
    this.kill();
  }

  kill(): void {
    const proc = this.pid === undefined ? undefined : lookup(this.pid);
    if (proc !== undefined) exitSignal(proc, this.stream.caller?.pid ?? OUTSIDE, "kill", true);
  }

  /**
   * The task's exit hook, run before its links fire. Unless the end is a crash that should take
   * the caller down (a caller that does not trap exits, and neither a timeout nor a stop), the
   * link to the caller is cut first, so the caller never sees the tasks' own EXIT signals.
   */
  procExited(proc: Proc, reason: unknown): void {
    const { caller } = this.stream;
    const crash = !isNormalReason(reason) && !this.timedOut && !this.stopped && caller?.trapExit === false;
    if (caller !== undefined && !crash) unlinkProcs(caller, proc);
    this.settled = true;
    if (this.stopped) return;
    this.stream.ended(this, reason);
  }
}

/** What the stream's loop and its tasks' exit hooks share. */
interface Stream {
  readonly caller: Proc | undefined;
  ended(t: Running, reason: unknown): void;
}

/**
 * The stream's loop, run by whoever iterates. Tasks are linked to the caller: a task that crashes
 * takes the caller down, or, for a caller that traps exits (and outside any process), is emitted
 * as `["exit", reason]`; the caller never gets the tasks' EXIT messages (Elixir gets the same
 * through a stream monitor process). A task's end reaches the loop through its exit hook.
 */
async function* run(
  items: Iterable<unknown> | AsyncIterable<unknown>,
  fn: (item: unknown) => unknown,
  o: Settings,
  spawner: TaskSpawner,
): AsyncGenerator<StreamResult<unknown>> {
  const running = new Set<Running>();
  /** Tasks started and not yet absorbed by the loop: what `maxConcurrency` bounds. */
  let inFlight = 0;
  /** Ends reported by exit hooks, waiting for the loop to absorb them (in the loop's own turn, as Elixir's receive). */
  const ends: Array<readonly [Running, unknown]> = [];
  const finished = new Map<number, StreamResult<unknown>>();
  const ready: Array<StreamResult<unknown>> = [];
  let failure: { readonly error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const stream: Stream = {
    caller: currentProc(),
    ended(t, reason) {
      running.delete(t);
      if (o.timeoutMs !== Infinity) trimDeadlines(o.timeoutMs);
      if (t.timedOut && reason === "killed" && t.reply === undefined && o.onTimeout === "exit") {
        return fail(stream.caller === undefined ? new TimeoutError(o.timeoutMs, "Task.asyncStream") : ["timeout", ["Task.asyncStream", [o.timeoutMs]]]);
      }
      ends.push([t, reason]);
      wakeUp();
    },
  };
  const absorb = (): void => {
    for (const [t, reason] of ends) {
      inFlight--;
      let result: StreamResult<unknown>;
      if (t.reply !== undefined && isNormalReason(reason)) result = t.reply;
      else if (t.timedOut && reason === "killed") result = ["exit", "timeout"];
      else result = ["exit", reason];
      if (o.ordered) finished.set(t.index, result);
      else ready.push(result);
    }
    ends.length = 0;
  };
  const wakeUp = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const stopTasks = (): void => {
    for (const t of running) {
      t.stopped = true;
      t.settled = true;
      t.kill();
    }
    running.clear();
  };
  const fail = (error: unknown): void => {
    failure ??= { error };
    stopTasks();
    wakeUp();
  };
  // The caller ending (even "normal", which a link ignores) ends the stream and its tasks.
  const onCallerExit: ExitHook = (_proc, reason) => fail(new ExitError(reason, stream.caller?.pid));
  const caller = stream.caller;
  if (caller !== undefined) caller.onExit(onCallerExit);
  const asyncSource = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : undefined;
  const syncSource = asyncSource === undefined ? (items as Iterable<unknown>)[Symbol.iterator]() : undefined;
  const source = (asyncSource ?? syncSource)!;
  let sourceDone = false;
  let pulled = 0;
  let emitted = 0;
  try {
    for (;;) {
      if (failure !== undefined) throw failure.error;
      absorb();
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
      while (inFlight < o.maxConcurrency && !sourceDone && failure === undefined) {
        // A sync source is read without an await per item.
        const next = syncSource !== undefined ? syncSource.next() : await asyncSource!.next();
        if (next.done === true) sourceDone = true;
        else {
          const started = startTask(next.value, pulled++);
          if (started !== undefined) await started;
        }
      }
      if (failure !== undefined) continue;
      if (inFlight === 0) {
        if (sourceDone && finished.size === 0 && ready.length === 0) return;
        continue;
      }
      if (ends.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stopTasks();
    caller?.offExit(onCallerExit);
    if (!sourceDone) await source.return?.();
  }

  function startTask(item: unknown, index: number): Promise<void> | undefined {
    const t = new Running(index, stream);
    running.add(t);
    inFlight++;
    const body = async (): Promise<void> => {
      t.reply = ["ok", await fn(item)];
    };
    const pid = spawner(body, caller?.alive === true ? caller : undefined, t);
    if (pid instanceof Promise) {
      return pid.then(
        (p) => armed(t, p),
        (err: unknown) => {
          running.delete(t);
          inFlight--;
          throw err;
        },
      );
    }
    armed(t, pid);
    return undefined;
  }

  function armed(t: Running, pid: Pid): void {
    t.pid = pid;
    if (!t.settled && o.timeoutMs !== Infinity) addDeadline(t, o.timeoutMs);
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
