/**
 * The fields of a process record behind accessors, packed for idle memory: four flags in one
 * number, the pending receives without an array while one waits, and links, monitors, the
 * registered name and the exit reason in one record made when the first of them is set (most
 * processes never link, monitor or register). `P` is the process
 * record itself (process.ts), a parameter so this file needs nothing from it.
 */
import { Mailbox } from "./mailbox.ts";
import type { Home, Pid, Ref } from "./pid.ts";

const ALIVE = 1;
const SCHEDULED = 2;
const TRAP_EXIT = 4;
const REJECT_ON_EXIT = 8;

/** A pending selective receive. */
export interface Waiter {
  readonly match: ((msg: unknown) => unknown) | undefined;
  /** How many messages from the head this waiter has already looked at. */
  scanned: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
  timer: { cancel(): void } | undefined;
}

/** Proc extends this (and, through it, Mailbox: a process is its own mailbox). */
export abstract class ProcFields<P> extends Mailbox {
  #flags = ALIVE;
  #ties: Ties<P> | undefined = undefined;
  /**
   * Pending receives, oldest first: the one waiter as it is, an array only while several wait.
   * An idle behaviour waits alone for ever, and a one-slot array would cost it 56 bytes.
   */
  #waiting: Waiter | Waiter[] | undefined = undefined;

  /** True while a receive waits. */
  get waiting(): boolean {
    return this.#waiting !== undefined;
  }

  /** How many receives wait. */
  get waiterCount(): number {
    const w = this.#waiting;
    return w === undefined ? 0 : Array.isArray(w) ? w.length : 1;
  }

  /** The waiter at `index` (0: the oldest), which must exist. */
  waiterAt(index: number): Waiter {
    const w = this.#waiting!;
    return Array.isArray(w) ? w[index]! : w;
  }

  /** Where `waiter` is among the waiters, -1 when it does not wait. */
  indexOfWaiter(waiter: Waiter): number {
    const w = this.#waiting;
    return Array.isArray(w) ? w.indexOf(waiter) : w === waiter ? 0 : -1;
  }

  /** Adds a waiter after the others. */
  addWaiter(waiter: Waiter): void {
    const w = this.#waiting;
    if (w === undefined) this.#waiting = waiter;
    else if (Array.isArray(w)) w.push(waiter);
    else this.#waiting = [w, waiter];
  }

  /** Removes the waiter at `index`, which must exist. */
  removeWaiterAt(index: number): void {
    const w = this.#waiting;
    if (!Array.isArray(w)) this.#waiting = undefined;
    else {
      w.splice(index, 1);
      // Back to one: it is kept as it is again.
      if (w.length === 1) this.#waiting = w[0];
    }
  }

  /** Removes every waiter and returns them, oldest first. */
  takeWaiters(): readonly Waiter[] {
    const w = this.#waiting;
    this.#waiting = undefined;
    return w === undefined ? [] : Array.isArray(w) ? w : [w];
  }

  /** False once the process ended. */
  get alive(): boolean {
    return (this.#flags & ALIVE) !== 0;
  }
  set alive(on: boolean) {
    this.#flags = on ? this.#flags | ALIVE : this.#flags & ~ALIVE;
  }

  /** Queued to run on the scheduler. */
  get scheduled(): boolean {
    return (this.#flags & SCHEDULED) !== 0;
  }
  set scheduled(on: boolean) {
    this.#flags = on ? this.#flags | SCHEDULED : this.#flags & ~SCHEDULED;
  }

  /** Exit signals arrive as messages instead of ending the process. */
  get trapExit(): boolean {
    return (this.#flags & TRAP_EXIT) !== 0;
  }
  set trapExit(on: boolean) {
    this.#flags = on ? this.#flags | TRAP_EXIT : this.#flags & ~TRAP_EXIT;
  }

  /** Pending receives reject with the exit reason instead of never settling (an Inbox). */
  get rejectOnExit(): boolean {
    return (this.#flags & REJECT_ON_EXIT) !== 0;
  }
  set rejectOnExit(on: boolean) {
    this.#flags = on ? this.#flags | REJECT_ON_EXIT : this.#flags & ~REJECT_ON_EXIT;
  }

  /** Why the process ended; undefined while it runs. */
  get exitReason(): unknown {
    return this.#ties?.exitReason;
  }
  set exitReason(reason: unknown) {
    if (reason !== undefined || this.#ties !== undefined) (this.#ties ??= new Ties()).exitReason = reason;
  }

  /** The name the process is registered under, if any. */
  get registeredName(): string | undefined {
    return this.#ties?.registeredName;
  }
  set registeredName(name: string | undefined) {
    if (name !== undefined || this.#ties !== undefined) (this.#ties ??= new Ties()).registeredName = name;
  }

  /** Linked processes: local ones by record, those of other nodes by Pid. */
  get links(): Set<P | Pid> | undefined {
    return this.#ties?.links;
  }
  set links(links: Set<P | Pid> | undefined) {
    if (links !== undefined || this.#ties !== undefined) (this.#ties ??= new Ties()).links = links;
  }

  /** Monitors this process holds: ref → target, or the node of a target on another node. */
  get monitors(): Map<Ref, P | Home> | undefined {
    return this.#ties?.monitors;
  }
  set monitors(monitors: Map<Ref, P | Home> | undefined) {
    if (monitors !== undefined || this.#ties !== undefined) (this.#ties ??= new Ties()).monitors = monitors;
  }

  /** Monitors others hold on this process: ref → watcher (a Pid when it is on another node). */
  get monitoredBy(): Map<Ref, P | Pid> | undefined {
    return this.#ties?.monitoredBy;
  }
  set monitoredBy(monitoredBy: Map<Ref, P | Pid> | undefined) {
    if (monitoredBy !== undefined || this.#ties !== undefined) (this.#ties ??= new Ties()).monitoredBy = monitoredBy;
  }
}

/** The rarely set part of a process record; its collections are created on first use. */
class Ties<P> {
  exitReason: unknown = undefined;
  registeredName: string | undefined = undefined;
  links: Set<P | Pid> | undefined = undefined;
  monitors: Map<Ref, P | Home> | undefined = undefined;
  monitoredBy: Map<Ref, P | Pid> | undefined = undefined;
}
