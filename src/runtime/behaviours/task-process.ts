/**
 * What runs inside a task and how its owner hears from it, shared by `Task`, `Task.asyncStream`
 * and `TaskSupervisor`: the task process sends `[ref, result]` to its owner, and the owner's
 * monitor (under the same `ref`) delivers `["DOWN", ref, "process", pid, reason]` when it ends, as
 * Elixir's tasks do.
 */
import { OptionsError } from "../errors.ts";
import type { Ref } from "../process/pid.ts";
import {
  addMonitor,
  bodyStart,
  createProc,
  deliver,
  type ExitHook,
  type Proc,
  removeMessage,
  removeMonitor,
  table,
} from "../process/process.ts";

/** The function a task runs: its result, or what the promise it returns resolves to, is the task's reply. */
export type TaskFn<T> = () => T;

/**
 * Starts a task process running `fn`. With an `owner`, the owner monitors the task under `ref` and
 * gets `[ref, result]` when `fn` returns, unless it stopped monitoring first (an `await` that timed
 * out): a late reply is dropped, like a reply to a deactivated alias in Erlang.
 * A throw ends the task with the thrown value as its exit reason (with a crash report).
 */
export function spawnTask(fn: TaskFn<unknown>, owner: Proc | undefined, ref: Ref | undefined): Proc {
  const proc = createProc(
    bodyStart(async () => {
      const result = await fn();
      if (owner !== undefined && ref !== undefined && owner.monitors?.get(ref) === proc) deliver(owner, [ref, result]);
    }),
  );
  if (owner !== undefined && ref !== undefined) addMonitor(owner, proc, ref);
  return proc;
}

/** Starts a process running `fn`, with `onExit` as its exit hook (streams learn of their tasks' ends so). */
export function spawnWatched(fn: TaskFn<unknown>, onExit: ExitHook): Proc {
  const proc = createProc(bodyStart(fn));
  proc.onExit(onExit);
  return proc;
}

/**
 * A mailbox for a task owned by code outside any process. It is left out of the process table:
 * nothing but its task can reach it, and it is garbage once the Task handle is dropped.
 */
export function privateMailbox(): Proc {
  const box = createProc();
  table.delete(box.pid);
  return box;
}

/** The reply or the DOWN of the task monitored under `ref`, as a receive matcher. */
export function taskEnd(ref: Ref): (msg: unknown) => TaskEnd | undefined {
  return (msg) => {
    if (!Array.isArray(msg)) return undefined;
    if (msg.length === 2 && msg[0] === ref) return ["reply", msg[1]];
    if (msg.length === 5 && msg[0] === "DOWN" && msg[1] === ref) return ["down", msg[4]];
    return undefined;
  };
}

/** How a task ended, as its owner saw it. */
export type TaskEnd = readonly ["reply", unknown] | readonly ["down", unknown];

/**
 * Stops watching the task under `ref`: drops the monitor and any reply or DOWN of it already
 * queued (Elixir's `demonitor(ref, [:flush])`, which also deactivates the reply alias).
 */
export function forgetTask(owner: Proc, ref: Ref): void {
  removeMonitor(owner, ref);
  const match = taskEnd(ref);
  const box = owner.mailbox;
  for (let i = box.length - 1; i >= 0; i--) if (match(box.at(i)) !== undefined) removeMessage(owner, i);
}

/** True while `owner` monitors the task under `ref`, or its reply or DOWN waits in `owner`'s mailbox. */
export function isWatched(owner: Proc, ref: Ref): boolean {
  if (owner.monitors?.has(ref) === true) return true;
  const match = taskEnd(ref);
  const box = owner.mailbox;
  for (let i = 0; i < box.length; i++) if (match(box.at(i)) !== undefined) return true;
  return false;
}

/** @throws OptionsError when `fn` is not a function. */
export function checkTaskFn(fn: unknown, option = "fn"): asserts fn is TaskFn<unknown> {
  if (typeof fn !== "function") throw new OptionsError(option, fn, "a function");
}
