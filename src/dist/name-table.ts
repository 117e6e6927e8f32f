/**
 * The cluster's table of `{ global }` names: a JetStream KV bucket per cluster, and on each node a
 * replica of it, kept by a watch and a periodic reconcile, that `Global.whereisName` and
 * `Global.send` read without a round trip.
 *
 * - **Claims** are `kv.create`: the first committed revision wins, whatever the clocks say, and a
 *   claim the broker cannot commit (no JetStream quorum) fails instead of making a duplicate.
 * - **Releases** (the holder exits, `unregisterName`, `Node.stop`) and **purges** (the holder's node
 *   is down) are deletes that only succeed on the revision they saw: a name claimed again since is
 *   never removed by a late release.
 * - **`registerName`** (the synchronous form) claims at once in the replica and confirms in the
 *   bucket a round trip later; if another node won, the winner keeps the name and the local
 *   process exits `["global_name_conflict", name]`.
 * - The watch alone would do, but a watcher can miss what happened while it was away, so every
 *   `reconcileMs` the replica is checked against the bucket's keys; every `purgeMs` (a heartbeat)
 *   the entries of node incarnations known to be gone are purged, beside `nodeDown` at once.
 *
 * Key: the name's structural key (`termKey`) in base64url. Value: JSON `{ name, pid }` with the
 * Pid's wire form; an entry that is not that, or whose name does not match its key, is dropped.
 */
import { Kvm, type KV, type KvEntry } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { getLogger } from "../runtime/logger.ts";
import { setNameTable, singleNodeTable, type NameTable } from "../runtime/names/global.ts";
import type { Term } from "../runtime/names/names-types.ts";
import { termKey } from "../runtime/names/term-key.ts";
import { isPid, type Pid } from "../runtime/process/pid.ts";
import { lookup, terminate } from "../runtime/process/process.ts";
import { NodeError } from "./errors.ts";
import { pidFromWire, pidToWire, type PidWire } from "./remote-pids.ts";

/** What the name table sees of the started node (the node's `Cluster` is one). */
export interface NameTableHost {
  /** This node's name. */
  readonly node: string;
  /** This node's current incarnation: it changes when the node rejoins after being cut off. */
  readonly incarnation: number;
  /** The node's NATS connection. */
  readonly connection: NatsConnection;
  /** Calls `listener` for every node incarnation declared down. */
  onNodeDown(listener: (node: string, incarnation: number) => void): void;
  /** Calls `listener` when this node rejoined as a new incarnation. */
  onRejoin(listener: (incarnation: number) => void): void;
}

/** How the cluster's name table runs. */
export interface ClusterNamesOptions {
  /** The cluster's namespace: the bucket is `parley_<cluster>_names`. */
  readonly cluster: string;
  /** How often the replica is checked for the entries of gone nodes (the heartbeat). */
  readonly purgeMs: number;
  /** How often the replica is checked against the bucket's keys. */
  readonly reconcileMs: number;
  /**
   * True when that incarnation of that node is known to be gone: declared down, never heard from
   * within `nodedownAfterMs`, or an older incarnation of this node.
   */
  readonly isGone: (node: string, incarnation: number) => boolean;
  /** JetStream replicas of the bucket: 1 on a single server, 3 or 5 on a NATS cluster. Default 1. */
  readonly replicas?: number;
}

/**
 * Opens (or creates) the cluster's bucket, loads the replica, installs the table behind `Global`,
 * and claims the names the single-node table held (a name another node holds makes its local
 * holder exit `["global_name_conflict", name]`).
 * @throws {NodeError} `["name_table_unreachable", bucket]` when the bucket cannot be opened.
 */
export async function startClusterNames(host: NameTableHost, opts: ClusterNamesOptions): Promise<ClusterNames> {
  const bucket = `parley_${opts.cluster}_names`;
  let kv: KV;
  try {
    kv = await new Kvm(host.connection).create(bucket, { history: 1, replicas: opts.replicas ?? 1 });
  } catch (err) {
    throw new NodeError(["name_table_unreachable", bucket], { cause: err });
  }
  const table = new ClusterNames(kv, host, opts);
  await table.load();
  const held = singleNodeTable.drain();
  setNameTable(table);
  await Promise.all(
    held.map(async ([name, pid]) => {
      const won = await table.register(name, pid).catch(() => false);
      if (!won) conflict(name, pid);
    }),
  );
  return table;
}

/** A name in the replica: who holds it and the revision that says so (0 while a local claim is in flight). */
interface Entry {
  readonly name: Term;
  readonly pid: Pid;
  /** The holder's wire form; a local holder's changes when this node rejoins as a new incarnation. */
  wire: PidWire;
  revision: number;
}

/** The cluster's name table on this node. */
export class ClusterNames implements NameTable {
  readonly #kv: KV;
  readonly #host: NameTableHost;
  readonly #opts: ClusterNamesOptions;
  readonly #replica = new Map<string, Entry>();
  #watch: { stop(): void } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /** @internal */
  constructor(kv: KV, host: NameTableHost, opts: ClusterNamesOptions) {
    this.#kv = kv;
    this.#host = host;
    this.#opts = opts;
    host.onNodeDown((node, incarnation) => this.nodeDown(node, incarnation));
    host.onRejoin(() => void this.#rejoined());
  }

  registerName(name: Term, pid: Pid): boolean {
    const key = nameKey(name);
    if (!this.#claimable(key, pid)) return false;
    const entry = this.#claimLocally(key, name, pid);
    this.#commit(key, entry).then(
      (won) => {
        if (!won) conflict(name, pid);
      },
      (err: unknown) => {
        // Undecided: the claim cannot be confirmed, so it does not stand.
        getLogger().warn({ name, err }, "global name claim failed: the name table is unreachable");
        conflict(name, pid);
      },
    );
    return true;
  }

  async register(name: Term, pid: Pid): Promise<boolean> {
    const key = nameKey(name);
    if (!this.#claimable(key, pid)) return false;
    return this.#commit(key, this.#claimLocally(key, name, pid));
  }

  unregisterName(name: Term): void {
    const key = nameKey(name);
    const entry = this.#replica.get(key);
    if (entry === undefined) return;
    this.#replica.delete(key);
    if (entry.revision > 0) this.#release(key, entry.revision);
  }

  whereisName(name: Term): Pid | undefined {
    return this.#replica.get(nameKey(name))?.pid;
  }

  registeredNames(): Term[] {
    // Revisions order the claims cluster-wide; local claims in flight come last.
    return [...this.#replica.values()]
      .sort((a, b) => (a.revision || Infinity) - (b.revision || Infinity))
      .map((e) => e.name);
  }

  /**
   * `node` (only its incarnation `incarnation`, when given) went down: its names leave the replica
   * at once, and the bucket on the revisions seen (every survivor tries; one delete succeeds).
   */
  nodeDown(node: string, incarnation?: number): void {
    for (const [key, entry] of this.#replica) {
      const [n, inc] = entry.wire;
      if (n === node && (incarnation === undefined || inc === incarnation)) this.#purge(key, entry);
    }
  }

  /**
   * Leaves the cluster's table (`Node.stop`): releases this node's names in the bucket, puts the
   * single-node table back behind `Global`, and registers there the names this node's processes
   * still hold.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#watch?.stop();
    const own = [...this.#replica].filter(([, e]) => this.#isLocal(e.wire));
    await Promise.all(own.map(([key, e]) => (e.revision > 0 ? this.#deleteAt(key, e.revision) : undefined)));
    setNameTable(undefined);
    for (const [, e] of own) singleNodeTable.registerName(e.name, e.pid);
  }

  /** Loads the replica from the bucket and starts the watch and the reconcile timer. @internal */
  async load(): Promise<void> {
    const watch = await this.#kv.watch({ include: "updates" });
    this.#watch = watch;
    void (async () => {
      for await (const e of watch) this.#apply(e);
    })().catch((err: unknown) => {
      if (!this.#closed) getLogger().warn({ err }, "the global name watch ended; the reconcile keeps the replica");
    });
    await this.#reconcile();
    const every = Math.max(1, Math.round(this.#opts.reconcileMs / this.#opts.purgeMs));
    let tick = 0;
    this.#timer = setInterval(() => {
      if (++tick % every === 0) void this.#reconcile().catch(() => undefined);
      else this.#purgeGone();
    }, this.#opts.purgeMs);
    this.#timer.unref();
  }

  #claimable(key: string, pid: Pid): boolean {
    if (this.#closed || this.#replica.has(key) || !isPid(pid) || pid.home !== undefined) return false;
    return lookup(pid)?.alive === true;
  }

  #claimLocally(key: string, name: Term, pid: Pid): Entry {
    const entry: Entry = { name, pid, wire: pidToWire(pid), revision: 0 };
    this.#replica.set(key, entry);
    lookup(pid)?.onExit(() => {
      if (this.#replica.get(key) !== entry) return;
      this.#replica.delete(key);
      if (entry.revision > 0) this.#release(key, entry.revision);
    });
    return entry;
  }

  /** Creates the key; true when this claim won. A claim released while in flight is deleted again. */
  async #commit(key: string, entry: Entry): Promise<boolean> {
    let revision: number;
    try {
      revision = await this.#kv.create(key, JSON.stringify({ name: entry.name, pid: entry.wire }));
    } catch (err) {
      if (this.#replica.get(key) === entry) this.#replica.delete(key);
      if (isWrongSequence(err)) {
        await this.#fetch(key).catch(() => undefined);
        return false;
      }
      throw new NodeError(["name_table_unreachable", entry.name], { cause: err });
    }
    if (this.#replica.get(key) !== entry) {
      this.#release(key, revision);
      return false;
    }
    entry.revision = Math.max(entry.revision, revision);
    return true;
  }

  #apply(e: KvEntry): void {
    const current = this.#replica.get(e.key);
    if (e.operation !== "PUT") {
      if (current !== undefined && current.revision > 0 && current.revision < e.revision) this.#replica.delete(e.key);
      return;
    }
    if (current !== undefined && current.revision >= e.revision) return;
    const entry = this.#parse(e);
    if (entry === undefined) return;
    // Our own claim, seen before its create answered: the same entry, now with its revision.
    if (current !== undefined && current.revision === 0 && current.pid === entry.pid) {
      current.revision = e.revision;
      return;
    }
    // Otherwise a claim in flight here lost to this one, and #commit's failure ends its holder.
    if (this.#opts.isGone(entry.wire[0], entry.wire[1])) this.#purge(e.key, entry);
    else this.#replica.set(e.key, entry);
  }

  #parse(e: KvEntry): Entry | undefined {
    try {
      const value = JSON.parse(e.string()) as { name?: Term; pid?: unknown };
      if (value === null || typeof value !== "object" || !("name" in value)) throw new TypeError("not { name, pid }");
      const name = value.name as Term;
      if (nameKey(name) !== e.key) throw new TypeError(`the name ${JSON.stringify(name)} does not match the key`);
      const pid = pidFromWire(value.pid);
      return { name, pid, wire: value.pid as PidWire, revision: e.revision };
    } catch (err) {
      getLogger().warn({ key: e.key, revision: e.revision, err }, "dropped a global name entry that is not one");
      return undefined;
    }
  }

  async #fetch(key: string): Promise<void> {
    const e = await this.#kv.get(key);
    if (e !== null) this.#apply(e);
  }

  /** Checks the replica against the bucket: missed deletes, missed puts, gone nodes' entries. */
  async #reconcile(): Promise<void> {
    if (this.#closed) return;
    const status = await this.#kv.status();
    const upTo = status.streamInfo.state.last_seq;
    const keys = new Set<string>();
    for await (const key of await this.#kv.keys()) keys.add(key);
    for (const [key, entry] of this.#replica) {
      // Revisions after upTo were committed after the listing began: keep them.
      if (entry.revision > 0 && entry.revision <= upTo && !keys.has(key)) this.#replica.delete(key);
    }
    await Promise.all([...keys].filter((k) => !this.#replica.has(k)).map((k) => this.#fetch(k)));
    this.#purgeGone();
  }

  #purgeGone(): void {
    for (const [key, entry] of this.#replica) {
      if (entry.revision > 0 && this.#opts.isGone(entry.wire[0], entry.wire[1])) this.#purge(key, entry);
    }
  }

  #purge(key: string, entry: Entry): void {
    if (this.#replica.get(key) === entry) this.#replica.delete(key);
    if (entry.revision > 0) this.#release(key, entry.revision);
  }

  #release(key: string, revision: number): void {
    void this.#deleteAt(key, revision);
  }

  /** Deletes `key` only at `revision`; a newer claim (or a delete by another survivor) wins. */
  async #deleteAt(key: string, revision: number): Promise<void> {
    try {
      await this.#kv.delete(key, { previousSeq: revision });
    } catch (err) {
      if (!isWrongSequence(err) && !this.#closed) getLogger().warn({ key, err }, "could not release a global name");
    }
  }

  #isLocal(wire: PidWire): boolean {
    return wire[0] === this.#host.node && wire[1] === this.#host.incarnation;
  }

  /**
   * This node came back as a new incarnation: the others purge the entries of the old one, so each
   * name a local process still holds moves to the new incarnation's wire form, by an update on the
   * revision seen (or a new claim if it was purged already). A name lost meanwhile ends its holder.
   */
  async #rejoined(): Promise<void> {
    const own = [...this.#replica].filter(([, e]) => e.wire[0] === this.#host.node && e.revision > 0);
    await Promise.all(
      own.map(async ([key, entry]) => {
        entry.wire = pidToWire(entry.pid);
        const value = JSON.stringify({ name: entry.name, pid: entry.wire });
        try {
          entry.revision = await this.#kv.update(key, value, entry.revision);
        } catch {
          entry.revision = 0;
          const won = await this.#commit(key, entry).catch(() => false);
          if (!won) conflict(entry.name, entry.pid);
        }
      }),
    );
  }
}

/** The bucket key of a global name: its structural key (`termKey`) in base64url. */
export function nameKey(name: Term): string {
  return Buffer.from(termKey(name)).toString("base64url");
}

function isWrongSequence(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 10071 || code === 10164;
}

/** The local holder of a name another node won leaves, as `:global`'s resolution makes it. */
function conflict(name: Term, pid: Pid): void {
  const proc = lookup(pid);
  if (proc?.alive === true) terminate(proc, ["global_name_conflict", name]);
}
