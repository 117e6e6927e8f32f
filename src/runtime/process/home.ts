/**
 * The runtime's side of distribution. A Pid or Ref of another node names its {@link Home}; the
 * runtime routes every signal for such a process through `home.route` (see `process.ts`,
 * `links.ts`, `monitors.ts`, `names.ts`, `gen-call.ts`). This file holds the other direction:
 * what a node's signals do here when they arrive, and what a node that cannot be reached answers.
 * Distribution (src/dist) installs a {@link Directory} at `Node.start`; until then every other
 * node is unreachable, so the single-node runtime needs nothing from src/dist.
 */
import { CALL_SLOT, type Home, Pid, type Ref, type Signal } from "./pid.ts";
import { type DownMessage, deliver, exitSignal, lookup, type Proc, table } from "./process.ts";

/** Who this node is and how to reach the others. */
export interface Directory {
  /** This node's name: `"nonode@nohost"` when not distributed. */
  readonly self: string;
  /** The Home of another node; one that is unknown or down answers as {@link unreachable} does. */
  home(node: string): Home;
}

/** Installs the cluster's directory (`Node.start`), or restores the single-node one (`Node.stop`). */
export function setDirectory(next: Directory | undefined): void {
  directory = next ?? SINGLE_NODE;
}

/** This node's name. */
export function selfNode(): string {
  return directory.self;
}

/** The Home of `node`, or undefined when `node` is this node. */
export function homeOf(node: string): Home | undefined {
  return node === directory.self ? undefined : directory.home(node);
}

/** A node that cannot be reached: it answers every signal as a node that is down does. */
export function unreachable(node: string): Home {
  let home = unreachableHomes.get(node);
  if (home === undefined) {
    home = { node, index: 0, route: (signal) => answerAsDown(home!, signal) };
    unreachableHomes.set(node, home);
  }
  return home;
}

/**
 * What a node that is down answers, as Erlang's distribution does: a message, an exit, an unlink
 * or a reply is lost; a link breaks at once with `"noconnection"`; a monitor fires at once with
 * `"noconnection"`.
 */
export function answerAsDown(home: Home, signal: Signal): void {
  if (signal[0] === "link") exitArrived(signal[2], signal[1], "noconnection", true);
  else if (signal[0] === "monitor") downArrived(signal[1], signal[3], downObject(home, signal[2]), "noconnection");
}

/** What a `DOWN` names as the process for a monitor of `to` on `home`: the Pid, or `{ name, node }`. */
export function downObject(home: Home, to: Pid | string): Pid | { readonly name: string; readonly node: string } {
  return to instanceof Pid ? to : { name: to, node: home.node };
}

/**
 * A process of another node (`from`) links to the local `to`. A `to` that is not alive answers
 * with an exit signal `"noproc"`, as a local link does.
 */
export function linkArrived(from: Pid, to: Pid): void {
  const proc = lookup(to);
  if (proc === undefined) from.home?.route(["exit", to, from, "noproc", true]);
  else (proc.links ??= new Set()).add(from);
}

/** A process of another node (`from`) unlinks from the local `to`. */
export function unlinkArrived(from: Pid, to: Pid): void {
  lookup(to)?.links?.delete(from);
}

/**
 * An exit signal from `from` reaches the local `to`: through a link (`link`, dropped when the link
 * is already gone) or from `exit(to, reason)` on another node.
 */
export function exitArrived(from: Pid, to: Pid, reason: unknown, link: boolean): void {
  const proc = lookup(to);
  if (proc === undefined) return;
  if (!link) exitSignal(proc, from, reason, true);
  else if (proc.links?.delete(from) === true) exitSignal(proc, from, reason, false);
}

/**
 * `watcher`, on another node, monitors the local `target` under `ref`; a target that is not alive
 * (undefined: an unknown name) answers `DOWN` `"noproc"` at once.
 */
export function monitorArrived(watcher: Pid, target: Proc | undefined, ref: Ref): void {
  if (target === undefined || !target.alive) watcher.home?.route(["down", watcher, ref, "noproc"]);
  else (target.monitoredBy ??= new Map()).set(ref, watcher);
}

/** The monitor `ref` of another node's process on the local `target` ends. */
export function demonitorArrived(target: Proc, ref: Ref): void {
  target.monitoredBy?.delete(ref);
}

/**
 * A process watched on another node ended (or its node went down: `"noconnection"`). A call's tag
 * settles the call; a process's monitor delivers `["DOWN", ref, "process", object, reason]` once.
 */
export function downArrived(watcher: Pid, ref: Ref, object: unknown, reason: unknown): void {
  const call = ref[CALL_SLOT];
  if (call !== undefined) {
    call.down(reason);
    return;
  }
  const proc = lookup(watcher);
  if (proc?.monitors?.delete(ref) === true) deliver(proc, ["DOWN", ref, "process", object, reason] satisfies DownMessage);
}

/**
 * Erases what this node's processes hold about the processes of `home`, which went down: their
 * links break with `"noconnection"` and the monitors `home`'s processes held here are dropped. The
 * monitors held here on `home`'s processes are for the caller to fire (it knows what they watch).
 */
export function forgetHome(home: Home): void {
  const broken: Array<readonly [Proc, Pid]> = [];
  for (const proc of table.values()) {
    if (proc.links !== undefined) {
      for (const linked of proc.links) if (linked instanceof Pid && linked.home === home) broken.push([proc, linked]);
    }
    if (proc.monitoredBy !== undefined) {
      for (const [ref, watcher] of proc.monitoredBy) if (watcher instanceof Pid && watcher.home === home) proc.monitoredBy.delete(ref);
    }
  }
  for (const [proc, linked] of broken) exitArrived(linked, proc.pid, "noconnection", true);
}

const SINGLE_NODE: Directory = { self: "nonode@nohost", home: unreachable };
let directory: Directory = SINGLE_NODE;
const unreachableHomes = new Map<string, Home>();
