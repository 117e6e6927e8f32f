/**
 * Global names: `{ global: term }`. They live in a name table: on a single node, a second,
 * term-keyed namespace in this Node process beside the local names; once the node joins a cluster
 * (`Node.start`), the cluster's table, which distribution installs with {@link setNameTable} and
 * takes away at `Node.stop`. The runtime only knows the {@link NameTable} contract.
 */
import { NoProcError } from "../errors.ts";
import type { Term, ViaModule } from "./names-types.ts";
import { isPid, type Pid } from "../process/pid.ts";
import { deliver, lookup, type Proc } from "../process/process.ts";
import { termKey } from "./term-key.ts";

/**
 * Erlang's `global` module, as a via module: `{ global: term }` names go through it. Names compare
 * structurally: `["feed", "btc"]` and `["feed", "btc"]` are the same name. A name is released when
 * its process exits.
 *
 * On a single node the names are this Node process's. On a node started with `Node.start` they are
 * the cluster's: `Global.register` claims a name atomically across every node;
 * `registerName` claims it at once and is confirmed within one heartbeat (if another node won,
 * the local process exits `["global_name_conflict", name]`); `whereisName` and `send` read a
 * local replica of the cluster's table, so they cost no round trip.
 *
 * `registerName` returns false when the name is taken or the pid is not alive; `send` throws
 * `NoProcError` when nobody holds the name.
 */
export const Global: ViaModule & {
  /**
   * Registers `pid` under `name`, atomically across the cluster when the node is distributed: of
   * any number of concurrent registrations of one name, on any nodes, exactly one resolves true,
   * and every node agrees on the winner (Erlang's `global:register_name/2`).
   *
   * @returns true when `pid` now holds `name`; false when the name is taken or `pid` is not a live
   *   process of this node.
   * @throws NodeError (rejects) when the cluster's table cannot be reached to decide.
   * @throws OptionsError (rejects) on a distributed node when `name` is not a JSON-like term:
   *   only those cross to other nodes.
   */
  register(name: Term, pid: Pid): Promise<boolean>;
  /** Every global name in use (on a distributed node: in the cluster), in registration order. */
  registeredNames(): Term[];
} = {
  /** Registers `pid` under `name`; false when the name is taken or `pid` is not alive. */
  registerName(name: Term, pid: Pid): boolean {
    return table.registerName(name, pid);
  },

  register(name: Term, pid: Pid): Promise<boolean> {
    return table.register(name, pid);
  },

  /** Releases `name`; does nothing when it is not registered. */
  unregisterName(name: Term): void {
    table.unregisterName(name);
  },

  /** The process registered under `name`, or undefined. */
  whereisName(name: Term): Pid | undefined {
    return table.whereisName(name);
  },

  /** @throws NoProcError when no process holds `name`. */
  send(name: Term, msg: unknown): void {
    const pid = table.whereisName(name);
    if (pid === undefined) throw new NoProcError({ global: name });
    // names.ts's send(pid) does the same, but importing it here would close an import circle.
    const proc = lookup(pid);
    if (proc !== undefined) deliver(proc, msg);
    else pid.home?.route(["send", pid, msg]);
  },

  registeredNames(): Term[] {
    return table.registeredNames();
  },
};

/**
 * Claims `name` for a process being started: registers it at once (so the name answers from now
 * on) and resolves undefined once the table has decided `pid` holds it, or the holder when the
 * name is taken (`pid` itself when the table will not say). On a distributed node the decision
 * is the cluster's, so `start` with a `{ global }` name waits for it before `init` runs.
 * @throws NodeError (rejects) when the cluster's table cannot decide.
 * @internal
 */
export async function claimGlobal(name: Term, pid: Pid): Promise<Pid | undefined> {
  if (await table.register(name, pid)) return undefined;
  return table.whereisName(name) ?? pid;
}

/**
 * Where global names live: the contract between {@link Global} and a table. The single-node table
 * is the default; distribution installs the cluster's.
 * @internal
 */
export interface NameTable {
  /** Claims `name` for `pid` at once; false when taken here or `pid` is not alive. */
  registerName(name: Term, pid: Pid): boolean;
  /** Claims `name` for `pid`, resolving once the table has decided. */
  register(name: Term, pid: Pid): Promise<boolean>;
  /** Releases `name`. */
  unregisterName(name: Term): void;
  /** The holder of `name`, without a round trip. */
  whereisName(name: Term): Pid | undefined;
  /** Every name in the table, in registration order. */
  registeredNames(): Term[];
}

/**
 * Installs the cluster's name table (`Node.start`), or, with undefined, puts back the single-node
 * one (`Node.stop`). Names held in the table being replaced are the caller's to carry over: see
 * {@link singleNodeTable}.
 * @internal
 */
export function setNameTable(next: NameTable | undefined): void {
  table = next ?? singleNodeTable;
}

/** The single-node table: names in this Node process, released when their process exits. */
class SingleNodeTable implements NameTable {
  readonly #names = new Map<string, { readonly name: Term; readonly proc: Proc }>();

  registerName(name: Term, pid: Pid): boolean {
    const proc = isPid(pid) ? lookup(pid) : undefined;
    const key = termKey(name);
    if (proc === undefined || this.#names.has(key)) return false;
    this.#names.set(key, { name, proc });
    proc.onExit(() => {
      if (this.#names.get(key)?.proc === proc) this.#names.delete(key);
    });
    return true;
  }

  register(name: Term, pid: Pid): Promise<boolean> {
    return Promise.resolve(this.registerName(name, pid));
  }

  unregisterName(name: Term): void {
    this.#names.delete(termKey(name));
  }

  whereisName(name: Term): Pid | undefined {
    return this.#names.get(termKey(name))?.proc.pid;
  }

  registeredNames(): Term[] {
    return [...this.#names.values()].map((e) => e.name);
  }

  /** Empties the table and returns what it held, for the cluster's table to claim. */
  drain(): Array<readonly [Term, Pid]> {
    const held = [...this.#names.values()].map((e) => [e.name, e.proc.pid] as const);
    this.#names.clear();
    return held;
  }
}

/**
 * The single-node table, for distribution to carry names over: at `Node.start` it drains it and
 * claims those names in the cluster; at `Node.stop` it registers the names its own processes
 * still hold back into it.
 * @internal
 */
export const singleNodeTable = new SingleNodeTable();

let table: NameTable = singleNodeTable;
