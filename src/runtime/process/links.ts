/** Links: two processes that share their fate unless they trap exits. */
import { OptionsError } from "../errors.ts";
import { isPid, type Pid } from "./pid.ts";
import { exitSignal, linkProcs, lookup, requireProc, unlinkProcs } from "./process.ts";

/**
 * Links the current process to `pid`. Linking to a process that is not alive sends the caller an
 * exit signal with reason `"noproc"` (a message when it traps exits).
 * @throws NoProcessContextError outside a process.
 */
export function link(pid: Pid): void {
  const proc = requireProc("link");
  if (!isPid(pid)) throw new OptionsError("pid", pid, "a Pid");
  const target = lookup(pid);
  if (target === undefined) exitSignal(proc, pid, "noproc", false);
  else linkProcs(proc, target);
}

/**
 * Removes the link between the current process and `pid`, if there is one.
 * @throws NoProcessContextError outside a process.
 */
export function unlink(pid: Pid): void {
  const proc = requireProc("unlink");
  const target = isPid(pid) ? lookup(pid) : undefined;
  if (target === undefined) return;
  unlinkProcs(proc, target);
}
