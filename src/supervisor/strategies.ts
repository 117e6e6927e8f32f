/**
 * The supervisor's pure decisions: whether an exited child is restarted, and which siblings a
 * restart drags along under each strategy. No processes here; the supervisor acts on the answers.
 */
import type { RestartType } from "./child-spec.ts";

/**
 * `"one_for_one"`: restart only the child that exited. `"one_for_all"`: stop and restart every
 * child. `"rest_for_one"`: stop and restart the child and every child started after it.
 */
export type Strategy = "one_for_one" | "one_for_all" | "rest_for_one";

/** Indexes into the supervisor's child list (in start order) that a restart touches. */
export interface AffectedChildren {
  /** Indexes to stop, in stop order: reverse start order. Includes the failed child, already gone. */
  readonly stop: number[];
  /** Indexes to (re)start, in start order. */
  readonly start: number[];
}

/**
 * True for the exit reasons OTP treats as a normal end: `"normal"`, `"shutdown"` and
 * `["shutdown", term]`. A transient child is restarted for every other reason.
 *
 * @param reason - an exit reason.
 */
export function isNormalExit(reason: unknown): boolean {
  if (reason === "normal" || reason === "shutdown") return true;
  return Array.isArray(reason) && reason.length === 2 && reason[0] === "shutdown";
}

/**
 * Whether a child that exited with `reason` is restarted: a permanent child always, a transient
 * child only after an abnormal exit (see {@link isNormalExit}), a temporary child never.
 *
 * @param restart - the child's restart type.
 * @param reason - the child's exit reason.
 */
export function shouldRestart(restart: RestartType, reason: unknown): boolean {
  switch (restart) {
    case "permanent":
      return true;
    case "transient":
      return !isNormalExit(reason);
    case "temporary":
      return false;
  }
}

/**
 * Which children a restart of `children[failedIndex]` stops and starts again. The failed child is
 * in both lists, so the caller handles every strategy the same way; stopping it is a no-op because
 * it has already exited (the caller must tolerate any child that is no longer running).
 *
 * @param strategy - the supervisor's strategy.
 * @param children - the child list in start order; only its length matters.
 * @param failedIndex - the index of the child that exited.
 * @returns `stop` in reverse start order and `start` in start order.
 * @throws {RangeError} when `failedIndex` is not an index of `children`.
 */
export function affectedChildren<K>(strategy: Strategy, children: readonly K[], failedIndex: number): AffectedChildren {
  const count = children.length;
  if (!Number.isInteger(failedIndex) || failedIndex < 0 || failedIndex >= count) {
    throw new RangeError(`failedIndex ${failedIndex} is not an index of a list of ${count} children`);
  }
  switch (strategy) {
    case "one_for_one":
      return { stop: [failedIndex], start: [failedIndex] };
    case "one_for_all":
      return span(0, count);
    case "rest_for_one":
      return span(failedIndex, count);
  }
}

function span(from: number, to: number): AffectedChildren {
  const start: number[] = [];
  const stop: number[] = [];
  for (let i = from; i < to; i++) start.push(i);
  for (let i = to - 1; i >= from; i--) stop.push(i);
  return { stop, start };
}
