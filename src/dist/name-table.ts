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
 * - **Holders on other nodes are monitored**, as `:global` does: when one ends, or its node goes
 *   down (or was down already: a stale entry of a dead incarnation), its name leaves the replica at
 *   once and every survivor deletes it on the revision it saw; one delete succeeds.
 * - The watch alone would do, but a watcher can miss what happened while it was away, so every
 *   `reconcileMs` the replica is checked against the bucket's keys.
 *
 * Key: the name's structural key (`termKey`) in base64url. Value: JSON `{ name, pid }` with the
 * Pid's wire form; an entry that is not that, or whose name does not match its key, is dropped.
 */
import { Kvm, type KV, type KvEntry } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { getLogger } from "../runtime/logger.ts";
import { setNameTable, singleNodeTable, type NameTable } from "../runtime/names/global.ts";
import { validateName, type Term } from "../runtime/names/names-types.ts";
import { termKey } from "../runtime/names/term-key.ts";
import { timerDelay } from "../runtime/process/long-timer.ts";
import { isPid, type Pid } from "../runtime/process/pid.ts";
import { lookup, terminate } from "../runtime/process/process.ts";
import { send } from "../runtime/names/names.ts";
import { exit, spawn } from "../runtime/process/spawn.ts";
import { NodeError } from "./errors.ts";
import { watchHolders } from "./holder-watch.ts";
import { claimEntry, entryValue, type NameEntry as Entry, parseEntry } from "./name-entries.ts";
import { termOfKey } from "./name-keys.ts";
import { pidToWire } from "./remote-pids.ts";

/** What the name table sees of the started node (the node's `Cluster` is one). */
export interface NameTableHost {
  /** The node's NATS connection. */
  readonly connection: NatsConnection;
  /** Calls `listener` when this node rejoined as a new incarnation. */
  onRejoin(listener: (incarnation: number) => void): void;
}

/** How the cluster's name table runs. */
export interface ClusterNamesOptions {
  /** The cluster's namespace: the bucket is `parley_<cluster>_names`. */
  readonly cluster: string;
  /** How often the replica is checked against the bucket's keys, in ms. */
  readonly reconcileMs: number;
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

type Watch = Awaited<ReturnType<KV["watch"]>>;

// How long a watch that ended waits before it is opened again: long enough not to spin on a broker
// that refuses, short enough that names stay visible within about a heartbeat.
const REWATCH_MS = 100;

/** Creates of one claim, when the key turns out held by an ended process of this node (see #commit). */
const FREE_ATTEMPTS = 3;

/** The cluster's name table on this node. */
export class ClusterNames implements NameTable {
  readonly #kv: KV;
  readonly #opts: ClusterNamesOptions;
  readonly #replica = new Map<string, Entry>();
  // Entries that are not names, by key → revision: the reconcile sees their keys again, and a
  // hostile entry is reported once, not at every reconcile.
  readonly #rejected = new Map<string, number>();
  // The process that monitors holders on other nodes: ["watch", entry] / ["unwatch", entry].
  readonly #watcher: Pid;
  #watch: Watch | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /** @internal */
  constructor(kv: KV, host: NameTableHost, opts: ClusterNamesOptions) {
    this.#kv = kv;
    this.#opts = opts;
    this.#watcher = spawn(() => watchHolders<Entry>((entry) => this.#purge(entry)));
    host.onRejoin(() => void this.#rejoined());
  }

  /** @throws OptionsError when `name` is not a JSON-like term (only those cross to other nodes). */
  registerName(name: Term, pid: Pid): boolean {
    validateName({ global: name });
    const term = termKey(name);
    if (!this.#claimable(term, pid)) return false;
    const entry = this.#claimLocally(term, name, pid);
    this.#commit(entry).then(
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

  /** @throws OptionsError (rejects) when `name` is not a JSON-like term. */
  async register(name: Term, pid: Pid): Promise<boolean> {
    validateName({ global: name });
    const term = termKey(name);
    if (!this.#claimable(term, pid)) return false;
    return this.#commit(this.#claimLocally(term, name, pid));
  }

  unregisterName(name: Term): void {
    const entry = this.#replica.get(termKey(name));
    if (entry !== undefined) this.#purge(entry);
  }

  whereisName(name: Term): Pid | undefined {
    return this.#replica.get(termKey(name))?.pid;
  }

  registeredNames(): Term[] {
    // Revisions order the claims cluster-wide; local claims in flight come last.
    return [...this.#replica.values()]
      .sort((a, b) => (a.revision || Infinity) - (b.revision || Infinity))
      .map((e) => e.name);
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
    exit(this.#watcher, "kill");
    const own = [...this.#replica.values()].filter((e) => e.pid.home === undefined);
    this.#replica.clear();
    await Promise.all(own.map((e) => (e.revision > 0 ? this.#deleteAt(e.key, e.revision) : undefined)));
    setNameTable(undefined);
    for (const e of own) singleNodeTable.registerName(e.name, e.pid);
  }

  /** Loads the replica from the bucket and starts the watch and the reconcile timer. @internal */
  async load(): Promise<void> {
    this.#watch = await this.#kv.watch({ include: "updates" });
    void this.#follow(this.#watch);
    await this.#reconcile();
    this.#timer = setInterval(() => void this.#reconcile().catch(() => undefined), timerDelay(this.#opts.reconcileMs));
    this.#timer.unref();
  }

  /**
   * Applies the watch's entries; when the watch ends while the table is open (the broker went away
   * for long enough to lose it), opens a new one and reconciles the gap, retrying every
   * `reconcileMs` until the broker answers.
   */
  async #follow(watch: Watch): Promise<void> {
    for (;;) {
      try {
        for await (const e of watch) this.#apply(e);
      } catch (err) {
        if (!this.#closed) getLogger().warn({ err }, "the global name watch failed; opening a new one");
      }
      if (this.#closed) return;
      await pause(REWATCH_MS);
      const next = await this.#kv.watch({ include: "updates" }).catch(() => undefined);
      if (next === undefined) {
        await pause(this.#opts.reconcileMs);
        continue;
      }
      if (this.#closed) return next.stop();
      this.#watch = next;
      watch = next;
      await this.#reconcile().catch(() => undefined);
    }
  }

  #claimable(term: string, pid: Pid): boolean {
    if (this.#closed || this.#replica.has(term) || !isPid(pid) || pid.home !== undefined) return false;
    return lookup(pid)?.alive === true;
  }

  #claimLocally(term: string, name: Term, pid: Pid): Entry {
    const entry = claimEntry(term, name, pid);
    this.#replica.set(term, entry);
    lookup(pid)?.onExit(() => this.#purge(entry));
    return entry;
  }

  /**
   * Creates the key; true when this claim won. A claim released while in flight is deleted again.
   * A key still held by a process of this node that has ended is freed first: its release may be
   * in flight when the name is claimed again (a supervisor restarts a crashed child at once), and
   * the name is as free as `:global` makes it when its holder dies.
   */
  async #commit(entry: Entry): Promise<boolean> {
    let revision: number;
    for (let attempt = 1; ; attempt++) {
      try {
        revision = await this.#kv.create(entry.key, entryValue(entry));
        break;
      } catch (err) {
        if (isWrongSequence(err) && attempt < FREE_ATTEMPTS && this.#replica.get(entry.term) === entry && (await this.#freeIfEnded(entry.key))) continue;
        if (this.#replica.get(entry.term) === entry) this.#replica.delete(entry.term);
        if (isWrongSequence(err)) {
          await this.#fetch(entry.key).catch(() => undefined);
          return false;
        }
        throw new NodeError(["name_table_unreachable", entry.name], { cause: err });
      }
    }
    if (this.#replica.get(entry.term) !== entry) {
      void this.#deleteAt(entry.key, revision);
      return false;
    }
    entry.revision = Math.max(entry.revision, revision);
    return true;
  }

  #apply(e: KvEntry): void {
    // A key that is not the canonical one of its term (a peer's forgery) touches nothing here.
    const found = this.#replica.get(termOfKey(e.key));
    const current = found?.key === e.key ? found : undefined;
    if (this.#rejected.get(e.key) === e.revision) return;
    this.#rejected.delete(e.key);
    if (e.operation !== "PUT") {
      if (current !== undefined && current.revision > 0 && current.revision < e.revision) this.#forget(current);
      return;
    }
    if (current !== undefined && current.revision >= e.revision) return;
    const entry = this.#parse(e);
    if (entry === undefined) return;
    // The same holder (our claim seen before its create or update answered): keep the entry, whose
    // holder's exit hook or monitor refers to it, with the newer revision.
    if (current !== undefined && current.pid === entry.pid) {
      current.revision = e.revision;
      current.wire = entry.wire;
      return;
    }
    // A name of this node's whose holder has ended (its release failed while the broker was away,
    // or is still in flight): nobody holds it; its entry goes, and a claim in flight here stays.
    if (endedHere(entry.pid)) {
      void this.#deleteAt(entry.key, entry.revision);
      return;
    }
    // Otherwise a claim in flight here lost to this one, and #commit's failure ends its holder.
    if (current !== undefined) this.#forget(current);
    this.#replica.set(entry.term, entry);
    const holder = lookup(entry.pid);
    // A holder on another node is monitored; one of this node's that this table did not claim (its
    // release failed while the broker was away) keeps the name while it lives.
    if (holder === undefined) send(this.#watcher, ["watch", entry]);
    else holder.onExit(() => this.#purge(entry));
  }

  #parse(e: KvEntry): Entry | undefined {
    try {
      return parseEntry(e);
    } catch (err) {
      this.#rejected.set(e.key, e.revision);
      getLogger().warn({ key: e.key, revision: e.revision, err }, "dropped a global name entry that is not one");
      return undefined;
    }
  }

  /**
   * Deletes `key` when its holder is a process of this node that has ended (on the revision read).
   * True when the key may be free now (deleted, by this or by anyone), false when it is held.
   */
  async #freeIfEnded(key: string): Promise<boolean> {
    let e: KvEntry | null;
    try {
      e = await this.#kv.get(key);
    } catch {
      return false;
    }
    if (e === null || e.operation !== "PUT") return true;
    const holder = this.#parse(e)?.pid;
    if (holder === undefined || !endedHere(holder)) return false;
    await this.#deleteAt(key, e.revision);
    return true;
  }

  async #fetch(key: string): Promise<void> {
    const e = await this.#kv.get(key);
    if (e !== null) this.#apply(e);
  }

  /** Checks the replica against the bucket: deletes and puts the watch missed. */
  async #reconcile(): Promise<void> {
    if (this.#closed) return;
    const status = await this.#kv.status();
    const upTo = status.streamInfo.state.last_seq;
    const keys = new Set<string>();
    for await (const key of await this.#kv.keys()) keys.add(key);
    for (const entry of this.#replica.values()) {
      // Revisions after upTo were committed after the listing began: keep them.
      if (entry.revision > 0 && entry.revision <= upTo && !keys.has(entry.key)) this.#forget(entry);
    }
    for (const key of this.#rejected.keys()) if (!keys.has(key)) this.#rejected.delete(key);
    await Promise.all([...keys].filter((k) => !this.#replica.has(termOfKey(k))).map((k) => this.#fetch(k)));
  }

  /** Takes `entry` out of the replica (if still there) and stops monitoring its holder. */
  #forget(entry: Entry): void {
    if (this.#replica.get(entry.term) === entry) this.#replica.delete(entry.term);
    if (entry.monitor !== undefined && !this.#closed) send(this.#watcher, ["unwatch", entry]);
  }

  /** Forgets `entry` and deletes it from the bucket on its revision (its holder ended or released it). */
  #purge(entry: Entry): void {
    if (this.#replica.get(entry.term) !== entry) return;
    this.#forget(entry);
    if (entry.revision > 0) void this.#deleteAt(entry.key, entry.revision);
  }

  /** Deletes `key` only at `revision`; a newer claim (or a delete by another survivor) wins. */
  async #deleteAt(key: string, revision: number): Promise<void> {
    try {
      await this.#kv.delete(key, { previousSeq: revision });
    } catch (err) {
      if (!isWrongSequence(err) && !this.#closed) getLogger().warn({ key, err }, "could not release a global name");
    }
  }

  /**
   * This node came back as a new incarnation: the others purge the entries of the old one, so each
   * name a local process still holds moves to the new incarnation's wire form, by an update on the
   * revision seen (or a new claim if it was purged already). A name lost meanwhile ends its holder.
   */
  async #rejoined(): Promise<void> {
    const own = [...this.#replica.values()].filter((e) => e.pid.home === undefined && e.revision > 0);
    await Promise.all(
      own.map(async (entry) => {
        entry.wire = pidToWire(entry.pid);
        try {
          entry.revision = await this.#kv.update(entry.key, entryValue(entry), entry.revision);
        } catch {
          entry.revision = 0;
          const won = await this.#commit(entry).catch(() => false);
          if (!won) conflict(entry.name, entry.pid);
        }
      }),
    );
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, timerDelay(ms)).unref());
}

/** A Pid of this node's incarnation whose process has ended. */
function endedHere(pid: Pid): boolean {
  return pid.home === undefined && lookup(pid)?.alive !== true;
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
