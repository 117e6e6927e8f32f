/**
 * Global names: `{ global: term }`. With one Node process there is one node, so global names are a
 * second, term-keyed namespace beside the local one, with the same release-on-exit rule.
 */
import { NoProcError } from "../errors.ts";
import type { Term, ViaModule } from "./names-types.ts";
import { isPid, type Pid } from "../process/pid.ts";
import { deliver, lookup, type Proc } from "../process/process.ts";
import { termKey } from "./term-key.ts";

const globalNames = new Map<string, { readonly name: Term; readonly proc: Proc }>();

/**
 * Erlang's `global` module, as a via module: `{ global: term }` names go through it. With a single
 * Node process it is a second, term-keyed namespace beside the local names: `["feed", "btc"]` and
 * `["feed", "btc"]` are the same name. A name is released when its process exits.
 *
 * `registerName` returns false when the name is taken or the pid is not alive; `send` throws
 * `NoProcError` when nobody holds the name.
 */
export const Global: ViaModule & {
  /** Every global name in use, in registration order. */
  registeredNames(): Term[];
} = {
  /** Registers `pid` under `name`; false when the name is taken or `pid` is not alive. */
  registerName(name: Term, pid: Pid): boolean {
    const proc = isPid(pid) ? lookup(pid) : undefined;
    const key = termKey(name);
    if (proc === undefined || globalNames.has(key)) return false;
    globalNames.set(key, { name, proc });
    proc.onExit(() => {
      if (globalNames.get(key)?.proc === proc) globalNames.delete(key);
    });
    return true;
  },

  /** Releases `name`; does nothing when it is not registered. */
  unregisterName(name: Term): void {
    globalNames.delete(termKey(name));
  },

  /** The process registered under `name`, or undefined. */
  whereisName(name: Term): Pid | undefined {
    return globalNames.get(termKey(name))?.proc.pid;
  },

  /** @throws NoProcError when no process holds `name`. */
  send(name: Term, msg: unknown): void {
    const entry = globalNames.get(termKey(name));
    if (entry === undefined) throw new NoProcError({ global: name });
    deliver(entry.proc, msg);
  },

  /** Every global name in use, in registration order. */
  registeredNames(): Term[] {
    return [...globalNames.values()].map((e) => e.name);
  },
};
