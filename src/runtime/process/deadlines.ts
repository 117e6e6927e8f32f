/**
 * Deadlines for many short-lived waits (calls): entries with the same duration expire in the
 * order they were added, so one timer per duration serves them all, instead of a setTimeout and a
 * clearTimeout per call.
 * Also the one check of a timeout argument, shared by every wait, timer and start.
 */
import { OptionsError } from "../errors.ts";
import { timerDelay } from "./long-timer.ts";

/** @throws OptionsError for anything but a non-negative number of milliseconds or Infinity. */
export function checkTimeout(timeoutMs: unknown, option = "timeoutMs"): asserts timeoutMs is number {
  if (typeof timeoutMs !== "number" || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new OptionsError(option, timeoutMs, "a non-negative number of milliseconds or Infinity");
  }
}

/** Something that can time out. `settled` entries are skipped and dropped. */
export interface Expirable {
  deadline: number;
  settled: boolean;
  expire(): void;
}

interface Lane {
  readonly ms: number;
  items: Expirable[];
  head: number;
  timer: NodeJS.Timeout | undefined;
}

const lanes = new Map<number, Lane>();

/** Schedules `entry.expire()` after `ms` (finite) unless it is settled first. */
export function addDeadline(entry: Expirable, ms: number): void {
  let lane = lanes.get(ms);
  if (lane === undefined) {
    lane = { ms, items: [], head: 0, timer: undefined };
    lanes.set(ms, lane);
  }
  entry.deadline = performance.now() + ms;
  lane.items.push(entry);
  if (lane.timer === undefined) lane.timer = setTimeout(onLaneTimer, timerDelay(ms), lane);
  else if (!lane.timer.hasRef()) lane.timer.ref();
}

/** Drops settled entries from the front of `ms`'s lane, so a busy lane stays short. */
export function trimDeadlines(ms: number): void {
  const lane = lanes.get(ms);
  if (lane !== undefined) trim(lane);
}

function onLaneTimer(lane: Lane): void {
  lane.timer = undefined;
  const now = performance.now();
  trim(lane);
  while (lane.head < lane.items.length) {
    const entry = lane.items[lane.head]!;
    if (entry.deadline > now) break;
    lane.head++;
    if (!entry.settled) entry.expire();
  }
  trim(lane);
  if (lane.head < lane.items.length) {
    lane.timer = setTimeout(onLaneTimer, timerDelay(lane.items[lane.head]!.deadline - now), lane);
  } else {
    lanes.delete(lane.ms);
  }
}

function trim(lane: Lane): void {
  const items = lane.items;
  while (lane.head < items.length && items[lane.head]!.settled) lane.head++;
  if (lane.head === items.length) {
    lane.items = [];
    lane.head = 0;
    // Nothing waits on this lane: its timer must not keep Node running.
    lane.timer?.unref();
  } else if (lane.head > 1024 && lane.head * 2 > items.length) {
    lane.items = items.slice(lane.head);
    lane.head = 0;
  }
}
