/**
 * The delay before a reconnection attempt: exponential backoff with "equal jitter", so a fleet of
 * clients that lost the same server does not come back in lockstep, yet each waits at least half
 * of its nominal delay.
 */

/**
 * The delay in milliseconds before retry `n` (0 for the first retry).
 *
 * With `d = min(baseDelay * 2^n, maxDelay)` and `half = max(floor(d / 2), 1)`, the delay is an
 * integer drawn uniformly from `[half + 1, 2 * half]`. It is always a finite integer, never above
 * `max(maxDelay, 2)`, even when `2^n` overflows.
 *
 * @param n - the retry number, a non-negative integer.
 * @param baseDelay - the nominal delay of the first retry, a finite number ≥ 0.
 * @param maxDelay - the cap on the nominal delay, a finite number ≥ 0.
 * @param random - a source of numbers in `[0, 1)`; `Math.random` by default, replaceable in tests.
 * @returns the delay in milliseconds.
 * @throws {RangeError} when `n`, `baseDelay` or `maxDelay` is outside the ranges above.
 */
export function backoffDelay(
  n: number,
  baseDelay: number,
  maxDelay: number,
  random: () => number = Math.random,
): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`backoff retry number must be an integer ≥ 0, got ${n}`);
  if (!Number.isFinite(baseDelay) || baseDelay < 0) {
    throw new RangeError(`backoff baseDelay must be a finite number ≥ 0, got ${baseDelay}`);
  }
  if (!Number.isFinite(maxDelay) || maxDelay < 0) {
    throw new RangeError(`backoff maxDelay must be a finite number ≥ 0, got ${maxDelay}`);
  }
  // 2 ** n is Infinity from n = 1024 on, and 0 * Infinity is NaN: a zero base stays zero instead.
  const scaled = baseDelay === 0 ? 0 : baseDelay * 2 ** n;
  const d = Math.min(scaled, maxDelay);
  const half = Math.max(Math.floor(d / 2), 1);
  // Clamp the draw so a random source that strays outside [0, 1) cannot leave the interval.
  let offset = Math.floor(random() * half);
  if (!(offset >= 0)) offset = 0;
  else if (offset >= half) offset = half - 1;
  return half + 1 + offset;
}
