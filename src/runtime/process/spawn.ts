/** Starting processes, and the functions that act on the current process or on a Pid. */
import { OptionsError } from "../errors.ts";
import { isPid, makeRef, type Pid, type Ref } from "./pid.ts";
import {
  bodyStart,
  createProc,
  currentProc,
  exitSignal,
  linkProcs,
  lookup,
  OUTSIDE,
  requireProc,
} from "./process.ts";
import { monitorProc } from "./monitors.ts";

/** A process body: runs once; its result settling ends the process. */
export type ProcessBody = () => unknown;

/**
 * Starts a process running `fn`. The process exits `"normal"` when `fn` returns or its promise
 * resolves, and with the thrown value when it throws or rejects. `fn` runs on a later turn, never
 * inside the caller.
 */
export function spawn(fn: ProcessBody): Pid {
  checkBody(fn);
  return createProc(bodyStart(fn)).pid;
}

/** Like `spawn`, linked to the calling process (outside a process it is `spawn`). */
export function spawnLink(fn: ProcessBody): Pid {
  checkBody(fn);
  const parent = currentProc();
  const proc = createProc(bodyStart(fn));
  if (parent?.alive) linkProcs(parent, proc);
  return proc.pid;
}

/**
 * Like `spawn`, monitored by the calling process: it receives `["DOWN", ref, "process", pid, reason]`.
 * @throws NoProcessContextError outside a process.
 */
export function spawnMonitor(fn: ProcessBody): [Pid, Ref] {
  checkBody(fn);
  const watcher = requireProc("spawnMonitor");
  const proc = createProc(bodyStart(fn));
  const ref = makeRef();
  monitorProc(watcher, proc, ref);
  return [proc.pid, ref];
}

/**
 * The Pid of the process running this code, in any async continuation of it.
 * @throws NoProcessContextError outside a process.
 */
export function self(): Pid {
  return requireProc("self").pid;
}

/**
 * Sends an exit signal to `pid`. `"kill"` cannot be trapped and ends the target with `"killed"`;
 * `"normal"` is ignored unless the target traps exits (or is the caller itself); a trapping target
 * receives `["EXIT", sender, reason]`. A dead `pid` is ignored.
 */
export function exit(pid: Pid, reason: unknown): void {
  if (!isPid(pid)) throw new OptionsError("pid", pid, "a Pid");
  const target = lookup(pid);
  const from = currentProc()?.pid ?? OUTSIDE;
  if (target !== undefined) exitSignal(target, from, reason, true);
  else pid.home?.route(["exit", from, pid, reason, false]);
}

/**
 * Makes the current process receive exit signals as `["EXIT", pid, reason]` messages (except
 * `"kill"`), or stop doing so. Returns the previous setting.
 * @throws NoProcessContextError outside a process.
 */
export function trapExit(on: boolean): boolean {
  const proc = requireProc("trapExit");
  const previous = proc.trapExit;
  proc.trapExit = on === true;
  return previous;
}

/**
 * True while the process behind `pid` runs on this node. Like Erlang's `is_process_alive`, it
 * cannot answer for a process of another node: there it is false (monitor such a process instead).
 */
export function isAlive(pid: Pid): boolean {
  return isPid(pid) && lookup(pid) !== undefined;
}

function checkBody(fn: unknown): void {
  if (typeof fn !== "function") throw new OptionsError("fn", fn, "a function");
}

