/**
 * What the nodes running one ClusterSupervisor share, in the cluster's JetStream KV bucket
 * `parley_<cluster>_sup`, and a replica of it on each node kept by a watch and a reload:
 *
 * - `<sup>.m.<node>`: a member, a node running the supervisor; the value is its process's Pid
 *   (wire form), which the others monitor.
 * - `<sup>.c.<child>`: a claim, the node that may run the child; created atomically (the first
 *   committed revision wins), released and purged only on the revision seen.
 * - `<sup>.s.<child>`: a child added with `startChild` (`[moduleName, arg]`), or `["off"]` for a
 *   child of the list that `terminateChild` stopped.
 *
 * Every key token is base64url (node names hold `@`, child keys anything). Loaded by the
 * ClusterSupervisor's process only: it pulls in the KV client.
 */
import { Kvm, type KV, type KvEntry } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { getLogger } from "../runtime/logger.ts";
import { timerDelay } from "../runtime/process/long-timer.ts";
import { decode, encode } from "./codec.ts";
import { NodeError } from "./errors.ts";

/** One key of the replica at a revision: deleted, or present with its decoded value (undefined when it does not decode). */
interface Slot {
  readonly revision: number;
  readonly present: boolean;
  readonly value: unknown;
}

/** A claim as the replica holds it; `node` is `""` for an entry that is not a node's name (nobody's). */
export interface Claim {
  readonly node: string;
  readonly revision: number;
}

/** The shared state of one ClusterSupervisor, seen from one node. */
export class SupervisorStore {
  readonly #kv: KV;
  readonly #prefix: string;
  readonly #changed: () => void;
  // How long a reload may take: it waits on a watch and a key listing, which a broker under
  // strain may leave hanging; the supervisor tries again instead of waiting for ever.
  readonly #timeoutMs: number;
  readonly #slots = new Map<string, Slot>();
  #watch: Awaited<ReturnType<KV["watch"]>> | undefined;
  #closed = false;
  /** True when the replica may have missed changes (its watch ended, or the broker was away): reload. */
  stale = false;

  private constructor(kv: KV, prefix: string, changed: () => void, timeoutMs: number) {
    this.#kv = kv;
    this.#timeoutMs = timeoutMs;
    this.#prefix = prefix;
    this.#changed = changed;
  }

  /**
   * Opens (or creates) the bucket and loads the replica of supervisor `name`; `changed` is called
   * after each change the watch brings.
   * @throws NodeError `["supervisor_table_unreachable", bucket]` when JetStream does not answer.
   */
  static async open(nc: NatsConnection, cluster: string, name: string, changed: () => void, timeoutMs: number): Promise<SupervisorStore> {
    const bucket = `parley_${cluster}_sup`;
    try {
      const kv = await new Kvm(nc).create(bucket, { history: 1 });
      const store = new SupervisorStore(kv, token(name), changed, timeoutMs);
      await store.reload();
      return store;
    } catch (err) {
      throw new NodeError(["supervisor_table_unreachable", bucket], { cause: err });
    }
  }

  /**
   * Opens a new watch and loads every key again: after the broker was away the old watch may have
   * missed deletes. Entries older than what the replica holds are ignored.
   */
  async reload(): Promise<void> {
    this.stale = true;
    await withDeadline(this.#reload(), this.#timeoutMs, this.#prefix);
    this.stale = false;
  }

  /**
   * Checks the replica against the bucket's keys without a new watch: a key the watch did not
   * bring is fetched, a key gone from the bucket is dropped. Run every few seconds, for what a
   * watch can miss.
   */
  reconcile(): Promise<void> {
    return withDeadline(this.#reconcile(false), this.#timeoutMs, this.#prefix);
  }

  async #reload(): Promise<void> {
    this.#watch?.stop();
    const watch = await this.#kv.watch({ key: `${this.#prefix}.>`, include: "updates" });
    this.#watch = watch;
    void this.#follow(watch);
    await this.#reconcile(true);
  }

  async #reconcile(fetchAll: boolean): Promise<void> {
    // Read before the listing: a key at or below this revision that is not listed was deleted.
    const upTo = (await this.#kv.status()).streamInfo.state.last_seq;
    const keys: string[] = [];
    for await (const key of await this.#kv.keys(`${this.#prefix}.>`)) keys.push(key);
    const present = new Set(keys);
    for (const [key, slot] of this.#slots) {
      if (slot.present && !present.has(key) && slot.revision <= upTo) this.#slots.set(key, { revision: upTo, present: false, value: undefined });
    }
    // Members are few and their entries change in place (a node back as a new incarnation): always fetched.
    const members = `${this.#prefix}.m.`;
    const fetch = fetchAll ? keys : keys.filter((key) => key.startsWith(members) || this.#slots.get(key)?.present !== true);
    await Promise.all(fetch.map(async (key) => {
      const e = await this.#kv.get(key);
      if (e !== null) this.#apply(e);
    }));
    this.#changed();
  }

  /** The members: node → the wire form of its supervisor's Pid, with the revision. */
  members(): Map<string, { readonly pid: unknown; readonly revision: number }> {
    const out = new Map<string, { pid: unknown; revision: number }>();
    for (const [node, slot] of this.#section("m")) out.set(node, { pid: slot.value, revision: slot.revision });
    return out;
  }

  /** The claim on the child whose structural key is `child`, if any. */
  claim(child: string): Claim | undefined {
    const slot = this.#slots.get(this.#key("c", child));
    if (slot === undefined || !slot.present) return undefined;
    return { node: typeof slot.value === "string" ? slot.value : "", revision: slot.revision };
  }

  /** The children added with `startChild` and the list's children turned off: child key → value. */
  specs(): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const [child, slot] of this.#section("s")) out.set(child, slot.value);
    return out;
  }

  /** Says (again) that `node` runs the supervisor, as the process `pid` (wire form). */
  async putMember(node: string, pid: unknown): Promise<void> {
    this.#note(this.#key("m", node), await this.#kv.put(this.#key("m", node), encode(pid)), pid);
  }

  /** Deletes a member's entry, only at `revision`. */
  removeMember(node: string, revision: number): Promise<void> {
    return this.#deleteAt(this.#key("m", node), revision);
  }

  /**
   * Claims `child` for `node`: resolves the revision when this claim won, undefined when someone
   * holds it (or, with `revision`, when the claim changed since that revision: an adoption of
   * this node's own earlier claim).
   */
  async takeClaim(child: string, node: string, revision?: number): Promise<number | undefined> {
    const key = this.#key("c", child);
    const value = encode(node);
    try {
      const rev = revision === undefined ? await this.#kv.create(key, value) : await this.#kv.update(key, value, revision);
      this.#note(key, rev, node);
      return rev;
    } catch (err) {
      if (!isWrongSequence(err)) throw err;
      const e = await this.#kv.get(key);
      if (e !== null) this.#apply(e);
      return undefined;
    }
  }

  /** Releases (or purges) a claim, only at `revision`: a newer claim is never removed. */
  releaseClaim(child: string, revision: number): Promise<void> {
    return this.#deleteAt(this.#key("c", child), revision);
  }

  /** Adds a child cluster-wide; false when one with its key was added already. */
  async addSpec(child: string, value: unknown): Promise<boolean> {
    try {
      await this.#kv.create(this.#key("s", child), encode(value));
      return true;
    } catch (err) {
      if (isWrongSequence(err)) return false;
      throw err;
    }
  }

  /** Sets or deletes (`undefined`) a child's entry cluster-wide. */
  async setSpec(child: string, value: unknown): Promise<void> {
    const key = this.#key("s", child);
    if (value === undefined) await this.#kv.delete(key);
    else await this.#kv.put(key, encode(value));
  }

  /** Stops the watch. */
  close(): void {
    this.#closed = true;
    this.#watch?.stop();
  }

  async #follow(watch: Awaited<ReturnType<KV["watch"]>>): Promise<void> {
    try {
      for await (const e of watch) {
        this.#apply(e);
        this.#changed();
      }
    } catch (err) {
      if (!this.#closed) getLogger().warn({ err }, "a cluster supervisor's watch failed");
    }
    // Ended while still in use (the broker went away): the next placement reloads first.
    if (!this.#closed && this.#watch === watch) {
      this.stale = true;
      this.#changed();
    }
  }

  #apply(e: KvEntry): void {
    const known = this.#slots.get(e.key);
    if (known !== undefined && known.revision >= e.revision) return;
    const present = e.operation === "PUT";
    this.#slots.set(e.key, { revision: e.revision, present, value: present ? read(e.key, e.value) : undefined });
  }

  #note(key: string, revision: number, value: unknown): void {
    const known = this.#slots.get(key);
    if (known === undefined || known.revision < revision) this.#slots.set(key, { revision, present: true, value });
  }

  async #deleteAt(key: string, revision: number): Promise<void> {
    try {
      await this.#kv.delete(key, { previousSeq: revision });
    } catch (err) {
      if (!isWrongSequence(err)) throw err;
    }
  }

  #key(section: "m" | "c" | "s", sub: string): string {
    return `${this.#prefix}.${section}.${token(sub)}`;
  }

  /** The live slots of one section, by their decoded sub-key. */
  *#section(section: string): Generator<[string, Slot]> {
    const head = `${this.#prefix}.${section}.`;
    for (const [key, slot] of this.#slots) {
      if (slot.present && key.startsWith(head)) yield [Buffer.from(key.slice(head.length), "base64url").toString(), slot];
    }
  }
}

/** `work`, or a NodeError `["supervisor_table_unreachable", what]` once `ms` have passed. */
function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(reject, timerDelay(ms), new NodeError(["supervisor_table_unreachable", what]));
  });
  // A reload that finishes (or fails) after its deadline has nobody to tell.
  work.catch(() => undefined);
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** A KV key token for any string. */
function token(text: string): string {
  return Buffer.from(text).toString("base64url");
}

/** A value of the bucket decoded, or undefined (reported once) when it does not decode: a hostile writer. */
function read(key: string, value: Uint8Array): unknown {
  try {
    return decode(value);
  } catch (err) {
    getLogger().warn({ err, key }, "a cluster supervisor entry that does not decode counts as nobody's");
    return undefined;
  }
}

function isWrongSequence(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 10071 || code === 10164;
}
