/**
 * Registry, as Elixir's: a table of processes by key, owned by a registry process (so it can live
 * under a supervisor), whose entries go away when their process exits. With unique keys it is a
 * via module (`{ via: [Registry, [registryName, key]] }`); with duplicate keys it is a local PubSub:
 * many processes register under one topic and `dispatch` reaches them all.
 */
import { NoProcError, OptionsError, StartError } from "../errors.ts";
import type { Term, ViaModule } from "./names-types.ts";
import { isPid, type Pid } from "../process/pid.ts";
import { bodyStart, createProc, currentProc, deliver, type ExitHook, linkProcs, lookup, type Proc } from "../process/process.ts";
import { receiveIn } from "../process/receive.ts";
import { register, whereis } from "./names.ts";
import { termKey } from "./term-key.ts";
import type { ChildSpec } from "../behaviours/child-spec-types.ts";
import { SystemRequest } from "../behaviours/gen-call.ts";

/** Options of `Registry.startLink`. */
export interface RegistryOptions {
  /**
   * `"unique"`: one process per key (`register` answers false for a taken key), usable for via
   * names. `"duplicate"`: any number of entries per key, one process may register a key many
   * times; `dispatch` and `lookup` return them all.
   */
  readonly keys: "unique" | "duplicate";
  /** The registry's name: how via names and every function refer to it (also its local process name). */
  readonly name: string;
  /**
   * How many partitions the table is split into (default 1), as Elixir's `:partitions`: unique keys
   * are spread by key, duplicate entries by the registering process, so `dispatch` calls back once
   * per partition that holds entries for the key. Everything runs on one thread here, so partitions
   * change grouping, not parallelism.
   */
  readonly partitions?: number;
}

interface Entry {
  readonly key: string;
  readonly term: Term;
  readonly proc: Proc;
  /** What `lookup` and `dispatch` hand out: built once per entry. */
  readonly pair: [Pid, unknown];
}

/** One process's entries in one registry, and the hook that removes them when it exits. */
interface Holder {
  readonly entries: Entry[];
  readonly hook: ExitHook;
}

interface Table {
  readonly owner: Proc;
  readonly unique: boolean;
  /** Key → entries, oldest first (at most one for unique keys), in each partition. */
  readonly partitions: ReadonlyArray<Map<string, Entry[]>>;
  readonly holders: Map<Proc, Holder>;
}

const tables = new Map<string, Table>();

/**
 * A process registry: unique keys for naming processes, duplicate keys for PubSub.
 *
 * @example
 * ```ts
 * await Registry.startLink({ keys: "unique", name: "feeds" });
 * await Feed.start("btc", { name: { via: [Registry, ["feeds", "btc"]] } });
 * Registry.lookup("feeds", "btc"); // [[pid, undefined]]
 *
 * await Registry.startLink({ keys: "duplicate", name: "topics" });
 * // in each subscriber: Registry.register("topics", "prices", filter)
 * Registry.dispatch("topics", "prices", (entries) => {
 *   for (const [pid] of entries) send(pid, ["price", 97_000]);
 * });
 * ```
 */
export const Registry: ViaModule & {
  /**
   * Starts a registry process that owns the table `options.name` and is registered under that
   * local name; linked to the caller (outside a process, unlinked). When it exits, the table and
   * every entry in it are gone.
   * @throws OptionsError (rejection) for bad `keys`, `partitions`, or a name that is not a non-empty string.
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
   * Registers the current process under `key`, with `value` for `lookup` and `dispatch` to return.
   * The entry goes away when the process exits.
   * @returns false when the registry has unique keys and `key` is taken; true otherwise (a
   *   duplicate registry takes the same key from the same process again as a second entry).
   * @throws OptionsError outside a process.
   * @throws NoProcError when no registry runs under `registryName`.
   */
  register(registryName: string, key: Term, value?: unknown): boolean;
  /**
   * Unique keys: removes the entry under `key`, whichever process holds it. Duplicate keys: removes
   * every entry of the calling process under `key` (Elixir's rule for both kinds), and throws
   * OptionsError outside a process. Does nothing when there is no such entry.
   * @throws NoProcError when no registry runs under `registryName`.
   */
  unregister(registryName: string, key: Term): void;
  /**
   * The entries under `key` as `[pid, value]`, oldest first within a partition; `[]` when none.
   * The value is `undefined` for a process registered through a via name.
   * @throws NoProcError when no registry runs under `registryName`.
   */
  lookup(registryName: string, key: Term): Array<[Pid, unknown]>;
  /**
   * The keys `pid` is registered under, oldest first; a key registered twice appears twice.
   * @throws NoProcError when no registry runs under `registryName`.
   */
  keys(registryName: string, pid: Pid): Term[];
  /**
   * How many entries the registry holds.
   * @throws NoProcError when no registry runs under `registryName`.
   */
  count(registryName: string): number;
  /**
   * Calls `fn` with the entries under `key` (`[pid, value]` pairs), synchronously in the caller,
   * once per partition that holds any: never with an empty list. What `fn` throws reaches the
   * caller. The usual `fn` sends each pid a message: this is how a duplicate registry is a PubSub.
   * @throws NoProcError when no registry runs under `registryName`.
   */
  dispatch(registryName: string, key: Term, fn: (entries: Array<[Pid, unknown]>) => void): void;
} = {
  async startLink(options: RegistryOptions): Promise<Pid> {
    const { name, keys, partitions = 1 } = checkOptions(options);
    const existing = whereis(name);
    if (existing !== undefined) throw new StartError(["already_started", existing]);
    const owner = createProc(bodyStart(() => drainForever(owner)));
    const parent = currentProc();
    if (parent?.alive) linkProcs(parent, owner);
    register(name, owner.pid);
    const table: Table = {
      owner,
      unique: keys === "unique",
      partitions: Array.from({ length: partitions }, () => new Map<string, Entry[]>()),
      holders: new Map(),
    };
    tables.set(name, table);
    owner.onExit(() => {
      tables.delete(name);
      for (const [proc, holder] of table.holders) proc.offExit(holder.hook);
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
    const k = termKey(key);
    const list = partitionOf(table, k, undefined).get(k);
    if (table.unique) {
      if (list !== undefined) remove(table, list[0]!);
      return;
    }
    const proc = currentProc();
    if (proc === undefined) throw new OptionsError("process", undefined, "a call from inside a process (duplicate keys are unregistered by their own process)");
    for (const entry of partitionOf(table, k, proc).get(k)?.filter((e) => e.proc === proc) ?? []) remove(table, entry);
  },

  lookup(registryName: string, key: Term): Array<[Pid, unknown]> {
    const found: Array<[Pid, unknown]> = [];
    Registry.dispatch(registryName, key, (entries) => found.push(...entries));
    return found;
  },

  keys(registryName: string, pid: Pid): Term[] {
    const table = tableOf(registryName);
    const proc = isPid(pid) ? lookup(pid) : undefined;
    return proc === undefined ? [] : (table.holders.get(proc)?.entries.map((e) => e.term) ?? []);
  },

  count(registryName: string): number {
    let n = 0;
    for (const holder of tableOf(registryName).holders.values()) n += holder.entries.length;
    return n;
  },

  dispatch(registryName: string, key: Term, fn: (entries: Array<[Pid, unknown]>) => void): void {
    if (typeof fn !== "function") throw new OptionsError("fn", fn, "a function");
    const table = tableOf(registryName);
    const k = termKey(key);
    const partitions = table.unique ? [partitionOf(table, k, undefined)] : table.partitions;
    for (const partition of partitions) {
      const list = partition.get(k);
      if (list !== undefined) fn(list.map((e) => e.pair));
    }
  },

  registerName(name: Term, pid: Pid): boolean {
    const [registryName, key] = splitName(name);
    const table = uniqueTable(registryName, name);
    const proc = isPid(pid) ? lookup(pid) : undefined;
    return proc !== undefined && add(table, key, proc, undefined);
  },

  unregisterName(name: Term): void {
    const [registryName, key] = splitName(name);
    uniqueTable(registryName, name);
    Registry.unregister(registryName, key);
  },

  whereisName(name: Term): Pid | undefined {
    const [registryName, key] = splitName(name);
    const k = termKey(key);
    return partitionOf(uniqueTable(registryName, name), k, undefined).get(k)?.[0]?.proc.pid;
  },

  /** @throws NoProcError when nobody is registered under the name. */
  send(name: Term, msg: unknown): void {
    const [registryName, key] = splitName(name);
    const k = termKey(key);
    const entry = partitionOf(uniqueTable(registryName, name), k, undefined).get(k)?.[0];
    if (entry === undefined) throw new NoProcError({ via: ["Registry", name] });
    deliver(entry.proc, msg);
  },
};

function add(table: Table, term: Term, proc: Proc, value: unknown): boolean {
  const key = termKey(term);
  if (!proc.alive) return false;
  const partition = partitionOf(table, key, proc);
  const list = partition.get(key);
  if (table.unique && list !== undefined) return false;
  const entry: Entry = { key, term, proc, pair: [proc.pid, value] };
  if (list === undefined) partition.set(key, [entry]);
  else list.push(entry);
  let holder = table.holders.get(proc);
  if (holder === undefined) {
    const hook: ExitHook = () => {
      for (const e of holder!.entries.slice()) remove(table, e);
    };
    holder = { entries: [], hook };
    table.holders.set(proc, holder);
    proc.onExit(hook);
  }
  holder.entries.push(entry);
  return true;
}

function remove(table: Table, entry: Entry): void {
  const partition = partitionOf(table, entry.key, entry.proc);
  const list = partition.get(entry.key);
  const i = list?.indexOf(entry) ?? -1;
  if (i === -1) return;
  if (list!.length === 1) partition.delete(entry.key);
  else list!.splice(i, 1);
  const holder = table.holders.get(entry.proc)!;
  holder.entries.splice(holder.entries.indexOf(entry), 1);
  if (holder.entries.length === 0) {
    table.holders.delete(entry.proc);
    entry.proc.offExit(holder.hook);
  }
}

/** Unique keys are spread by key, duplicate entries by their process (Elixir's `{:duplicate, :pid}`). */
function partitionOf(table: Table, key: string, proc: Proc | undefined): Map<string, Entry[]> {
  const n = table.partitions.length;
  if (n === 1) return table.partitions[0]!;
  if (table.unique || proc === undefined) return table.partitions[hash(key) % n]!;
  // Fibonacci hashing, top bits: pids made in a regular stride still spread over every partition.
  return table.partitions[Math.floor(((Math.imul(proc.pid.id, 0x9e3779b1) >>> 0) / 2 ** 32) * n)]!;
}

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) >>> 0;
  return h;
}

function tableOf(registryName: string): Table {
  const table = tables.get(registryName);
  if (table === undefined) throw new NoProcError(registryName, "no registry is running under");
  return table;
}

/** A via name needs unique keys: with duplicates, a name would not say which process it is. */
function uniqueTable(registryName: string, name: Term): Table {
  const table = tableOf(registryName);
  if (!table.unique) throw new OptionsError("via name", name, `[registryName, key] of a Registry with unique keys ("${registryName}" has duplicate keys)`);
  return table;
}

function splitName(name: Term): readonly [string, Term] {
  if (Array.isArray(name) && name.length === 2 && typeof name[0] === "string") return name as [string, Term];
  throw new OptionsError("via name", name, "[registryName, key]");
}

const ACCEPTED = '{ keys: "unique" | "duplicate", name: string, partitions?: number }';

function checkOptions(options: RegistryOptions): RegistryOptions {
  if (options === null || typeof options !== "object") throw new OptionsError("options", options, ACCEPTED);
  if (options.keys !== "unique" && options.keys !== "duplicate") throw new OptionsError("keys", options.keys, '"unique" or "duplicate"');
  if (typeof options.name !== "string" || options.name === "") {
    throw new OptionsError("name", options.name, "a non-empty string");
  }
  const { partitions } = options;
  if (partitions !== undefined && (!Number.isInteger(partitions) || partitions < 1)) {
    throw new OptionsError("partitions", partitions, "a positive integer");
  }
  return options;
}

/**
 * The registry process has no protocol of its own: it owns the table and discards mail, except a
 * stop (`GenServer.stop` or `Supervisor.stop` on the registry), on which it exits with the reason
 * given, as any OTP process started with proc_lib ends on `proc_lib:stop`. Other `sys` requests go
 * unanswered, as they do from an Erlang process that is not a behaviour: the caller times out.
 */
async function drainForever(owner: Proc): Promise<never> {
  for (;;) {
    const msg = await receiveIn(owner, undefined, Infinity);
    if (msg instanceof SystemRequest && Array.isArray(msg.request) && msg.request[0] === "stop") throw msg.request[1];
  }
}
