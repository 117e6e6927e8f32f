/**
 * A unique-key process registry, usable as a via module: name a process
 * `{ via: [Registry, [registryName, key]] }`. Like Elixir's Registry, the table belongs to a registry
 * process (so it can live under a supervisor) and entries go away when their process exits.
 */
import { NoProcError, OptionsError, StartError } from "../errors.ts";
import type { Term, ViaModule } from "./names-types.ts";
import { isPid, type Pid } from "../process/pid.ts";
import { bodyStart, createProc, currentProc, deliver, type ExitHook, linkProcs, lookup, type Proc } from "../process/process.ts";
import { receiveIn } from "../process/receive.ts";
import { register, whereis } from "./names.ts";
import { termKey } from "./term-key.ts";
import type { ChildSpec } from "../behaviours/child-spec-types.ts";

/** Options of `Registry.startLink`. */
export interface RegistryOptions {
  /** Only `"unique"` keys are supported: one process per key. */
  readonly keys: "unique";
  /** The registry's name: how via names and `lookup` refer to it (also its local process name). */
  readonly name: string;
}

interface Entry {
  readonly key: Term;
  readonly proc: Proc;
  readonly value: unknown;
  readonly hook: ExitHook;
}

interface Table {
  readonly owner: Proc;
  readonly entries: Map<string, Entry>;
}

const tables = new Map<string, Table>();

/**
 * A unique-key registry of processes.
 *
 * @example
 * ```ts
 * await Registry.startLink({ keys: "unique", name: "feeds" });
 * await Feed.start("btc", { name: { via: [Registry, ["feeds", "btc"]] } });
 * Registry.lookup("feeds", "btc"); // [[pid, undefined]]
 * ```
 */
export const Registry: ViaModule & {
  /**
   * Starts a registry process that owns the table `options.name` and is registered under that
   * local name; linked to the caller (outside a process, unlinked). When it exits, the table and
   * every entry in it are gone.
   * @throws OptionsError (rejection) for keys other than `"unique"` or a name that is not a non-empty string.
   * @throws StartError (rejection) with `["already_started", pid]` when a process holds the name.
   */
  startLink(options: RegistryOptions): Promise<Pid>;
  /**
   * A supervisor child spec that starts the registry: id `options.name`, type `"supervisor"` (so
   * its shutdown defaults to `"infinity"`), as Elixir's Registry.
   * @throws OptionsError for bad options, at once.
   */
  childSpec(options: RegistryOptions): ChildSpec;
  /**
   * Registers the current process under `key`, with `value` for `lookup` to return. The entry goes
   * away when the process exits.
   * @returns false when `key` is taken.
   * @throws OptionsError outside a process.
   * @throws NoProcError when no registry runs under `registryName`.
   */
  register(registryName: string, key: Term, value?: unknown): boolean;
  /**
   * Removes the entry under `key`, whichever process holds it; does nothing when the key is free.
   * @throws NoProcError when no registry runs under `registryName`.
   */
  unregister(registryName: string, key: Term): void;
  /**
   * The process under `key` and the value it registered with: `[[pid, value]]`, or `[]`. The value
   * is `undefined` for a process registered through a via name.
   * @throws NoProcError when no registry runs under `registryName`.
   */
  lookup(registryName: string, key: Term): Array<[Pid, unknown]>;
  /**
   * The keys `pid` is registered under, oldest first.
   * @throws NoProcError when no registry runs under `registryName`.
   */
  keys(registryName: string, pid: Pid): Term[];
} = {
  async startLink(options: RegistryOptions): Promise<Pid> {
    const { name } = checkOptions(options);
    const existing = whereis(name);
    if (existing !== undefined) throw new StartError(["already_started", existing]);
    const owner = createProc(bodyStart(() => drainForever(owner)));
    const parent = currentProc();
    if (parent?.alive) linkProcs(parent, owner);
    register(name, owner.pid);
    const table: Table = { owner, entries: new Map() };
    tables.set(name, table);
    owner.onExit(() => {
      tables.delete(name);
      for (const entry of table.entries.values()) entry.proc.offExit(entry.hook);
    });
    return owner.pid;
  },

  childSpec(options: RegistryOptions): ChildSpec {
    checkOptions(options);
    return { id: options.name, start: () => Registry.startLink(options), type: "supervisor" };
  },

  register(registryName: string, key: Term, value?: unknown): boolean {
    const proc = currentProc();
    if (proc === undefined) throw new OptionsError("process", undefined, "a call from inside a process");
    return add(tableOf(registryName), key, proc, value);
  },

  unregister(registryName: string, key: Term): void {
    const table = tableOf(registryName);
    const entry = table.entries.get(termKey(key));
    if (entry === undefined) return;
    table.entries.delete(termKey(key));
    entry.proc.offExit(entry.hook);
  },

  lookup(registryName: string, key: Term): Array<[Pid, unknown]> {
    const entry = tableOf(registryName).entries.get(termKey(key));
    return entry === undefined ? [] : [[entry.proc.pid, entry.value]];
  },

  keys(registryName: string, pid: Pid): Term[] {
    return [...tableOf(registryName).entries.values()].filter((e) => e.proc.pid === pid).map((e) => e.key);
  },

  registerName(name: Term, pid: Pid): boolean {
    const [registryName, key] = splitName(name);
    const proc = isPid(pid) ? lookup(pid) : undefined;
    return proc !== undefined && add(tableOf(registryName), key, proc, undefined);
  },

  unregisterName(name: Term): void {
    const [registryName, key] = splitName(name);
    Registry.unregister(registryName, key);
  },

  whereisName(name: Term): Pid | undefined {
    const [registryName, key] = splitName(name);
    return tableOf(registryName).entries.get(termKey(key))?.proc.pid;
  },

  /** @throws NoProcError when nobody is registered under the name. */
  send(name: Term, msg: unknown): void {
    const [registryName, key] = splitName(name);
    const entry = tableOf(registryName).entries.get(termKey(key));
    if (entry === undefined) throw new NoProcError({ via: ["Registry", name] });
    deliver(entry.proc, msg);
  },
};

function add(table: Table, key: Term, proc: Proc, value: unknown): boolean {
  const k = termKey(key);
  if (table.entries.has(k) || !proc.alive) return false;
  const hook: ExitHook = () => {
    if (table.entries.get(k)?.proc === proc) table.entries.delete(k);
  };
  table.entries.set(k, { key, proc, value, hook });
  proc.onExit(hook);
  return true;
}

function tableOf(registryName: string): Table {
  const table = tables.get(registryName);
  if (table === undefined) throw new NoProcError(registryName, "no registry is running under");
  return table;
}

function splitName(name: Term): readonly [string, Term] {
  if (Array.isArray(name) && name.length === 2 && typeof name[0] === "string") return name as [string, Term];
  throw new OptionsError("via name", name, "[registryName, key]");
}

function checkOptions(options: RegistryOptions): RegistryOptions {
  if (options === null || typeof options !== "object") {
    throw new OptionsError("options", options, '{ keys: "unique", name: string }');
  }
  if (options.keys !== "unique") throw new OptionsError("keys", options.keys, '"unique"');
  if (typeof options.name !== "string" || options.name === "") {
    throw new OptionsError("name", options.name, "a non-empty string");
  }
  return options;
}

/** The registry process has no protocol of its own; it only owns the table and discards mail. */
async function drainForever(owner: Proc): Promise<never> {
  for (;;) await receiveIn(owner, undefined, Infinity);
}
