/**
 * The run queue. A process is queued once, when it moves from idle to runnable, and run from a
 * microtask, or at once when I/O hands it a message from outside every process (drainNow). Each
 * turn of the event loop gives the processes a time slice: once it is spent, the
 * rest waits for the next turn (setImmediate), so a busy set of processes never starves I/O. The
 * slice is time, not a count of messages: a process that handles cheap messages (a burst of small
 * frames) drains far more of them per turn than one whose messages are costly, and both give the
 * event loop back at the same rate.
 */

/** Milliseconds of process work allowed per event-loop turn before yielding to I/O. */
const SLICE_MS = 4;
/** Reading the clock costs more than a cheap message: it is read once per this many reductions (a power of two). */
const CLOCK_EVERY = 32;

export interface Runnable {
  scheduled: boolean;
  run(): void;
}

let queue: Runnable[] = [];
let head = 0;
let reductions = 0;
/** performance.now() at the turn's first reduction. */
let turnStart = 0;
/** The slice of this turn is spent: everything waits for newTurn(). */
let spent = false;
let drainPending = false;
/** drain() is on the stack: a drain never nests in another. */
let draining = false;
/** Counts the turns in which processes ran. */
let turns = 0;
const RESOLVED = Promise.resolve();

/** Queue `proc` to run soon, unless it is already queued. */
export function schedule(proc: Runnable): void {
  if (proc.scheduled) return;
  proc.scheduled = true;
  queue.push(proc);
  if (!drainPending) {
    drainPending = true;
    // A promise job rather than queueMicrotask, which allocates an async resource per call.
    if (!spent) void RESOLVED.then(drain);
    // Otherwise the pending newTurn() resumes the drain.
  }
}

/**
 * Runs what is queued now, inside the caller, unless a drain is already on the stack or this
 * turn's slice is spent. For I/O that delivers from outside every process (a socket's frame): the
 * receiver then handles it inside the I/O callback, as a raw socket listener would, rather than
 * after the stream machinery unwinds and the microtask queue comes round (about 2 µs of a
 * round trip). The caller must not be process code: a process never runs inside another.
 */
export function drainNow(): void {
  if (!draining && !spent) drain();
}

/**
 * Counts one reduction; false once this turn's slice is spent, so the caller must take the
 * scheduled path instead of continuing synchronously.
 */
export function charge(): boolean {
  if (reductions++ === 0) {
    setImmediate(newTurn);
    turnStart = performance.now();
  } else if ((reductions & (CLOCK_EVERY - 1)) === 0 && !spent) {
    spent = performance.now() - turnStart >= SLICE_MS;
  }
  return !spent;
}

/**
 * Numbers the event-loop turns in which processes ran: a process's first output of a turn can go
 * out at once, and what follows it in the same turn can wait to leave together (the client's
 * frame writer).
 */
export function currentTurn(): number {
  return turns;
}

function drain(): void {
  // A drain that drainNow() already ran leaves nothing here for its promise job.
  if (!drainPending) return;
  draining = true;
  try {
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
  } finally {
    draining = false;
  }
}

function newTurn(): void {
  turns++;
  reductions = 0;
  spent = false;
  if (drainPending) drain();
}
