/**
 * Read-only introspection of the process table, for the Observer: what a sampler may read of a
 * process between two events. Nothing here changes a process, and nothing runs unless called: a
 * program that never samples pays nothing. The supervisor and client rooms describe their own
 * processes (src/supervisor/introspection.ts, src/client/introspection.ts).
 */
import { type BehaviourProcess, behaviourOf } from "./behaviours/behaviour-process.ts";
import { StatemProcess } from "./behaviours/gen-statem-process.ts";
import type { Name } from "./names/names-types.ts";
import type { Pid } from "./process/pid.ts";
import { Proc, table } from "./process/process.ts";

/** One process as a sampler sees it. */
export interface ProcessSample {
  readonly pid: Pid;
  /** The local name it holds (`register`), if any. */
  readonly registeredName: string | undefined;
  /** Messages waiting in its mailbox. */
  readonly mailbox: number;
  readonly trapExit: boolean;
  /** True while a `receive` waits (for a behaviour: while it waits for its next message). */
  readonly waiting: boolean;
  readonly links: Pid[];
  /** Processes this one monitors. */
  readonly monitors: Pid[];
  /** Processes that monitor this one. */
  readonly monitoredBy: Pid[];
  /** Undefined for a plain process (spawn, an Inbox). */
  readonly behaviour: BehaviourSample | undefined;
}

/** What a behaviour process (GenServer, GenStatem, supervisor, client) adds. */
export interface BehaviourSample {
  /** The process object, for the supervisor and client rooms to describe. */
  readonly host: BehaviourProcess;
  /** The class it runs. */
  readonly module: string;
  /** The name it was started under, any form. */
  readonly name: Name | undefined;
  /** A state machine's current state (a client's connection state); undefined otherwise. */
  readonly state: unknown;
  readonly isStateMachine: boolean;
  readonly suspended: boolean;
  readonly tracing: boolean;
  /** True while a callback runs (an async one included); false while it waits for a message. */
  readonly busy: boolean;
  /** Messages handled since start: a rate is the difference between two samples. */
  readonly handled: number;
  /** The callback running now or, when idle, the last one that ran. */
  readonly callback: string;
}

/** The live processes, oldest first. */
export function liveProcesses(): IterableIterator<Proc> {
  return table.values();
}

/** How many processes are alive. */
export function processCount(): number {
  return table.size;
}

/** Reads `proc`: a few fields, and its links and monitors. */
export function sampleProcess(proc: Proc): ProcessSample {
  const bp = behaviourOf(proc);
  return {
    pid: proc.pid,
    registeredName: proc.registeredName,
    mailbox: proc.mailbox.length,
    trapExit: proc.trapExit,
    waiting: proc.waiting,
    // A process of another node is held by its Pid (links, watchers), or by its node (monitors).
    links: proc.links === undefined ? [] : [...proc.links].map(pidOf),
    monitors: proc.monitors === undefined ? [] : [...proc.monitors.values()].flatMap((t) => (t instanceof Proc ? [t.pid] : [])),
    monitoredBy: proc.monitoredBy === undefined ? [] : [...proc.monitoredBy.values()].map(pidOf),
    behaviour: bp === undefined ? undefined : sampleBehaviour(proc, bp),
  };
}

function pidOf(holder: Proc | Pid): Pid {
  return holder instanceof Proc ? holder.pid : holder;
}

/** The live process whose Pid prints as `text` (`"<0.42.0>"`), if any. */
export function findProcess(text: string): Pid | undefined {
  for (const pid of table.keys()) if (String(pid) === text) return pid;
  return undefined;
}

function sampleBehaviour(proc: Proc, bp: BehaviourProcess): BehaviourSample {
  const isStateMachine = bp instanceof StatemProcess;
  return {
    host: bp,
    module: bp.module.name,
    name: bp.name,
    state: isStateMachine ? bp.state : undefined,
    isStateMachine,
    suspended: bp.suspended,
    tracing: bp.tracing,
    // An idle behaviour is its own process's waiter (behaviour-process.ts).
    busy: proc.indexOfWaiter(bp) === -1,
    handled: bp.handled,
    callback: bp.callback,
  };
}
