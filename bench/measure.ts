// What the runtime and supervisor benches share: printing a figure beside its target, rates, and
// reading the heap after a full collection.

/** One printed line: the label, the figure, and the target it is read against. */
export function line(label: string, figure: string, target: string): string {
  return `${label.padEnd(52)} ${figure.padStart(22)}   target ${target}`;
}

/** A whole number with thousands separators. */
export function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** How many of `n` operations ran per second since `startMs` (a `performance.now()` reading). */
export function perSecond(n: number, startMs: number): number {
  return n / ((performance.now() - startMs) / 1000);
}

/**
 * `heapUsed` after two full collections (the second catches what the first only finalised);
 * undefined when node runs without --expose-gc, since the figure would include garbage.
 */
export function settledHeap(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return undefined;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** `text` (a printed figure line) marked ✓ when its target is met, ✗ when it is missed. */
export function judged(text: string, met: boolean): string {
  return `${text} ${met ? "✓" : "✗"}`;
}
