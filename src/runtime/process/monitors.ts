/** Monitors: one-way watches that deliver a single `DOWN` message. */
import { NoProcError } from "../errors.ts";
import { makeRef, type Ref } from "./pid.ts";
import { addMonitor, type DownMessage, deliver, Proc, removeMessage, removeMonitor, requireProc } from "./process.ts";
import { type Dest, type RemoteAddress, resolveProc, resolveRemote } from "../names/names.ts";

/**
 * Watches `dest`. When it ends, the current process receives `["DOWN", ref, "process", pid, reason]`
 * once. A dead Pid or an unknown name delivers it at once with `"noproc"` (the name in place of the pid).
 * A process of another node is watched by that node; when the node goes down (or is down or
 * unknown already) the reason is `"noconnection"`. For `{ name, node }` the `DOWN` names
 * `{ name, node }`, as Erlang's names `{Name, Node}`.
 * @throws NoProcessContextError outside a process.
 */
export function monitor(dest: Dest): Ref {
  const watcher = requireProc("monitor");
  const ref = makeRef();
  const target = resolveTarget(dest);
  if (target instanceof Proc) {
    monitorProc(watcher, target, ref);
    return ref;
  }
  if (target === undefined) {
    deliver(watcher, ["DOWN", ref, "process", dest, "noproc"] satisfies DownMessage);
  } else {
    const [home, to] = target;
    (watcher.monitors ??= new Map()).set(ref, home);
    home.route(["monitor", watcher.pid, to, ref]);
  }
  return ref;
}

/**
 * Stops the monitor `ref`. As in Elixir, a `DOWN` already delivered stays in the mailbox unless
 * `flush` is set.
 * @throws NoProcessContextError outside a process.
 */
export function demonitor(ref: Ref, options?: { readonly flush?: boolean }): void {
  const watcher = requireProc("demonitor");
  if (removeMonitor(watcher, ref) || options?.flush !== true) return;
  const box = watcher.mailbox;
  for (let i = 0; i < box.length; i++) {
    const msg = box.at(i);
    if (Array.isArray(msg) && msg[0] === "DOWN" && msg[1] === ref) {
      removeMessage(watcher, i);
      return;
    }
  }
}

/** @internal */
/**
 * The process behind `dest`, where it is on another node, or undefined when nothing answers to
 * it: for a monitor, a via name whose registry is not running is an unknown name like any other.
 */
function resolveTarget(dest: Dest): Proc | RemoteAddress | undefined {
  try {
    return resolveProc(dest) ?? resolveRemote(dest);
  } catch (err) {
    if (err instanceof NoProcError) return undefined;
    throw err;
  }
}

export function monitorProc(watcher: Proc, target: Proc, ref: Ref = makeRef()): Ref {
  addMonitor(watcher, target, ref);
  return ref;
}
