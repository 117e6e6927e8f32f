/**
 * A one-shot timer that accepts any delay. Node caps setTimeout at 2^31-1 ms and fires at once
 * beyond that, so longer delays are re-armed in steps.
 */
import { MAX_TIMER_MS } from "../predicates.ts";

export class LongTimer<A> {
  #handle: NodeJS.Timeout;
  #left: number;
  readonly #fn: (arg: A) => void;
  readonly #arg: A;

  constructor(ms: number, fn: (arg: A) => void, arg: A) {
    this.#fn = fn;
    this.#arg = arg;
    this.#left = ms;
    this.#handle = this.#arm();
  }

  cancel(): void {
    clearTimeout(this.#handle);
  }

  #arm(): NodeJS.Timeout {
    const step = Math.min(this.#left, MAX_TIMER_MS);
    this.#left -= step;
    return setTimeout(() => {
      if (this.#left > 0) this.#handle = this.#arm();
      else this.#fn(this.#arg);
    }, step);
  }
}

/** Calls `fn(arg)` after `ms` milliseconds; cancel with `.cancel()`. */
export function startTimer<A>(ms: number, fn: (arg: A) => void, arg: A): LongTimer<A> {
  return new LongTimer(ms, fn, arg);
}
