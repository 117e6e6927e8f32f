/**
 * `Node`: this Node.js process as a node of a cluster, and `nodeOf`. Light on purpose: the NATS
 * client and the codec are loaded by `Node.start` (dynamic import), so a program that never starts
 * a node never loads them.
 */
import { OptionsError } from "../runtime/errors.ts";
import { selfNode } from "../runtime/process/home.ts";
import { isPid, isRef, type Pid, type Ref } from "../runtime/process/pid.ts";
import { deliver, requireProc } from "../runtime/process/process.ts";
import { isPlainObject } from "../runtime/predicates.ts";
import { NodeError } from "./errors.ts";
import { watchNode, watchNodes } from "./node-monitors.ts";
import { NODE_NAME } from "./remote-pids.ts";
import { startGlobalNames } from "./global-names.ts";
import { startClusterSupervision } from "./cluster-supervision.ts";
import type { Cluster, ClusterHandle, ClusterOptions } from "./cluster.ts";

/** Options of {@link Node.start}. */
export interface NodeOptions {
  /** NATS server URLs. Default `process.env.PARLEY_NATS_URL ?? "nats://127.0.0.1:4222"`. */
  readonly servers?: string | readonly string[];
  /** The namespace of every subject and bucket: nodes of different clusters never meet. Default `"parley"`. */
  readonly cluster?: string;
  /** How often this node tells the others it is alive, in ms. Default 1000. */
  readonly heartbeatMs?: number;
  /** A node not heard from for this long is down, in ms (more than `heartbeatMs`). Default 3000. */
  readonly nodedownAfterMs?: number;
  /** Passed to the NATS client: `token`, `user`/`pass`, `authenticator`, `tls`. */
  readonly connectOptions?: object;
  /** How long `Node.start` tries to reach the broker before it rejects, in ms. Default 5000. */
  readonly connectTimeoutMs?: number;
}

/**
 * This process as a node of a cluster whose transport is NATS, as Erlang's `node/0`, `nodes/0`,
 * `monitor_node/2` and `net_kernel`. Until `Node.start` everything works on one node, named
 * `"nonode@nohost"`.
 *
 * @example
 * ```ts
 * await Node.start("a", { servers: "nats://127.0.0.1:4222" });
 * Node.list();                                  // ["b"], once b has started
 * await GenServer.call({ name: "cache", node: "b" }, "get");
 * ```
 */
export const Node = {
  /**
   * Joins the cluster under `name`. Resolves once connected, with the nodes already up listed.
   * @throws NodeError (rejection) `["bad_name", name]`, `"already_started"`, `["unreachable", url]`
   *   (no broker within `connectTimeoutMs`) or `["name_in_use", name]` (a live node has that name).
   * @throws OptionsError (rejection) for an option of the wrong type or range.
   */
  async start(name: string, options: NodeOptions = {}): Promise<void> {
    if (typeof name !== "string" || !NODE_NAME.test(name) || name === "nonode@nohost") throw new NodeError(["bad_name", name]);
    const checked = checkOptions(options);
    if (state !== undefined) throw new NodeError("already_started");
    state = "starting";
    try {
      const { startCluster } = await import("./cluster.ts");
      const cluster = await startCluster(name, checked);
      try {
        for (const service of services) stops.push(await service(cluster));
      } catch (err) {
        for (const stop of stops.splice(0).reverse()) await stop();
        await cluster.stop();
        throw err;
      }
      state = cluster;
    } catch (err) {
      state = undefined;
      throw err;
    }
  },

  /** This node's name: `"nonode@nohost"` until started. */
  self(): string {
    return selfNode();
  },

  /** The other nodes that are up, as this node sees them. */
  list(): string[] {
    return typeof state === "object" ? state.list() : [];
  },

  /** True while this node is part of a cluster. */
  alive(): boolean {
    return typeof state === "object";
  },

  /**
   * The calling process receives `["nodedown", node]` once when `node` goes down (at once when it
   * is not up now). Each call asks for one more; `on = false` takes one back.
   * @throws NoProcessContextError outside a process.
   * @throws OptionsError when `node` is not a node name.
   */
  monitor(node: string, on = true): void {
    const proc = requireProc("Node.monitor");
    if (typeof node !== "string" || !NODE_NAME.test(node)) throw new OptionsError("node", node, "a node name");
    if (typeof on !== "boolean") throw new OptionsError("on", on, "a boolean");
    if (on && node !== selfNode() && !Node.list().includes(node)) deliver(proc, ["nodedown", node]);
    else if (node !== selfNode()) watchNode(proc, node, on);
  },

  /**
   * The calling process receives `["nodeup", node]` and `["nodedown", node]` for every node that
   * comes and goes, until `on = false`.
   * @throws NoProcessContextError outside a process.
   */
  monitorNodes(on = true): void {
    const proc = requireProc("Node.monitorNodes");
    if (typeof on !== "boolean") throw new OptionsError("on", on, "a boolean");
    watchNodes(proc, on);
  },

  /**
   * Leaves the cluster: the others see this node down (at once, not after `nodedownAfterMs`), its
   * global names are released, and here every other node is down (monitors of their processes fire
   * `"noconnection"`). Resolves at once when the node is not started.
   */
  async stop(): Promise<void> {
    if (typeof state !== "object") return;
    const cluster = state;
    state = undefined;
    for (const stop of stops.splice(0).reverse()) await stop();
    await cluster.stop();
  },
};

/**
 * The node of a Pid or Ref, as Erlang's `node/1`: this node's name for its own (also before
 * `Node.start`: `"nonode@nohost"`).
 * @throws OptionsError when `dest` is neither.
 */
export function nodeOf(dest: Pid | Ref): string {
  if (!isPid(dest) && !isRef(dest)) throw new OptionsError("dest", dest, "a Pid or a Ref");
  return dest.home?.node ?? selfNode();
}

/**
 * A part of distribution that runs on a started node (the global name table): started after the
 * node joined, stopped (in reverse order) before it leaves.
 */
type NodeService = (cluster: ClusterHandle) => Promise<() => Promise<void>>;

let state: Cluster | "starting" | undefined;
// Stopped in reverse order: cluster supervisors release their children before the names go.
const services: readonly NodeService[] = [startGlobalNames, startClusterSupervision];
const stops: Array<() => Promise<void>> = [];

function checkOptions(options: NodeOptions): ClusterOptions {
  if (!isPlainObject(options)) throw new OptionsError("options", options, "an object of NodeOptions");
  const servers = options.servers ?? process.env["PARLEY_NATS_URL"] ?? "nats://127.0.0.1:4222";
  const list = typeof servers === "string" ? [servers] : servers;
  if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === "string" && s.length > 0)) {
    throw new OptionsError("servers", servers, "a server URL or a non-empty array of them");
  }
  const cluster = options.cluster ?? "parley";
  if (typeof cluster !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(cluster)) {
    throw new OptionsError("cluster", cluster, "1 to 64 of A-Z a-z 0-9 _ -");
  }
  const heartbeatMs = positive(options.heartbeatMs ?? 1000, "heartbeatMs");
  const nodedownAfterMs = positive(options.nodedownAfterMs ?? 3000, "nodedownAfterMs");
  if (nodedownAfterMs <= heartbeatMs) throw new OptionsError("nodedownAfterMs", nodedownAfterMs, `more than heartbeatMs (${heartbeatMs})`);
  const connectOptions = options.connectOptions ?? {};
  if (!isPlainObject(connectOptions)) throw new OptionsError("connectOptions", connectOptions, "an object");
  const connectTimeoutMs = positive(options.connectTimeoutMs ?? 5000, "connectTimeoutMs");
  return { servers: list, cluster, heartbeatMs, nodedownAfterMs, connectOptions, connectTimeoutMs };
}

function positive(value: unknown, option: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new OptionsError(option, value, "a positive number of milliseconds");
  return value;
}
