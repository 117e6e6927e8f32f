/**
 * Local names and destinations: `register`/`whereis`, and `send`, which accepts a Pid, a local
 * name, `{ global: term }`, `{ via: [module, term] }` or `{ name, node }`.
 */
import { AlreadyRegisteredError, NoProcError, OptionsError } from "../errors.ts";
import { Global } from "./global.ts";
import type { Term, ViaModule } from "./names-types.ts";
import { type Home, isPid, type Pid } from "../process/pid.ts";
import { deliver, lookup, type Proc } from "../process/process.ts";
import { homeOf } from "../process/home.ts";
import { guarded } from "../unreadable.ts";

/**
 * Where a message or a call can go: a Pid (of this node or another), a local name (a string given
 * to `register` or to a `name` start option), a global name, a via name, or a local name on a
 * given node (`{ name, node }`, Erlang's `{Name, Node}`). A name is looked up each time, so after
 * a restart it reaches the new process.
 */
export type Dest =
  | Pid
  | string
  | {
      /** A name registered with `Global.registerName` (or a `{ global }` start option); compared structurally. */
      readonly global: Term;
    }
  | {
      /** `[module, name]`: the name is looked up through the module, e.g. `[Registry, ["feeds", "btc"]]`. */
      readonly via: readonly [ViaModule, Term];
    }
  | NodeName;

/** A name registered with `register` on the node `node` (this one included), as a `Dest`. */
export interface NodeName {
  /** The local name on that node. */
  readonly name: string;
  /** The node's name, as `Node.self()` gives it there. */
  readonly node: string;
}

/** Where a process of another node is: its node's Home and its Pid or the name it has there. */
export type RemoteAddress = readonly [Home, Pid | string];

const localNames = new Map<string, Proc>();
const DEST_FORMS = "a Pid, a non-empty string, { global: term } or { via: [module, term] }";

/**
 * Sends `msg` to `dest`. Delivery is asynchronous and in order per sender and receiver; a message
 * to a dead Pid is dropped, as in Erlang, and so is one to a name on another node that nobody
 * holds there (or to a node that is down).
 *
 * @throws NoProcError when `dest` is a name on this node that no process holds.
 * @throws OptionsError when `dest` is not one of the `Dest` forms.
 * @throws EncodeError (from distribution) when `msg` cannot cross to another node.
 */
export function send(dest: Dest, msg: unknown): void {
  if (isPid(dest)) {
    const proc = lookup(dest);
    if (proc !== undefined) deliver(proc, msg);
    else dest.home?.route(["send", dest, msg]);
    return;
  }
  if (typeof dest === "string") {
    const proc = localNames.get(dest);
    if (proc === undefined) throw new NoProcError(dest);
    deliver(proc, msg);
    return;
  }
  if (isNodeName(dest)) {
    const home = homeOf(dest.node);
    if (home === undefined) send(dest.name, msg);
    else home.route(["send", dest.name, msg]);
    return;
  }
  const [module, name] = viaOf(dest);
  module.send(name, msg);
}

/**
 * The Pid behind `dest`, or undefined when no live process answers to it.
 * @throws OptionsError when `dest` is not one of the `Dest` forms.
 */
export function whereis(dest: Dest): Pid | undefined {
  if (isPid(dest)) return lookup(dest) === undefined ? undefined : dest;
  if (typeof dest === "string") return localNames.get(dest)?.pid;
  // A name on another node is only known there: ask it with a call or a monitor.
  if (isNodeName(dest)) return homeOf(dest.node) === undefined ? localNames.get(dest.name)?.pid : undefined;
  const [module, name] = viaOf(dest);
  return module.whereisName(name);
}

/**
 * Registers `pid` under the local `name`. The name is released when the process exits.
 *
 * @throws AlreadyRegisteredError when another process holds `name`.
 * @throws NoProcError when `pid` is not alive.
 * @throws OptionsError when `name` is not a non-empty string, or the process already has a name.
 */
export function register(name: string, pid: Pid): void {
  if (typeof name !== "string" || name.length === 0) throw new OptionsError("name", name, "a non-empty string");
  const proc = isPid(pid) ? lookup(pid) : undefined;
  if (proc === undefined) throw new NoProcError(pid, "cannot register a process that is not alive:");
  const holder = localNames.get(name);
  if (holder !== undefined) throw new AlreadyRegisteredError(name, holder.pid);
  if (proc.registeredName !== undefined) {
    throw new OptionsError("pid", pid, `a process without a name (it is registered as "${proc.registeredName}")`);
  }
  localNames.set(name, proc);
  proc.registeredName = name;
  proc.onExit(releaseLocalName);
}

/**
 * Releases the local `name`.
 * @throws NoProcError when no process holds it.
 */
export function unregister(name: string): void {
  const proc = localNames.get(name);
  if (proc === undefined) throw new NoProcError(name);
  localNames.delete(name);
  proc.registeredName = undefined;
}

/** Every local name in use. */
export function registered(): string[] {
  return [...localNames.keys()];
}

function releaseLocalName(proc: Proc): void {
  const name = proc.registeredName;
  if (name !== undefined && localNames.get(name) === proc) localNames.delete(name);
}

/** The process behind `dest`, for callers that need the record (calls, monitors). @internal */
export function resolveProc(dest: Dest): Proc | undefined {
  if (isPid(dest)) return lookup(dest);
  if (typeof dest === "string") return localNames.get(dest);
  const pid = whereis(dest);
  return pid === undefined ? undefined : lookup(pid);
}

/**
 * Where `dest` is when it is on another node (a remote Pid, `{ name, node }`, or a global or via
 * name held by a remote process); undefined otherwise. Call it after `resolveProc` missed. @internal
 */
export function resolveRemote(dest: Dest): RemoteAddress | undefined {
  if (isPid(dest)) return dest.home === undefined ? undefined : [dest.home, dest];
  if (typeof dest === "string") return undefined;
  if (isNodeName(dest)) {
    const home = homeOf(dest.node);
    return home === undefined ? undefined : [home, dest.name];
  }
  const pid = whereis(dest);
  return pid?.home === undefined ? undefined : [pid.home, pid];
}

/** True when `dest` is `{ name, node }`: two strings, nothing else. */
function isNodeName(dest: unknown): dest is NodeName {
  return guarded(() => checkNodeName(dest), (unreadable) => new OptionsError("dest", unreadable, DEST_FORMS));
}

function checkNodeName(dest: unknown): boolean {
  if (dest === null || typeof dest !== "object" || !("node" in dest) || !("name" in dest)) return false;
  const { name, node } = dest as { name: unknown; node: unknown };
  if (typeof name === "string" && name.length > 0 && typeof node === "string" && node.length > 0 && Object.keys(dest).length === 2) return true;
  throw new OptionsError("dest", dest, "{ name, node } with a non-empty string name and node");
}

function viaOf(dest: unknown): readonly [ViaModule, Term] {
  return guarded(() => checkVia(dest), (unreadable) => new OptionsError("dest", unreadable, DEST_FORMS));
}

function checkVia(dest: unknown): readonly [ViaModule, Term] {
  if (dest !== null && typeof dest === "object") {
    if ("global" in dest) return [Global, (dest as { global: Term }).global];
    if ("via" in dest) {
      const via = (dest as { via: unknown }).via;
      if (Array.isArray(via) && via.length === 2) {
        // Read once, here: the caller gets a pair of its own, not the user's array.
        const module = via[0] as ViaModule | undefined;
        if (typeof module?.send === "function") return [module, via[1] as Term];
      }
    }
  }
  throw new OptionsError("dest", dest, DEST_FORMS);
}
