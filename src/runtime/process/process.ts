/**
 * Processes: the record behind every Pid, spawning, the current-process context, exit signals and
 * the death of a process (links, monitors, names and timers released in one place).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { ExitError, NoProcessContextError } from "../errors.ts";
import { isNormalReason, reportCrash } from "../logger.ts";
import type { Mailbox } from "./mailbox.ts";
import { ProcFields, type Waiter } from "./proc-fields.ts";
import { makePid, Pid, type Ref } from "./pid.ts";
import { drainNow, schedule, type Runnable } from "./scheduler.ts";
import { isPromiseLike } from "../predicates.ts";

/**
 * An exit signal as a process that traps exits receives it: `["EXIT", from, reason]`, where `from`
 * is the linked process that exited (or the sender of `exit(pid, reason)`; a placeholder Pid when
 * sent from outside any process) and `reason` its exit reason.
 */
export type ExitMessage = readonly ["EXIT", Pid, unknown];
/**
 * What a monitor delivers, once, when its target ends: `["DOWN", ref, "process", target, reason]`,
 * where `ref` is what `monitor` returned, `target` the monitored Pid (or the name given to
 * `monitor` when nothing answered to it), and `reason` the exit reason (`"noproc"` when the target
 * was already gone).
 */
export type DownMessage = readonly ["DOWN", Ref, "process", unknown, unknown];

export type { Waiter } from "./proc-fields.ts";

/**
 * Something to tear down when a process ends: a name, a timer, a pending call. An object with
 * `procExited` lets a record that already exists (a call) be its own hook, without a closure.
 */
export type ExitHook = ((proc: Proc, reason: unknown) => void) | { procExited(proc: Proc, reason: unknown): void };

/** The record behind a Pid (users only ever hold the Pid); its own mailbox, one object less. */
export class Proc extends ProcFields<Proc> implements Runnable {
  readonly pid = makePid();
  /** One hook is kept as it is; a Set only once there are several. */
  exitHooks: ExitHook | Set<ExitHook> | undefined = undefined;
  /** What runs (as this process) when it is first scheduled; cleared once it ran. */
  start: ((proc: Proc) => void) | undefined = undefined;
  /**
   * The behaviour object this process runs (a BehaviourProcess, which this layer does not know),
   * for introspection; undefined for a plain process. A field rather than a WeakMap entry: a
   * third of the size, and it goes with the record.
   */
  behaviour: object | undefined = undefined;

  /** The queued messages. */
  get mailbox(): Mailbox {
    return this;
  }

  run(): void {
    if (!this.alive) return;
    const start = this.start;
    if (start !== undefined) {
      this.start = undefined;
      current.run(this, start, this);
    }
    if (this.waiting) serveWaiters(this);
  }

  onExit(hook: ExitHook): void {
    const hooks = this.exitHooks;
    if (hooks === undefined) this.exitHooks = hook;
    else if (hooks instanceof Set) hooks.add(hook);
    else if (hooks !== hook) this.exitHooks = new Set([hooks, hook]);
  }

  offExit(hook: ExitHook): void {
    const hooks = this.exitHooks;
    if (hooks === hook) this.exitHooks = undefined;
    else if (hooks instanceof Set && hooks.delete(hook) && hooks.size === 1) {
      // Back to one hook: a Set with its table costs about 190 bytes, and a behaviour's start
      // leaves one behind (its early-exit hook goes once init returned, the behaviour's stays).
      this.exitHooks = hooks.values().next().value;
    }
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

/**
 * Runs `fn` as code outside any process. Every async resource Node creates while some process
 * runs (a socket's handle, a request) keeps that process record for its lifetime, a property of
 * the handle: a long-lived socket whose events only deliver messages has no use for it, and an
 * idle connection then costs 24 bytes less. Its callbacks see no current process.
 */
export function outsideProcess<T>(fn: () => T): T {
  return current.exit(fn);
}

export function requireProc(operation: string): Proc {
  const proc = current.getStore();
  if (proc === undefined) throw new NoProcessContextError(operation);
  return proc;
}

export function lookup(pid: Pid): Proc | undefined {
  return table.get(pid);
}

/**
 * Creates a process record; `start` runs as the process on a later scheduler turn, never inside
 * the caller. Without `start` the process only has a mailbox (an Inbox).
 */
export function createProc(start?: (proc: Proc) => void): Proc {
  const proc = new Proc();
  table.set(proc.pid, proc);
  if (start !== undefined) {
    proc.start = start;
    schedule(proc);
  }
  return proc;
}

/** A start function that runs `body` and ends the process when it settles (spawn's processes). */
export function bodyStart(body: () => unknown): (proc: Proc) => void {
  return (proc) => startBody(proc, body);
}

/** Appends `msg` to `proc`'s mailbox and wakes it if it waits. Sender order is mailbox order. */
export function deliver(proc: Proc, msg: unknown): void {
  if (!proc.alive) return;
  proc.mailbox.push(msg);
  if (proc.waiting) schedule(proc);
}

/**
 * `deliver` for a message that I/O hands in from outside every process (a socket's event): the
 * receiver, if it waits, runs at once, inside the I/O callback (drainNow), unless the scheduler is
 * busy. Code that runs as a process must use `deliver`.
 */
export function deliverFromIo(proc: Proc, msg: unknown): void {
  deliver(proc, msg);
  if (current.getStore() === undefined) drainNow();
}

/** `deliver` for a cast: the mailbox keeps its bare message (see Mailbox). */
export function deliverCast(proc: Proc, msg: unknown): void {
  if (!proc.alive) return;
  proc.mailbox.pushCast(msg);
  if (proc.waiting) schedule(proc);
}

/** Links two live local processes. */
export function linkProcs(a: Proc, b: Proc): void {
  if (a === b) return;
  (a.links ??= new Set()).add(b);
  (b.links ??= new Set()).add(a);
}

/** Removes the link between two processes, if any. */
export function unlinkProcs(a: Proc, b: Proc): void {
  a.links?.delete(b);
  b.links?.delete(a);
}

/** `watcher` monitors `target` under `ref`. */
export function addMonitor(watcher: Proc, target: Proc, ref: Ref): void {
  (watcher.monitors ??= new Map()).set(ref, target);
  (target.monitoredBy ??= new Map()).set(ref, watcher);
}

/** Removes the monitor `ref` held by `watcher`; false when it no longer exists. */
export function removeMonitor(watcher: Proc, ref: Ref): boolean {
  const target = watcher.monitors?.get(ref);
  if (target === undefined) return false;
  watcher.monitors!.delete(ref);
  if (target instanceof Proc) target.monitoredBy?.delete(ref);
  else target.route(["demonitor", watcher.pid, ref]);
  return true;
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
 * Exit signals to linked processes, waiting for the outermost `terminate` to send them. A work
 * list instead of recursion: a chain of thousands of linked processes would otherwise overflow the
 * stack halfway, leaving processes marked dead whose links never fired.
 */
let linkSignals: Array<readonly [Proc, Pid, unknown]> = [];
let sendingLinkSignals = false;

/**
 * Ends `proc` with `reason`: releases its names and timers, signals its links and fires its
 * monitors. Runs synchronously, so `isAlive` is false as soon as the signal was sent, for every
 * process the exit takes down through links as well.
 */
export function terminate(proc: Proc, reason: unknown): void {
  if (!proc.alive) return;
  proc.alive = false;
  proc.exitReason = reason;
  table.delete(proc.pid);
  proc.start = undefined;
  for (const w of proc.takeWaiters()) {
    w.timer?.cancel();
    if (proc.rejectOnExit) w.reject(new ExitError(reason, proc.pid));
  }
  proc.mailbox.clear();
  const hooks = proc.exitHooks;
  proc.exitHooks = undefined;
  if (hooks instanceof Set) for (const hook of hooks) runHook(hook, proc, reason);
  else if (hooks !== undefined) runHook(hooks, proc, reason);
  const { monitors, links, monitoredBy } = proc;
  proc.monitors = proc.links = proc.monitoredBy = undefined;
  // Whatever is not a Proc lives on another node: the signal goes through its Home.
  if (monitors !== undefined) {
    for (const [ref, target] of monitors) {
      if (target instanceof Proc) target.monitoredBy?.delete(ref);
      else target.route(["demonitor", proc.pid, ref]);
    }
  }
  if (links !== undefined) {
    for (const linked of links) {
      if (linked instanceof Proc) {
        linked.links?.delete(proc);
        linkSignals.push([linked, proc.pid, reason]);
      } else {
        linked.home?.route(["exit", proc.pid, linked, reason, true]);
      }
    }
  }
  if (monitoredBy !== undefined) {
    for (const [ref, watcher] of monitoredBy) {
      if (watcher instanceof Proc) {
        watcher.monitors?.delete(ref);
        deliver(watcher, ["DOWN", ref, "process", proc.pid, reason] satisfies DownMessage);
      } else {
        watcher.home?.route(["down", watcher, ref, reason]);
      }
    }
  }
  if (sendingLinkSignals) return;
  sendingLinkSignals = true;
  try {
    // Signals sent here may end more processes, which queue theirs behind.
    for (let i = 0; i < linkSignals.length; i++) {
      const [target, from, why] = linkSignals[i]!;
      exitSignal(target, from, why, false);
    }
  } finally {
    linkSignals = [];
    sendingLinkSignals = false;
  }
}

function runHook(hook: ExitHook, proc: Proc, reason: unknown): void {
  if (typeof hook === "function") hook(proc, reason);
  else hook.procExited(proc, reason);
}

function startBody(proc: Proc, body: () => unknown): void {
  let result: unknown;
  try {
    result = body();
  } catch (err) {
    bodyThrew(proc, err);
    return;
  }
  if (isPromiseLike(result)) {
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
  // A waiter that is served may wait again at once (a behaviour's loop); it is served next turn.
  let count = proc.waiterCount;
  for (let w = 0; w < count && proc.alive; w++) {
    const waiter = proc.waiterAt(w);
    for (let i = waiter.scanned; i < mailbox.length; i++) {
      let value: unknown;
      try {
        value = waiter.match === undefined ? mailbox.at(i) : waiter.match(mailbox.at(i));
      } catch (err) {
        settleWaiter(proc, w--, waiter);
        count--;
        waiter.reject(err);
        break;
      }
      if (value !== undefined) {
        removeMessage(proc, i);
        settleWaiter(proc, w--, waiter);
        count--;
        waiter.resolve(value);
        break;
      }
      waiter.scanned = i + 1;
    }
  }
}

/** Removes a message, keeping every other waiter's scan position on the same messages. */
export function removeMessage(proc: Proc, index: number): unknown {
  for (let w = proc.waiterCount - 1; w >= 0; w--) {
    const other = proc.waiterAt(w);
    if (other.scanned > index) other.scanned--;
  }
  return proc.mailbox.removeAt(index);
}

export function settleWaiter(proc: Proc, index: number, waiter: Waiter): void {
  proc.removeWaiterAt(index);
  waiter.timer?.cancel();
}

