/**
 * Every timer of the library goes through here. Node's setTimeout fires after 1 ms (with a
 * TimeoutOverflowWarning) for a delay of 2^31 ms or more, so a timer re-armed until a far deadline
 * would spin: `timerDelay` is the one clamp every `setTimeout` in src applies, and `LongTimer`
 * re-arms in clamped steps for delays that must be honoured in full.
 */
import { MAX_TIMER_MS } from "../predicates.ts";

/**
 * The delay to hand `setTimeout` for `ms`: at least 1, at most 2^31-1 (Infinity and NaN included),
 * so Node never overflows it to 1 ms. A caller with a farther deadline re-arms when it fires.
 */
export function timerDelay(ms: number): number {
  return ms >= 1 ? Math.min(ms, MAX_TIMER_MS) : ms < 1 ? 1 : MAX_TIMER_MS;
}

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

  /** @internal */
  fired(): void {
    if (this.#left > 0) this.#handle = this.#arm();
    else this.#fn(this.#arg);
  }

  #arm(): NodeJS.Timeout {
    const step = this.#left;
    this.#left -= timerDelay(step);
    return setTimeout(fireLongTimer, timerDelay(step), this);
  }
}

function fireLongTimer<A>(timer: LongTimer<A>): void {
  timer.fired();
}

/** Calls `fn(arg)` after `ms` milliseconds; cancel with `.cancel()`. */
export function startTimer<A>(ms: number, fn: (arg: A) => void, arg: A): LongTimer<A> {
  return new LongTimer(ms, fn, arg);
}
