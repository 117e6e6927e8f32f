/** Selective receive: take the oldest message a matcher accepts, waiting up to a timeout. */
import { ExitError, TimeoutError } from "../errors.ts";
import { type Proc, removeMessage, requireProc, settleWaiter, type Waiter } from "./process.ts";
import { charge, schedule } from "./scheduler.ts";
import { startTimer } from "./long-timer.ts";
import { checkTimeout } from "./deadlines.ts";

/**
 * A message filter for `receive`: return a value (anything but `undefined`) to take the message,
 * or `undefined` to leave it queued.
 */
export type Matcher<T> = (msg: unknown) => T | undefined;

/** A process that died stops at its next receive: this promise never settles. */
const NEVER: Promise<never> = new Promise(() => {});

/**
 * Waits for the oldest message in the current process's mailbox that `match` accepts, and returns
 * what `match` returned for it (the message itself when no matcher is given). Messages skipped stay
 * queued, in order.
 *
 * @param match - returns `undefined` to skip a message. Omit it to take any message.
 * @param timeoutMs - how long to wait; `0` only looks at what is queued; `Infinity` (the default) waits for ever.
 * @throws NoProcessContextError outside a process.
 * @throws TimeoutError (as a rejection) when no message matched in time.
 */
export function receive<T = unknown>(match?: Matcher<T>, timeoutMs = Infinity): Promise<T> {
  return receiveIn(requireProc("receive"), match, timeoutMs);
}

/** `receive` on behalf of a given process (the Inbox, behaviours' loops). */
export function receiveIn<T>(proc: Proc, match: Matcher<T> | undefined, timeoutMs: number): Promise<T> {
  checkTimeout(timeoutMs);
  if (!proc.alive) return proc.rejectOnExit ? Promise.reject(new ExitError(proc.exitReason, proc.pid)) : NEVER;
  const mailbox = proc.mailbox;
  // Look at what is already queued now, unless this turn's budget is spent: then the
  // scheduler looks on the next turn so other work and I/O get their share.
  let scanned = 0;
  if (!proc.waiting && (timeoutMs === 0 || charge())) {
    for (; scanned < mailbox.length; scanned++) {
      const msg = mailbox.at(scanned);
      let value: unknown;
      try {
        value = match === undefined ? msg : match(msg);
      } catch (err) {
        // A throwing matcher rejects, as it does when the message arrives later (serveWaiters):
        // whether the message was already queued must not change how the failure surfaces.
        return Promise.reject(err);
      }
      if (value !== undefined) {
        removeMessage(proc, scanned);
        return Promise.resolve(value as T);
      }
    }
    if (timeoutMs === 0) return Promise.reject(new TimeoutError(0));
  }
  return new Promise<T>((resolve, reject) => {
    const waiter: Waiter = {
      match,
      scanned,
      resolve: resolve as (value: unknown) => void,
      reject,
      timer: undefined,
    };
    if (timeoutMs !== Infinity) {
      waiter.timer = startTimer(timeoutMs, onWaiterTimeout, [proc, waiter, timeoutMs] as const);
    }
    proc.addWaiter(waiter);
    if (scanned < mailbox.length) schedule(proc);
  });
}

function onWaiterTimeout([proc, waiter, timeoutMs]: readonly [Proc, Waiter, number]): void {
  const index = proc.indexOfWaiter(waiter);
  if (index === -1) return;
  waiter.timer = undefined;
  settleWaiter(proc, index, waiter);
  waiter.reject(new TimeoutError(timeoutMs));
}
