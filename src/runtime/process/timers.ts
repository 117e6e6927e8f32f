/** Timers that send a message: `sendAfter` and `cancelTimer`. */
import { OptionsError } from "../errors.ts";
import { startTimer, type LongTimer } from "./long-timer.ts";
import { type Dest, send } from "../names/names.ts";
import { makeTimerRef, Pid, type TimerRef } from "./pid.ts";
import { type ExitHook, lookup, type Proc } from "./process.ts";
import { checkTimeout } from "./deadlines.ts";

interface Entry {
  readonly timer: LongTimer<TimerRef>;
  readonly deadline: number;
  readonly dest: Dest;
  readonly msg: unknown;
  /** For a timer aimed at a Pid: the target and the hook that cancels the timer when it exits. */
  owner?: { readonly proc: Proc; readonly hook: ExitHook };
}

const timers = new Map<TimerRef, Entry>();

/**
 * Sends `msg` to `dest` after `ms` milliseconds. A name is looked up when the timer fires (and the
 * message dropped if nobody holds it then); a timer aimed at a Pid is cancelled when that process exits.
 * @throws OptionsError for a negative or non-numeric `ms`, or a Pid that is not alive.
 */
export function sendAfter(dest: Dest, msg: unknown, ms: number): TimerRef {
  checkTimeout(ms, "ms");
  if (ms === Infinity) throw new OptionsError("ms", ms, "a finite number of milliseconds");
  const ref = makeTimerRef();
  const entry: Entry = { timer: startTimer(ms, fire, ref), deadline: performance.now() + ms, dest, msg };
  timers.set(ref, entry);
  if (dest instanceof Pid) {
    const proc = lookup(dest);
    if (proc === undefined) {
      entry.timer.cancel();
      timers.delete(ref);
    } else {
      const hook: ExitHook = () => cancelTimer(ref);
      entry.owner = { proc, hook };
      proc.onExit(hook);
    }
  }
  return ref;
}

/** Cancels a timer: returns the milliseconds it had left, or false when it already fired or was cancelled. */
export function cancelTimer(ref: TimerRef): number | false {
  const entry = timers.get(ref);
  if (entry === undefined) return false;
  forget(ref, entry);
  entry.timer.cancel();
  return Math.max(0, Math.round(entry.deadline - performance.now()));
}

function fire(ref: TimerRef): void {
  const entry = timers.get(ref);
  if (entry === undefined) return;
  forget(ref, entry);
  try {
    send(entry.dest, entry.msg);
  } catch {
    // A name nobody holds when the timer fires: Erlang drops the message too.
  }
}

function forget(ref: TimerRef, entry: Entry): void {
  timers.delete(ref);
  entry.owner?.proc.offExit(entry.owner.hook);
}
