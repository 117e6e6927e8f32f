/**
 * The frames a client in pull mode (`active: false`) holds for `Parley.recv` and `Parley.stream`,
 * and the pulls waiting for one. A frame counts against `maxBuffered` until a pull takes it (see
 * `Connection.taken`). Several consumers share one queue: each frame goes to whichever asked first.
 */
import { type From, replyError, replyValue } from "../runtime/behaviours/gen-call.ts";
import { TimeoutError } from "../runtime/errors.ts";
import type { Pid, TimerRef } from "../runtime/process/pid.ts";
import { registerCrossing } from "../runtime/process/crossing.ts";
import { cancelTimer, sendAfter } from "../runtime/process/timers.ts";
import { checkTimeout } from "../runtime/process/deadlines.ts";
import type { Connection } from "./connection.ts";
import { NotConnectedError } from "./errors.ts";

// Compact the queue's array once this many taken slots lead it.
const COMPACT_AT = 1024;

/** A `Parley.recv` or `Parley.stream` asking for up to `max` frames, waiting at most `timeoutMs`. */
export class Recv {
  constructor(
    readonly max: number,
    readonly timeoutMs: number,
  ) {}
}

/** The frames a stream took but its consumer never saw (it broke out of the loop): back to the front. */
export class PutBack {
  constructor(readonly values: readonly unknown[]) {}
}

/** A waiting `recv` ran out of time. */
export class RecvTimeout {
  constructor(readonly waiter: Waiter) {}
}

interface Pulled {
  /** The connection whose `maxBuffered` count the frame holds, none for a frame put back. */
  readonly conn: Connection | undefined;
  readonly value: unknown;
}

interface Waiter {
  readonly from: From;
  readonly max: number;
  readonly timeoutMs: number;
  timer: TimerRef | undefined;
}

/** The frames waiting for a pull, and the pulls waiting for a frame (never both at once). */
export class PullBuffer {
  #items: Pulled[] = [];
  #head = 0;
  #waiters: Waiter[] = [];

  constructor(readonly self: Pid) {}

  /** Frames waiting. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** A frame arrived: to the first waiting pull, or into the queue. */
  put(conn: Connection | undefined, value: unknown): void {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) {
      this.#items.push({ conn, value });
      return;
    }
    conn?.taken();
    if (waiter.timer !== undefined) cancelTimer(waiter.timer);
    replyValue(waiter.from, [value]);
  }

  /**
   * A pull: answered now with what waits, refused while down for good, or kept until a frame or its timeout.
   * `down`: the client is disconnected and no retry is scheduled.
   */
  ask(req: Recv, from: From, down: boolean): void {
    if (this.length > 0) return replyValue(from, this.#take(req.max));
    // Down with no retry coming: nothing will arrive until Parley.connect.
    if (down) return replyError(from, new NotConnectedError("disconnected", "pull mode: no frame waits and no retry is scheduled"));
    const waiter: Waiter = { from, max: req.max, timeoutMs: req.timeoutMs, timer: undefined };
    if (req.timeoutMs !== Infinity) waiter.timer = sendAfter(this.self, new RecvTimeout(waiter), req.timeoutMs);
    this.#waiters.push(waiter);
  }

  /** Values a stream gave back go to the front, in their order, for the next pull. */
  putBack(values: readonly unknown[]): void {
    const rest = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    for (const value of values) this.put(undefined, value);
    for (const item of rest) this.put(item.conn, item.value);
  }

  /** A waiting pull ran out of time: TimeoutError, unless a frame answered it first. */
  timedOut(waiter: Waiter): void {
    const i = this.#waiters.indexOf(waiter);
    if (i === -1) return;
    this.#waiters.splice(i, 1);
    replyError(waiter.from, new TimeoutError(waiter.timeoutMs, "Parley.recv"));
  }

  #take(max: number): unknown[] {
    const end = Math.min(this.#items.length, this.#head + max);
    const out: unknown[] = [];
    for (let i = this.#head; i < end; i++) {
      const item = this.#items[i]!;
      item.conn?.taken();
      out.push(item.value);
    }
    this.#head = end;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= COMPACT_AT && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }
}

// A pull from another node is rebuilt with the checks its sender made: a batch of at least one, a valid timeout.
registerCrossing({
  name: "Recv",
  type: Recv,
  parts: (r) => [r.max, r.timeoutMs],
  rebuild: ([max, timeoutMs]) => {
    checkTimeout(timeoutMs);
    return new Recv(Number.isSafeInteger(max) && (max as number) >= 1 ? (max as number) : 1, timeoutMs);
  },
});
registerCrossing({ name: "PutBack", type: PutBack, parts: (r) => [r.values], rebuild: ([values]) => new PutBack(Array.isArray(values) ? values : []) });
