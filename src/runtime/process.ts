/**
 * Processes: the record behind every Pid, spawning, the current-process context, exit signals and
 * the death of a process (links, monitors, names and timers released in one place).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { ExitError, NoProcessContextError } from "./errors.ts";
import { isNormalReason, reportCrash } from "./logger.ts";
import { Mailbox } from "./mailbox.ts";
import { makePid, Pid, type Ref } from "./pid.ts";
import { schedule, type Runnable } from "./scheduler.ts";

/** An exit signal seen by a process that traps exits. */
export type ExitMessage = readonly ["EXIT", Pid, unknown];
/** What a monitor delivers when its target ends. */
export type DownMessage = readonly ["DOWN", Ref, "process", unknown, unknown];

/** A pending selective receive. */
export interface Waiter {
  readonly match: ((msg: unknown) => unknown) | undefined;
  /** How many messages from the head this waiter has already looked at. */
  scanned: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
  timer: { cancel(): void } | undefined;
}

/** Something to tear down when a process ends: a name, a pending call, an Inbox's waiters. */
export type ExitHook = (proc: Proc, reason: unknown) => void;

/** The record behind a Pid. Internal: users only ever hold the Pid. */
export class Proc implements Runnable {
  readonly pid = makePid();
  readonly mailbox = new Mailbox();
  alive = true;
  scheduled = false;
  trapExit = false;
  exitReason: unknown = undefined;
  registeredName: string | undefined = undefined;
  /** Linked processes. */
  readonly links = new Set<Proc>();
  /** Monitors this process holds: ref → target (undefined when the target was already gone). */
  readonly monitors = new Map<Ref, Proc>();
  /** Monitors others hold on this process: ref → watcher. */
  readonly monitoredBy = new Map<Ref, Proc>();
  waiters: Waiter[] = [];
  exitHooks: Set<ExitHook> | undefined = undefined;
  /** Pending receives reject with the exit reason instead of never settling (an Inbox). */
  rejectOnExit = false;
  /** What runs when the process is first scheduled; cleared once it started. */
  body: (() => unknown) | undefined = undefined;
  /** Behaviour-specific introspection, set by GenServer/GenStatem. */
  behaviour: unknown = undefined;

  run(): void {
    if (!this.alive) return;
    const body = this.body;
    if (body !== undefined) {
      this.body = undefined;
      current.run(this, startBody, this, body);
    }
    if (this.waiters.length !== 0) serveWaiters(this);
  }

  onExit(hook: ExitHook): void {
    (this.exitHooks ??= new Set()).add(hook);
  }

  offExit(hook: ExitHook): void {
    this.exitHooks?.delete(hook);
  }
}

/** The process whose code is running, in every async continuation of it. */
export const current = new AsyncLocalStorage<Proc>();

/** The live processes, by Pid. */
export const table = new Map<Pid, Proc>();

/**
 * Stands for code outside any process when it sends an exit signal or calls a server:
 * trapping processes see it as the sender.
 */
export const OUTSIDE: Pid = makePid();

export function currentProc(): Proc | undefined {
  return current.getStore();
}

export function requireProc(operation: string): Proc {
  const proc = current.getStore();
  if (proc === undefined) throw new NoProcessContextError(operation);
  return proc;
}

export function lookup(pid: Pid): Proc | undefined {
  return table.get(pid);
}

/** Creates a process record; `body` runs on the next scheduler turn, never inside the caller. */
export function createProc(body?: () => unknown): Proc {
  const proc = new Proc();
  table.set(proc.pid, proc);
  if (body !== undefined) {
    proc.body = body;
    schedule(proc);
  }
  return proc;
}

/** Appends `msg` to `proc`'s mailbox and wakes it if it waits. Sender order is mailbox order. */
export function deliver(proc: Proc, msg: unknown): void {
  if (!proc.alive) return;
  proc.mailbox.push(msg);
  if (proc.waiters.length !== 0) schedule(proc);
}

/** Links two live processes. */
export function linkProcs(a: Proc, b: Proc): void {
  if (a === b) return;
  a.links.add(b);
  b.links.add(a);
}

/**
 * An exit signal from `from` reaches `target`. `direct` is true for `exit(pid, reason)` (where
 * `"kill"` cannot be trapped) and false for signals propagated through links.
 */
export function exitSignal(target: Proc, from: Pid, reason: unknown, direct: boolean): void {
  if (!target.alive) return;
  if (direct && reason === "kill") {
    terminate(target, "killed");
  } else if (target.trapExit) {
    deliver(target, ["EXIT", from, reason] satisfies ExitMessage);
  } else if (reason !== "normal") {
    terminate(target, reason);
  } else if (from === target.pid) {
    terminate(target, "normal");
  }
}

/**
 * Ends `proc` with `reason`: releases its names and timers, signals its links and fires its
 * monitors. Runs synchronously, so `isAlive` is false as soon as the signal was sent.
 */
export function terminate(proc: Proc, reason: unknown): void {
  if (!proc.alive) return;
  proc.alive = false;
  proc.exitReason = reason;
  table.delete(proc.pid);
  proc.body = undefined;
  const waiters = proc.waiters;
  proc.waiters = [];
  for (const w of waiters) {
    w.timer?.cancel();
    if (proc.rejectOnExit) w.reject(new ExitError(reason, proc.pid));
  }
  proc.mailbox.clear();
  const hooks = proc.exitHooks;
  proc.exitHooks = undefined;
  if (hooks !== undefined) for (const hook of hooks) hook(proc, reason);
  for (const [ref, target] of proc.monitors) target.monitoredBy.delete(ref);
  proc.monitors.clear();
  for (const linked of proc.links) {
    linked.links.delete(proc);
    exitSignal(linked, proc.pid, reason, false);
  }
  proc.links.clear();
  for (const [ref, watcher] of proc.monitoredBy) {
    watcher.monitors.delete(ref);
    deliver(watcher, ["DOWN", ref, "process", proc.pid, reason] satisfies DownMessage);
  }
  proc.monitoredBy.clear();
}

function startBody(proc: Proc, body: () => unknown): void {
  let result: unknown;
  try {
    result = body();
  } catch (err) {
    bodyThrew(proc, err);
    return;
  }
  if (isThenable(result)) {
    result.then(
      () => terminate(proc, "normal"),
      (err: unknown) => bodyThrew(proc, err),
    );
  } else {
    terminate(proc, "normal");
  }
}

function bodyThrew(proc: Proc, reason: unknown): void {
  if (!proc.alive) return;
  if (!isNormalReason(reason)) reportCrash({ pid: String(proc.pid), name: proc.registeredName, reason });
  terminate(proc, reason);
}

/**
 * Hands waiting receives the messages that match them, oldest waiter first. A waiter only looks
 * at messages that arrived since it last looked.
 */
function serveWaiters(proc: Proc): void {
  const mailbox = proc.mailbox;
  for (let w = 0; w < proc.waiters.length; w++) {
    const waiter = proc.waiters[w]!;
    for (let i = waiter.scanned; i < mailbox.length; i++) {
      let value: unknown;
      try {
        value = waiter.match === undefined ? mailbox.at(i) : waiter.match(mailbox.at(i));
      } catch (err) {
        settleWaiter(proc, w--, waiter);
        waiter.reject(err);
        break;
      }
      if (value !== undefined) {
        removeMessage(proc, i);
        settleWaiter(proc, w--, waiter);
        waiter.resolve(value);
        break;
      }
      waiter.scanned = i + 1;
    }
  }
}

/** Removes a message, keeping every other waiter's scan position on the same messages. */
export function removeMessage(proc: Proc, index: number): unknown {
  for (const other of proc.waiters) if (other.scanned > index) other.scanned--;
  return proc.mailbox.removeAt(index);
}

export function settleWaiter(proc: Proc, index: number, waiter: Waiter): void {
  proc.waiters.splice(index, 1);
  waiter.timer?.cancel();
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
