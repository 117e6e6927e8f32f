/**
 * Stopping children, as OTP's supervisor does: send `"shutdown"`, wait up to the child's shutdown
 * time for it to exit, then `"kill"`; `"brutal_kill"` kills at once, `"infinity"` waits for ever.
 * The exit is observed through a monitor, never through the link, so a child that unlinked itself
 * cannot hang its supervisor.
 *
 * Every function here runs inside the supervisor's process (it calls `monitor`, `unlink` and
 * `receive` for the current process) and must not be called while that process is receiving.
 */
import type { RestartType, Shutdown } from "../runtime/behaviours/child-spec-types.ts";
import { TimeoutError } from "../runtime/errors.ts";
import { monitor } from "../runtime/process/monitors.ts";
import type { Pid, Ref } from "../runtime/process/pid.ts";
import { unlink } from "../runtime/process/links.ts";
import { receive } from "../runtime/process/receive.ts";
import { type LongTimer, startTimer } from "../runtime/process/long-timer.ts";
import { exit, isAlive } from "../runtime/process/spawn.ts";

/** One child to stop. */
export interface ShutdownTarget {
  readonly pid: Pid;
  readonly shutdown: Shutdown;
}

/**
 * Stops one child and resolves its exit reason once it is gone.
 *
 * The child is unlinked first, so its exit reaches the supervisor only as the monitor's `DOWN`
 * (no stray `EXIT` is left behind). A child that had already exited resolves the reason of the
 * `EXIT` still queued for it, or `"noproc"` when there is none.
 *
 * @param pid - the child.
 * @param shutdown - milliseconds to wait after `"shutdown"` before killing, `"brutal_kill"`, or `"infinity"`.
 * @returns the child's exit reason: `"shutdown"` for a child that obeyed, `"killed"` for one that was
 *   killed, or whatever it exited with. {@link isExpectedExit} says whether it is worth reporting.
 */
export async function shutdownChild(pid: Pid, shutdown: Shutdown): Promise<unknown> {
  if (!isAlive(pid)) return flushExit(pid);
  unlink(pid);
  const ref = monitor(pid);
  exit(pid, shutdown === "brutal_kill" ? "kill" : "shutdown");
  const timeout = typeof shutdown === "number" ? shutdown : Infinity;
  try {
    const [reason] = await receive(downReason(ref), timeout);
    return reason;
  } catch (err) {
    if (!(err instanceof TimeoutError)) throw err;
  }
  exit(pid, "kill");
  const [reason] = await receive(downReason(ref));
  return reason;
}

/**
 * Stops many children at once, as a DynamicSupervisor does on its way down: every child gets its
 * signal first, then the supervisor waits for all of them; those with a numeric shutdown that are
 * still alive when it expires are killed (one timer per distinct shutdown time).
 *
 * @returns the exit reasons, in the order of `targets`.
 */
export async function shutdownChildren(targets: readonly ShutdownTarget[]): Promise<unknown[]> {
  const reasons = new Array<unknown>(targets.length);
  const pending = new Map<Ref, number>();
  const byTime = new Map<number, Pid[]>();
  for (let i = 0; i < targets.length; i++) {
    const { pid, shutdown } = targets[i]!;
    if (!isAlive(pid)) {
      reasons[i] = await flushExit(pid);
      continue;
    }
    unlink(pid);
    pending.set(monitor(pid), i);
    exit(pid, shutdown === "brutal_kill" ? "kill" : "shutdown");
    if (typeof shutdown === "number") {
      const group = byTime.get(shutdown);
      if (group === undefined) byTime.set(shutdown, [pid]);
      else group.push(pid);
    }
  }
  const timers: LongTimer<Pid[]>[] = [];
  for (const [ms, pids] of byTime) timers.push(startTimer(ms, killAll, pids));
  try {
    const isPending = (msg: unknown): readonly [Ref, unknown] | undefined => {
      if (!isDown(msg)) return undefined;
      const ref = msg[1] as Ref;
      return pending.has(ref) ? [ref, msg[4]] : undefined;
    };
    while (pending.size !== 0) {
      const [ref, reason] = await receive(isPending);
      reasons[pending.get(ref)!] = reason;
      pending.delete(ref);
    }
  } finally {
    for (const timer of timers) timer.cancel();
  }
  return reasons;
}

/**
 * Whether a child stopped by its supervisor ended the way it should, as OTP judges it; any other
 * reason is logged as a `shutdown_error`. A child told to shut down must exit `"shutdown"` (a
 * non-permanent one may also exit `"normal"` or `["shutdown", term]`); a brutally killed one
 * exits `"killed"`. A child killed after its shutdown time ran out exits `"killed"`, which is
 * reported.
 */
export function isExpectedExit(reason: unknown, shutdown: Shutdown, restart: RestartType): boolean {
  if (reason === (shutdown === "brutal_kill" ? "killed" : "shutdown")) return true;
  if (restart === "permanent") return false;
  return reason === "normal" || reason === "shutdown" || (Array.isArray(reason) && reason.length === 2 && reason[0] === "shutdown");
}

/** A child already dead: unlink it and take the reason from the `EXIT` it left, if it was linked. */
async function flushExit(pid: Pid): Promise<unknown> {
  unlink(pid);
  try {
    const [reason] = await receive((msg) => (isExitFrom(msg, pid) ? ([msg[2]] as const) : undefined), 0);
    return reason;
  } catch {
    return "noproc";
  }
}

function killAll(pids: readonly Pid[]): void {
  for (const pid of pids) exit(pid, "kill");
}

// Reasons are boxed: a matcher's `undefined` means "no match", and `undefined` is a valid exit reason.
function downReason(ref: Ref): (msg: unknown) => readonly [unknown] | undefined {
  return (msg) => (isDown(msg) && msg[1] === ref ? [msg[4]] : undefined);
}

function isDown(msg: unknown): msg is readonly ["DOWN", Ref, "process", unknown, unknown] {
  return Array.isArray(msg) && msg.length === 5 && msg[0] === "DOWN";
}

function isExitFrom(msg: unknown, pid: Pid): msg is readonly ["EXIT", Pid, unknown] {
  return Array.isArray(msg) && msg.length === 3 && msg[0] === "EXIT" && msg[1] === pid;
}
