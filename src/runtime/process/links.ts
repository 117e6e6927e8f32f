/** Links: two processes that share their fate unless they trap exits. */
import { OptionsError } from "../errors.ts";
import { isPid, type Pid } from "./pid.ts";
import { exitSignal, linkProcs, lookup, requireProc, unlinkProcs } from "./process.ts";

/**
 * Links the current process to `pid`. Linking to a process that is not alive sends the caller an
 * exit signal with reason `"noproc"` (a message when it traps exits); to a process of a node that
 * is down, `"noconnection"`.
 * @throws NoProcessContextError outside a process.
 */
export function link(pid: Pid): void {
  const proc = requireProc("link");
  if (!isPid(pid)) throw new OptionsError("pid", pid, "a Pid");
  const target = lookup(pid);
  if (target !== undefined) {
    linkProcs(proc, target);
  } else if (pid.home !== undefined) {
    // Recorded before the node answers, so a "noproc" or "noconnection" coming back finds the link.
    (proc.links ??= new Set()).add(pid);
    pid.home.route(["link", proc.pid, pid]);
  } else {
    exitSignal(proc, pid, "noproc", false);
  }
}

/**
 * Removes the link between the current process and `pid`, if there is one.
 * @throws NoProcessContextError outside a process.
 */
export function unlink(pid: Pid): void {
  const proc = requireProc("unlink");
  if (!isPid(pid)) return;
  const target = lookup(pid);
  if (target !== undefined) unlinkProcs(proc, target);
  else if (proc.links?.delete(pid) === true) pid.home?.route(["unlink", proc.pid, pid]);
}
