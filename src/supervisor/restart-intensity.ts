/**
 * Restart intensity: how a supervisor decides it is failing too often and should give up.
 *
 * OTP keeps the times of recent restarts, drops those older than the period, and stops the
 * supervisor when more than `maxRestarts` remain. Only the newest `maxRestarts` times can ever
 * matter to that count, so they sit in a ring buffer that grows on demand and never shrinks.
 */

/**
 * Counts restarts in a sliding window of `maxSeconds`, exactly as OTP's `add_restart` does: a
 * restart at time `t` is still in the window at `now` when `t >= now - maxSeconds`, and the limit
 * is exceeded when more than `maxRestarts` restarts, this one included, are in the window.
 * OTP counts whole seconds; this counts milliseconds, so the window is exactly `maxSeconds` long.
 */
export class RestartIntensity {
  readonly #maxRestarts: number;
  readonly #windowMs: number;
  #times: Float64Array;
  #oldest = 0;
  #count = 0;

  /**
   * @param maxRestarts - restarts allowed within the window; 0 means any restart exceeds the limit.
   * @param maxSeconds - the window's length in seconds (`Infinity`: restarts are never forgotten).
   * @throws {RangeError} when `maxRestarts` is not a non-negative integer or `maxSeconds` is not
   *   a positive number (the supervisor validates its flags first, so this marks a bug).
   */
  constructor(maxRestarts: number, maxSeconds: number) {
    if (!Number.isInteger(maxRestarts) || maxRestarts < 0) {
      throw new RangeError(`maxRestarts must be a non-negative integer, got ${maxRestarts}`);
    }
    if (!(maxSeconds > 0)) throw new RangeError(`maxSeconds must be a positive number, got ${maxSeconds}`);
    this.#maxRestarts = maxRestarts;
    this.#windowMs = maxSeconds * 1000;
    this.#times = new Float64Array(Math.min(maxRestarts, 8));
  }

  /**
   * Records a restart at `nowMs` (a monotonic clock such as `performance.now()`).
   *
   * @param nowMs - the time of this restart, in milliseconds.
   * @returns true when the restarts in the window, this one included, are at most `maxRestarts`;
   *   false when the limit is exceeded and the supervisor must shut down.
   */
  record(nowMs: number): boolean {
    const threshold = nowMs - this.#windowMs;
    const capacity = this.#times.length;
    // Like OTP's lists:takewhile, walk from the newest time and stop at the first one outside the window.
    let kept = 0;
    while (kept < this.#count && this.#times[(this.#oldest + this.#count - 1 - kept) % capacity]! >= threshold) kept++;
    const withinLimit = kept < this.#maxRestarts;
    this.#oldest = (this.#oldest + this.#count - kept) % Math.max(capacity, 1);
    this.#count = kept;
    this.#push(nowMs);
    return withinLimit;
  }

  /**
   * How many recorded restarts are still in the window at `nowMs`, without recording one (what the
   * Observer shows).
   */
  inWindow(nowMs: number): number {
    const threshold = nowMs - this.#windowMs;
    let kept = 0;
    while (kept < this.#count && this.#times[(this.#oldest + this.#count - 1 - kept) % this.#times.length]! >= threshold) kept++;
    return kept;
  }

  #push(nowMs: number): void {
    if (this.#maxRestarts === 0) return;
    if (this.#count === this.#maxRestarts) {
      // Full: the oldest time can no longer change any answer, so the newest takes its slot.
      this.#oldest = (this.#oldest + 1) % this.#times.length;
      this.#count--;
    } else if (this.#count === this.#times.length) {
      this.#grow();
    }
    this.#times[(this.#oldest + this.#count) % this.#times.length] = nowMs;
    this.#count++;
  }

  #grow(): void {
    const old = this.#times;
    const next = new Float64Array(Math.min(Math.max(old.length * 2, 1), this.#maxRestarts));
    for (let i = 0; i < this.#count; i++) next[i] = old[(this.#oldest + i) % old.length]!;
    this.#times = next;
    this.#oldest = 0;
  }
}
