/**
 * Local names and destinations: `register`/`whereis`, and `send`, which accepts a Pid, a local
 * name, `{ global: term }` or `{ via: [module, term] }`.
 */
import { AlreadyRegisteredError, NoProcError, OptionsError } from "../errors.ts";
import { Global } from "./global.ts";
import type { Term, ViaModule } from "./names-types.ts";
import { isPid, type Pid } from "../process/pid.ts";
import { deliver, lookup, type Proc } from "../process/process.ts";
import { guarded } from "../unreadable.ts";

/**
 * Where a message or a call can go: a Pid, a local name (a string given to `register` or to a
 * `name` start option), a global name or a via name. A name is looked up each time, so after a
 * restart it reaches the new process.
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
    };

const localNames = new Map<string, Proc>();
const DEST_FORMS = "a Pid, a non-empty string, { global: term } or { via: [module, term] }";

/**
 * Sends `msg` to `dest`. Delivery is asynchronous and in order per sender and receiver; a message
 * to a dead Pid is dropped, as in Erlang.
 *
 * @throws NoProcError when `dest` is a name that no process holds.
 * @throws OptionsError when `dest` is not one of the `Dest` forms.
 */
export function send(dest: Dest, msg: unknown): void {
  if (isPid(dest)) {
    const proc = lookup(dest);
    if (proc !== undefined) deliver(proc, msg);
    return;
  }
  if (typeof dest === "string") {
    const proc = localNames.get(dest);
    if (proc === undefined) throw new NoProcError(dest);
    deliver(proc, msg);
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
