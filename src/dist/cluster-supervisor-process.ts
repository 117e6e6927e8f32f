/**
 * What runs inside a ClusterSupervisor's process on one node. Every node's process computes the
 * same placement (rendezvous hashing over the nodes running the supervisor, see placement.ts) and
 * runs the children placed on its node, each only while it holds the child's claim in the bucket
 * (see cluster-supervisor-store.ts). Restarts, intensity, reports and the shutdown path are a
 * supervisor's (SupervisingProcess); what is added is where a child may run:
 *
 * - **Start:** claim first (atomic create), then start; losing the claim starts nothing.
 * - **Move** (placement changed): stop (shutdown path), then release the claim; the new node
 *   claims it once it sees the release.
 * - **Failover:** the members monitor each other's processes; a DOWN (node down, or the process
 *   exited) drops the member, and the new owner purges the claim on the revision it saw, then claims.
 * - **Fencing:** a node cut off from the broker for `nodedownAfterMs / 2` stops its children, since
 *   the others will take them over once they declare it down; so does a node that rejoins as a new
 *   incarnation (it was declared down). Placement resumes once it is back.
 */
import type { Stop } from "../runtime/behaviours/behaviour-process.ts";
import { stopServer } from "../runtime/behaviours/gen-call.ts";
import type { ChildModule } from "../runtime/behaviours/child-spec-types.ts";
import { OptionsError, StartError } from "../runtime/errors.ts";
import { getLogger } from "../runtime/logger.ts";
import { termKey } from "../runtime/names/term-key.ts";
import { send } from "../runtime/names/names.ts";
import { timerDelay } from "../runtime/process/long-timer.ts";
import { isPid, type Pid, type Ref } from "../runtime/process/pid.ts";
import type { NormalizedChildSpec } from "../supervisor/child-spec.ts";
import { NotFoundError } from "../supervisor/errors.ts";
import { shutdownChildren } from "../supervisor/shutdown.ts";
import { startChildProcess } from "../supervisor/start-child.ts";
import { shouldRestart } from "../supervisor/strategies.ts";
import { type ChildEntry, SupervisingProcess } from "../supervisor/supervising-process.ts";
import type { ClusterHandle } from "./cluster.ts";
import { entryOf, isOff, OFF, specOfEntry } from "./cluster-child-entries.ts";
import { SupervisorMembers } from "./cluster-members.ts";
import { onLeave } from "./cluster-supervision.ts";
import { SupervisorStore } from "./cluster-supervisor-store.ts";
import { ownerOf } from "./placement.ts";
import { pidToWire } from "./remote-pids.ts";
import { watchLink } from "./link-watch.ts";

/** What a ClusterSupervisor's process is started with (checked by cluster-supervisor.ts). */
export interface ClusterSupervisorConfig {
  readonly name: string;
  readonly maxRestarts: number;
  readonly maxSeconds: number;
  readonly children: readonly NormalizedChildSpec[];
  /** The modules `startChild` may name, by name. */
  readonly modules: ReadonlyMap<string, ChildModule>;
}

/** One child as this node sees it: running here (pid), or not (undefined). */
interface ClusterChild extends ChildEntry {
  /** The id's structural key: the child's key in placement and in the bucket. */
  readonly key: string;
  /** Added with `startChild` (else one of the list's). */
  readonly added: boolean;
  /** The revision of this node's claim while it runs the child here. */
  claim: number | undefined;
  /** Terminated cluster-wide, or ended (a transient or temporary child that is not restarted). */
  off: boolean;
}

/** The process of a ClusterSupervisor on one node. */
export class ClusterSupervisorProcess extends SupervisingProcess<ClusterChild> {
  readonly children = new Map<string, ClusterChild>();
  readonly #members: SupervisorMembers;
  #store: SupervisorStore | undefined;
  // Entries of children this node cannot start, by key: reported once each.
  readonly #unusable = new Map<string, unknown>();
  #fenced = false;
  #nudged = false;
  // A placement soon (after a failure), and one every few seconds (for what no event announced).
  #retry: NodeJS.Timeout | undefined;
  #tick: NodeJS.Timeout | undefined;
  #reconcileDue = false;
  #unwatch: (() => void) | undefined;
  #cancelLeave: (() => void) | undefined;

  constructor(
    module: { readonly name: string },
    readonly config: ClusterSupervisorConfig,
    readonly cluster: ClusterHandle,
  ) {
    super(module);
    this.configure(config);
    this.#members = new SupervisorMembers(cluster.node);
    for (const spec of config.children) this.#add(spec, false);
  }

  async init(): Promise<Stop | undefined> {
    this.proc.trapExit = true;
    const pid = this.proc.pid;
    const { connection, options } = this.cluster;
    this.#store = await SupervisorStore.open(connection, options.cluster, this.config.name, this.#nudge, options.connectTimeoutMs);
    await this.#store.putMember(this.cluster.node, pidToWire(pid));
    this.#unwatch = watchLink(this.cluster.connection, this.cluster.options.nodedownAfterMs / 2, () => send(pid, FENCE), () => send(pid, RECONNECTED));
    this.cluster.onRejoin(() => {
      if (this.proc.alive) send(pid, REJOINED);
    });
    // Node.stop: stop the children and release their claims before the node leaves.
    this.#cancelLeave = onLeave(() => this.#leave());
    this.#tick = setInterval(this.reconcileSoon, timerDelay(Math.max(1000, this.cluster.options.heartbeatMs * 10)));
    this.#tick.unref();
    return undefined;
  }

  override dispatch(msg: unknown): Stop | undefined | Promise<Stop | undefined> {
    if (msg === NUDGE) {
      this.#nudged = false;
      return this.#place();
    }
    if (msg === FENCE) return this.#fence();
    if (msg === RECONNECTED) return this.#resume(false);
    if (msg === REJOINED) return this.#resume(true);
    if (isDown(msg)) return this.#memberDown(msg[1]);
    return super.dispatch(msg);
  }

  async terminate(): Promise<void> {
    this.#unwatch?.();
    this.#cancelLeave?.();
    clearTimeout(this.#retry);
    clearInterval(this.#tick);
    const running = [...this.children.values()].filter((c): c is ClusterChild & { pid: Pid } => isPid(c.pid));
    const reasons = await shutdownChildren(running.map((c) => ({ pid: c.pid, shutdown: c.spec.shutdown })));
    for (let i = 0; i < running.length; i++) this.checkShutdownReason(running[i]!.spec, running[i]!.pid, reasons[i]);
    const store = this.#store;
    if (store === undefined) return;
    // Every claim of this node, the one of a child whose restart was one too many included.
    const claimed = [...this.children.values()].filter((c) => c.claim !== undefined);
    try {
      await Promise.all(claimed.map((c) => store.releaseClaim(c.key, c.claim!)));
      const self = store.members().get(this.cluster.node);
      if (self !== undefined) await store.removeMember(this.cluster.node, self.revision);
    } catch (err) {
      // The others purge what could not be released once they see this process down.
      getLogger().warn({ err, supervisor: this.config.name }, "a cluster supervisor could not release its claims");
    }
    store.close();
  }

  getState(): unknown {
    const { name, maxRestarts, maxSeconds } = this.config;
    const children = [...this.children.values()].map((c) => ({ id: c.spec.id, pid: c.pid, off: c.off }));
    return { name, maxRestarts, maxSeconds, node: this.cluster.node, members: this.#members.live(), children };
  }

  // --- calls -------------------------------------------------------------------------------

  answer(tag: unknown, arg: unknown): unknown {
    switch (tag) {
      case "local_children":
        return [...this.children.values()].filter((c) => c.pid !== undefined).map((c) => ({ id: c.spec.id, node: this.cluster.node, pid: c.pid }));
      case "members":
        return [this.proc.pid, ...this.#members.pids()];
      case "start_child":
        return this.#startChild(arg);
      case "terminate_child":
        return this.#terminateChild(arg);
      default:
        throw new OptionsError("ClusterSupervisor request", tag, "start_child, terminate_child, local_children or members");
    }
  }

  /** Adds `[Module, arg]` cluster-wide: every node learns it from the bucket, its owner starts it. */
  async #startChild(child: unknown): Promise<undefined> {
    const { entry, spec } = entryOf(child, this.config.modules);
    const key = termKey(spec.id);
    const known = this.children.get(key);
    if (known !== undefined && !known.added && known.off) await this.#store!.setSpec(key, undefined);
    else if (known !== undefined || !(await this.#store!.addSpec(key, entry))) throw new StartError(["already_present", spec.id]);
    return undefined;
  }

  /** Stops a child cluster-wide: one added with startChild is forgotten, one of the list turned off. */
  async #terminateChild(id: unknown): Promise<undefined> {
    const child = this.children.get(termKey(id));
    if (child === undefined) throw new NotFoundError(id);
    await this.#store!.setSpec(child.key, child.added ? undefined : OFF);
    return undefined;
  }

  // --- placement ---------------------------------------------------------------------------

  /** Brings this node in line with the bucket: members, added children, then each child's place. */
  async #place(): Promise<Stop | undefined> {
    const store = this.#store;
    if (store === undefined || this.#fenced) return undefined;
    try {
      if (store.stale) await store.reload();
      else if (this.#reconcileDue) await store.reconcile();
      this.#reconcileDue = false;
      await this.#syncMembers(store);
      await this.#syncSpecs(store);
      const live = this.#members.live();
      for (const child of [...this.children.values()]) {
        const stop = await this.#placeChild(store, child, live);
        if (stop !== undefined) return stop;
      }
    } catch (err) {
      getLogger().warn({ err, supervisor: this.config.name }, "cluster supervisor placement failed; trying again");
      this.#later(this.cluster.options.heartbeatMs);
    }
    return undefined;
  }

  async #placeChild(store: SupervisorStore, child: ClusterChild, live: readonly string[]): Promise<Stop | undefined> {
    const self = this.cluster.node;
    const claim = store.claim(child.key);
    const wanted = !child.off && ownerOf(child.key, live) === self;
    if (child.pid !== undefined) {
      // Still ours (a claim being adopted shows our own revision): keep it while placement wants it.
      if (claim?.node === self && wanted) return undefined;
      await this.#stop(child);
      if (claim?.node === self) await store.releaseClaim(child.key, claim.revision);
      return undefined;
    }
    if (!wanted) {
      if (claim?.node === self) await store.releaseClaim(child.key, claim.revision);
      return undefined;
    }
    let revision: number | undefined;
    if (claim === undefined) revision = await store.takeClaim(child.key, self);
    else if (claim.node === self) revision = await store.takeClaim(child.key, self, claim.revision);
    else if (!live.includes(claim.node)) {
      // Its holder is down (or no longer runs the supervisor): purge on the revision seen, then claim.
      await store.releaseClaim(child.key, claim.revision);
      revision = await store.takeClaim(child.key, self);
    }
    if (revision === undefined) return undefined;
    child.claim = revision;
    return this.#start(child);
  }

  async #start(child: ClusterChild): Promise<Stop | undefined> {
    const outcome = await startChildProcess(child.spec, this.proc);
    if (outcome[0] === "ok") {
      this.setPid(child, outcome[1]);
      return undefined;
    }
    const reason = outcome[1];
    if (Array.isArray(reason) && reason[0] === "already_started") {
      // The copy that ran elsewhere has not released its global name everywhere yet: soon it will.
      this.#later(this.cluster.options.heartbeatMs);
      return undefined;
    }
    return this.restart(child, undefined);
  }

  /** Stops a child running here (shutdown path) and files it as not running. */
  async #stop(child: ClusterChild): Promise<void> {
    const pid = child.pid;
    child.pid = undefined;
    child.claim = undefined;
    if (isPid(pid)) await this.stopProcess(child.spec, pid);
  }

  async #syncMembers(store: SupervisorStore): Promise<void> {
    const seen = store.members();
    this.#members.sync(seen);
    // Purged by a node that took this one for dead, or this node rejoined as a new incarnation
    // (its Pids changed): say again that it runs the supervisor, as what it is now.
    const wire = pidToWire(this.proc.pid);
    if (JSON.stringify(seen.get(this.cluster.node)?.pid) !== JSON.stringify(wire)) await store.putMember(this.cluster.node, wire);
  }

  async #syncSpecs(store: SupervisorStore): Promise<void> {
    const specs = store.specs();
    for (const child of [...this.children.values()]) {
      const entry = specs.get(child.key);
      if (child.added && entry === undefined) {
        if (child.pid !== undefined) await this.#stop(child);
        this.children.delete(child.key);
      } else if (!child.added) {
        child.off = isOff(entry);
      }
    }
    for (const [key, entry] of specs) {
      if (this.children.has(key) || isOff(entry)) continue;
      const spec = this.#specOf(key, entry);
      if (spec !== undefined) this.#add(spec, true);
    }
  }

  /** The spec of a child added with startChild, from its entry; undefined (reported) when this node cannot run it. */
  #specOf(key: string, entry: unknown): NormalizedChildSpec | undefined {
    try {
      return specOfEntry(key, entry, this.config.modules);
    } catch (err) {
      // Once per entry: placement comes back to it at every change.
      if (this.#unusable.get(key) !== entry) getLogger().error({ err, supervisor: this.config.name, key }, "a cluster supervisor child this node cannot start");
      this.#unusable.set(key, entry);
      return undefined;
    }
  }

  #add(spec: NormalizedChildSpec, added: boolean): void {
    const key = termKey(spec.id);
    this.children.set(key, { spec, key, added, pid: undefined, claim: undefined, off: false });
  }

  // --- members, fencing, rejoins -----------------------------------------------------------

  async #memberDown(ref: Ref): Promise<Stop | undefined> {
    const member = this.#members.down(ref);
    if (member === undefined) return undefined;
    // Its entry stays while its node is up (it may be starting the supervisor again).
    if (!this.cluster.list().includes(member.node)) await this.#store?.removeMember(member.node, member.revision).catch(() => undefined);
    return this.#place();
  }

  /** Cut off from the broker: the others will take the children over, so they stop here first. */
  async #fence(): Promise<undefined> {
    this.#fenced = true;
    const running = [...this.children.values()].filter((c) => c.pid !== undefined);
    for (const child of running) await this.#stop(child);
    return undefined;
  }

  /** Back on the broker (after a rejoin: as a new incarnation, whose children were fenced first). */
  async #resume(rejoined: boolean): Promise<Stop | undefined> {
    if (rejoined) await this.#fence();
    this.#fenced = false;
    this.#store!.stale = true;
    return this.#place();
  }

  async #leave(): Promise<void> {
    await stopServer(this.proc.pid, "shutdown", Infinity).catch(() => undefined);
  }

  #nudge = (): void => {
    if (this.#nudged || !this.proc.alive) return;
    this.#nudged = true;
    send(this.proc.pid, NUDGE);
  };

  /** Places again in `ms` (once, however often asked meanwhile). */
  #later(ms: number): void {
    if (this.#retry !== undefined) return;
    this.#retry = setTimeout(this.retried, timerDelay(ms));
    this.#retry.unref();
  }

  /** Asks the next placement to check the replica against the bucket first. */
  readonly reconcileSoon = (): void => {
    this.#reconcileDue = true;
    this.#nudge();
  };

  readonly retried = (): void => {
    this.#retry = undefined;
    this.#nudge();
  };

  // --- SupervisingProcess ------------------------------------------------------------------

  holds(child: ClusterChild): boolean {
    return this.children.get(child.key) === child;
  }

  takeExited(pid: Pid): ClusterChild | undefined {
    for (const child of this.children.values()) if (child.pid === pid) return child;
    return undefined;
  }

  /** A child that ended for good (its restart type says so) is off cluster-wide: no other node starts it. */
  override handleExit(pid: Pid, reason: unknown): Stop | undefined | Promise<Stop | undefined> {
    const child = this.takeExited(pid);
    if (child !== undefined && !shouldRestart(child.spec.restart, reason)) {
      child.off = true;
      this.#store?.setSpec(child.key, child.added ? undefined : OFF).catch((err: unknown) => {
        getLogger().warn({ err, supervisor: this.config.name }, "could not mark an ended child off");
      });
    }
    return super.handleExit(pid, reason);
  }

  markEnded(child: ClusterChild): void {
    child.pid = undefined;
  }

  setPid(child: ClusterChild, pid: Pid): void {
    child.pid = pid;
  }
}

// The process's own messages: local only, never sent to another node.
const NUDGE = Symbol("place");
const FENCE = Symbol("fence");
const RECONNECTED = Symbol("reconnected");
const REJOINED = Symbol("rejoined");

function isDown(msg: unknown): msg is readonly ["DOWN", Ref, "process", unknown, unknown] {
  return Array.isArray(msg) && msg.length === 5 && msg[0] === "DOWN";
}
