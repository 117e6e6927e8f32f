/**
 * The run queue. A process is queued once, when it moves from idle to runnable, and run from a
 * microtask; after a budget of reductions in one turn of the event loop the rest waits for the next
 * turn (setImmediate), so a busy set of processes never starves I/O.
 */

/** Reductions (message deliveries) allowed per event-loop turn before yielding to I/O. */
const BUDGET = 2000;

export interface Runnable {
  scheduled: boolean;
  run(): void;
}

let queue: Runnable[] = [];
let head = 0;
let reductions = 0;
let drainPending = false;

/** Queue `proc` to run soon, unless it is already queued. */
export function schedule(proc: Runnable): void {
  if (proc.scheduled) return;
  proc.scheduled = true;
  queue.push(proc);
  if (!drainPending) {
    drainPending = true;
    if (reductions < BUDGET) queueMicrotask(drain);
    // Otherwise the pending newTurn() resumes the drain.
  }
}

/**
 * Counts one reduction; false once this turn's budget is spent, so the caller must take the
 * scheduled path instead of continuing synchronously.
 */
export function charge(): boolean {
  if (reductions === 0) setImmediate(newTurn);
  return ++reductions <= BUDGET;
}

function drain(): void {
  while (head < queue.length) {
    if (!charge()) return; // newTurn() drains the rest
    const proc = queue[head]!;
    queue[head++] = undefined as unknown as Runnable;
    proc.scheduled = false;
    proc.run();
  }
  queue = [];
  head = 0;
  drainPending = false;
}

function newTurn(): void {
  reductions = 0;
  if (drainPending) drain();
}
