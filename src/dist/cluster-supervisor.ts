/**
 * ClusterSupervisor: one supervisor spread over the cluster (Horde's idea, on the NATS name
 * table). Light on purpose: the process, and with it the KV client, loads at `startLink`.
 */
import type { Child, ChildModule, ChildSpec } from "../runtime/behaviours/child-spec-types.ts";
import { callChecked, stopServer } from "../runtime/behaviours/gen-call.ts";
import { OptionsError } from "../runtime/errors.ts";
import type { Pid } from "../runtime/process/pid.ts";
import { isPlainObject } from "../runtime/predicates.ts";
import { validateChildren } from "../supervisor/child-spec.ts";
import { clusterHandle } from "./cluster-supervision.ts";
import type { ClusterSupervisorConfig } from "./cluster-supervisor-process.ts";
import { NodeError } from "./errors.ts";

/** Options of {@link ClusterSupervisor.startLink}. */
export interface ClusterSupervisorOptions {
  /** The supervisor's name: the same on every node; also its local name on each node. */
  readonly name: string;
  /** Restarts allowed on one node within `maxSeconds` before that node's supervisor exits. Default 3. */
  readonly maxRestarts?: number;
  /** The window, in seconds, in which `maxRestarts` is counted. Default 5. */
  readonly maxSeconds?: number;
  /**
   * Modules that {@link ClusterSupervisor.startChild} may name besides those in `children` (a
   * child crosses nodes as its module's name and its argument). The same on every node.
   */
  readonly modules?: readonly ChildModule[];
}

/** A child as {@link ClusterSupervisor.whichChildren} lists it: where it runs, as what. */
export interface ClusterChildInfo {
  /** The child's id. */
  readonly id: unknown;
  /** The node running it. */
  readonly node: string;
  /** Its process, or `"restarting"` while a failed restart is retried on that node. */
  readonly pid: Pid | "restarting";
}

/**
 * A supervisor spread over the cluster, as Horde's: every node starts the same ClusterSupervisor
 * (same name, same children, same code), and each child runs on exactly one live node, chosen by
 * rendezvous hashing of its id over the nodes running the supervisor.
 *
 * @example
 * ```ts
 * await Node.start("a", { servers: "nats://127.0.0.1:4222" });
 * // The same line on every node:
 * await ClusterSupervisor.startLink([[Feed, "btc"], [Feed, "eth"]], { name: "feeds" });
 * await ClusterSupervisor.whichChildren("feeds");
 * // [{ id: ["feed", "btc"], node: "b", pid }, { id: ["feed", "eth"], node: "a", pid }]
 * ```
 *
 * @remarks
 * - **One copy.** A node claims a child's id in the cluster's JetStream KV bucket (an atomic
 *   create) before it starts it, and runs it only while it holds the claim: of two nodes that
 *   decide at once, one wins and the other starts nothing. A child that others reach by name
 *   registers a `{ global }` name in its `start`, as usual.
 * - **A node goes down** (heartbeats stop for `nodedownAfterMs`): the survivors that placement now
 *   picks purge its claims (on the revision they saw) and start its children, within
 *   `nodedownAfterMs` plus the children's start time; their global names follow them.
 * - **A node joins:** only the children placement gives it move; each stops on its old node
 *   (shutdown path: a client closes with 1001) and its claim is released before the new node
 *   starts it.
 * - **A node cut off from the broker** stops its children after `nodedownAfterMs / 2`, before the
 *   others may take them over, and places them again once it is back. A node frozen longer than
 *   `nodedownAfterMs` (SIGSTOP, a blocked event loop) cannot stop anything while frozen: its
 *   children run on another node too until it resumes and stops them.
 * - **Restarts** are a supervisor's, on the child's node: one_for_one, with restart intensity.
 *   When it is exceeded that node's ClusterSupervisor exits `"shutdown"` (its children stopped,
 *   its claims released) and the other nodes take its children.
 * - A child ended for good (a transient child exiting normally, a temporary one exiting) is off
 *   in the whole cluster, as if `terminateChild` had been called.
 * - `Node.stop` stops this node's ClusterSupervisors first (`"shutdown"`).
 */
export class ClusterSupervisor {
  private constructor() {}

  /**
   * Starts this node's part of the supervisor `options.name`, linked to the caller. Resolves once
   * this node has joined the supervisor; its children start on their nodes right after.
   * @throws OptionsError (rejection, nothing spawned) for bad children or options.
   * @throws NodeError (rejection) `"not_alive"` before `Node.start`, `["supervisor_table_unreachable", bucket]`
   *   when JetStream does not answer.
   * @throws StartError (rejection) `["already_started", pid]` when this node already runs it.
   */
  static async startLink(children: readonly Child[], options: ClusterSupervisorOptions): Promise<Pid> {
    const config = checkOptions(children, options);
    const cluster = clusterHandle();
    if (cluster === undefined) throw new NodeError("not_alive");
    const { ClusterSupervisorProcess } = await import("./cluster-supervisor-process.ts");
    return new ClusterSupervisorProcess(ClusterSupervisor, config, cluster).startLink(config.name);
  }

  /**
   * A child spec that runs this node's part of a ClusterSupervisor under a local supervisor: id
   * `options.name`, type `"supervisor"`, shutdown `"infinity"`.
   * @throws OptionsError for bad children or options.
   */
  static childSpec([children, options]: readonly [readonly Child[], ClusterSupervisorOptions]): ChildSpec {
    const { name } = checkOptions(children, options);
    return { id: name, start: () => ClusterSupervisor.startLink(children, options), type: "supervisor", shutdown: "infinity" };
  }

  /**
   * Adds a child to the whole cluster, from any node: `[Module, arg]` or a Module known to every
   * node's supervisor (in its children or its `modules` option), `arg` being a value that crosses
   * nodes. Resolves once the cluster has it; it starts on its node within about a heartbeat
   * ({@link whichChildren} shows where). A terminated child of the list is started again by
   * adding it with its module and argument.
   * @throws OptionsError (rejection) for a child that is not such a module, EncodeError for an
   *   argument that cannot cross.
   * @throws StartError (rejection) `["already_present", id]` when the cluster has a child with its id.
   * @throws NoProcError (rejection) when this node does not run the supervisor `name`.
   */
  static async startChild(name: string, child: Child): Promise<void> {
    await callChecked(name, ["start_child", child], Infinity);
  }

  /**
   * Stops a child in the whole cluster, from any node, wherever it runs (shutdown path); a child
   * added with `startChild` is forgotten, one of the list stays off until added again.
   * @throws NotFoundError (rejection) when the supervisor has no child with this id.
   */
  static async terminateChild(name: string, id: unknown): Promise<void> {
    await callChecked(name, ["terminate_child", id], Infinity);
  }

  /**
   * Every running child of the supervisor in the cluster, asked of every node running it: its
   * id, its node and its Pid (or `"restarting"`). A child between two nodes (moving, or taken
   * over from a node that went down) is not listed.
   * @throws NoProcError (rejection) when this node does not run the supervisor `name`.
   */
  static async whichChildren(name: string, timeoutMs = 5000): Promise<ClusterChildInfo[]> {
    const members = (await callChecked(name, ["members"], timeoutMs)) as Pid[];
    const lists = await Promise.all(
      members.map((pid) => (callChecked(pid, ["local_children"], timeoutMs) as Promise<ClusterChildInfo[]>).catch((): ClusterChildInfo[] => [])),
    );
    return lists.flat();
  }

  /** Stops this node's part of the supervisor (its children stop; the other nodes take them). */
  static stop(name: string, reason: unknown = "normal", timeoutMs = Infinity): Promise<void> {
    return stopServer(name, reason, timeoutMs);
  }
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const KEYS = ["name", "maxRestarts", "maxSeconds", "modules"];

function checkOptions(children: readonly Child[], options: ClusterSupervisorOptions): ClusterSupervisorConfig {
  if (!isPlainObject(options)) throw new OptionsError("ClusterSupervisor options", options, "an object with a name");
  for (const key of Object.keys(options)) if (!KEYS.includes(key)) throw new OptionsError("ClusterSupervisor option key", key, KEYS.join(", "));
  const { name, maxRestarts = 3, maxSeconds = 5, modules = [] } = options;
  if (typeof name !== "string" || !NAME.test(name)) throw new OptionsError("ClusterSupervisor option name", name, "1 to 64 of A-Z a-z 0-9 _ . -");
  if (!Number.isInteger(maxRestarts) || maxRestarts < 0) throw new OptionsError("ClusterSupervisor option maxRestarts", maxRestarts, "a non-negative integer");
  if (typeof maxSeconds !== "number" || !(maxSeconds > 0)) throw new OptionsError("ClusterSupervisor option maxSeconds", maxSeconds, "a positive number");
  const specs = validateChildren(children);
  if (!Array.isArray(modules)) throw new OptionsError("ClusterSupervisor option modules", modules, "an array of modules");
  const known = new Map<string, ChildModule>();
  const given = [...(children as unknown[]).map((c) => (Array.isArray(c) ? c[0] : c)), ...modules];
  for (const module of given) {
    const label = moduleName(module);
    if (label === undefined) continue;
    const other = known.get(label);
    if (other !== undefined && other !== module) throw new OptionsError("ClusterSupervisor module", label, "a name no other module has");
    known.set(label, module as ChildModule);
  }
  for (const module of modules) {
    if (moduleName(module) === undefined) throw new OptionsError("ClusterSupervisor option modules", module, "named modules with a static childSpec");
  }
  return { name, maxRestarts, maxSeconds, children: specs, modules: known };
}

/** A module's name when it is a module (a class, or an object with a name, with childSpec). */
function moduleName(value: unknown): string | undefined {
  if ((typeof value !== "function" && !isPlainObject(value)) || typeof (value as { childSpec?: unknown }).childSpec !== "function") return undefined;
  const name = (value as { name?: unknown }).name;
  return typeof name === "string" && name.length > 0 ? name : undefined;
}
