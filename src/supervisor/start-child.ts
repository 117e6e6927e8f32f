/**
 * Running a child spec's `start` inside the supervisor's process and checking what it produced.
 * Shared by Supervisor and DynamicSupervisor.
 */
import { BadReturnError, StartError } from "../runtime/errors.ts";
import { formatTerm } from "../runtime/format-term.ts";
import { link } from "../runtime/process/links.ts";
import { isPid, type Pid } from "../runtime/process/pid.ts";
import type { Proc } from "../runtime/process/process.ts";
import { isAlive } from "../runtime/process/spawn.ts";
import type { NormalizedChildSpec } from "./child-spec.ts";

/**
 * A started child, a child whose start answered `"ignore"`, or why it did not start (`cause` is
 * what `start` threw or rejected with).
 */
export type StartOutcome = readonly ["ok", Pid] | readonly ["ignore"] | readonly ["error", reason: unknown, cause: unknown];

/**
 * Calls `spec.start()` (in the supervisor's process, so a `startLink` there links the child to
 * the supervisor) and checks that it produced a Pid.
 *
 * - A rejection with a `StartError` whose reason is `"ignore"` (a module supervisor's `init`
 *   answered `["ignore"]`) is OTP's `ignore`: the child did not start, and that is no failure.
 * - Any other rejection or throw fails the start: the reason is a `StartError`'s `reason`, or the value itself.
 * - Anything but a Pid fails with a `BadReturnError` as the reason, naming the child and the value.
 * - A Pid that is no longer alive is accepted only when its `EXIT` is queued for the supervisor
 *   (a linked child that ended at once: the supervisor handles that exit next, as OTP does);
 *   otherwise it fails like a non-Pid.
 * - A live child that is not linked yet (started with `start`, or `spawn`) is linked now, so the
 *   supervisor learns of its exit.
 */
export async function startChildProcess(spec: NormalizedChildSpec, sup: Proc): Promise<StartOutcome> {
  let value: unknown;
  try {
    value = await spec.start();
  } catch (err) {
    if (isIgnore(err)) return ["ignore"];
    return ["error", err instanceof StartError ? err.reason : err, err];
  }
  if (isPid(value)) {
    if (isAlive(value)) {
      link(value);
      return ["ok", value];
    }
    if (hasExitQueued(sup, value)) return ["ok", value];
  }
  const bad = new BadReturnError(`start of child ${formatTerm(spec.id)} (expected a live Pid)`, value);
  return ["error", bad, bad];
}

/** True for the rejection of a start whose `init` answered `["ignore"]`. */
export function isIgnore(err: unknown): boolean {
  return err instanceof StartError && err.reason === "ignore";
}

function hasExitQueued(sup: Proc, pid: Pid): boolean {
  const mailbox = sup.mailbox;
  for (let i = 0; i < mailbox.length; i++) {
    const msg = mailbox.at(i);
    if (Array.isArray(msg) && msg.length === 3 && msg[0] === "EXIT" && msg[1] === pid) return true;
  }
  return false;
}
