/**
 * DynamicSupervisor: a supervisor that starts with no children and gets them one at a time with
 * `startChild`, as Elixir's `DynamicSupervisor` (strategy one_for_one).
 */
import type { Child, ChildSpec, RestartType, Shutdown } from "../runtime/behaviours/child-spec-types.ts";
import { OptionsError } from "../runtime/errors.ts";
import { stopServer } from "../runtime/behaviours/gen-call.ts";
import type { Stop } from "../runtime/behaviours/behaviour-process.ts";
import type { Name } from "../runtime/names/names-types.ts";
import type { Dest } from "../runtime/names/names.ts";
import { isPid, type Pid } from "../runtime/process/pid.ts";
import { normalizeChild } from "./child-spec.ts";
import { MaxChildrenError, NotFoundError } from "./errors.ts";
import { type DynamicSupervisorFlags, validateSupervisorFlags } from "./flags.ts";
import { shutdownChildren } from "./shutdown.ts";
import { supervisorCall } from "./sup-call.ts";
import type { ChildCounts, ChildInfo } from "./supervisor.ts";
import { type ChildEntry, countChildren, SupervisorRunner } from "./supervisor-runner.ts";

/** Options of `DynamicSupervisor.startLink`. */
export interface DynamicSupervisorOptions {
  /** Register the supervisor under this name. */
  readonly name?: Name;
  /** How many children it may hold at once (restarting ones included). Default Infinity. */
  readonly maxChildren?: number;
  /** Restarts allowed within `maxSeconds` before the supervisor gives up. Default 3. */
  readonly maxRestarts?: number;
  /** The window, in seconds, in which `maxRestarts` is counted. Default 5. */
  readonly maxSeconds?: number;
  /** Only `"one_for_one"`, accepted so code ported from Elixir can pass it. */
  readonly strategy?: "one_for_one";
}

/** What `sys.getState` shows of a DynamicSupervisor (a snapshot; `sys.replaceState` is refused). */
export interface DynamicSupervisorState {
  /** Always `"one_for_one"`: an exit restarts only the child that exited. */
  readonly strategy: "one_for_one";
  /** The `maxRestarts` option in force (default 3). */
  readonly maxRestarts: number;
  /** The `maxSeconds` option in force, in seconds (default 5). */
  readonly maxSeconds: number;
  /** The `maxChildren` option in force; Infinity when not set. */
  readonly maxChildren: number;
  /**
   * Every child, oldest first (a restarted child counts as new), as `whichChildren` lists it (so
   * `id` is `undefined`), with the restart type and shutdown of its spec, defaults filled in.
   */
  readonly children: ReadonlyArray<
    Readonly<
      ChildInfo & {
        /** The spec's restart type: whether the child is restarted when it exits (see {@link RestartType}). */
        readonly restart: RestartType;
        /** How the child is stopped: see {@link Shutdown}. */
        readonly shutdown: Shutdown;
      }
    >
  >;
}

/**
 * A supervisor for children started on demand, as Elixir's `DynamicSupervisor`.
 *
 * @example
 * ```ts
 * const sup = await DynamicSupervisor.startLink({ maxChildren: 100 });
 * const pid = await DynamicSupervisor.startChild(sup, [Session, "alice"]);
 * await DynamicSupervisor.countChildren(sup); // { specs: 1, active: 1, supervisors: 0, workers: 1 }
 * await DynamicSupervisor.terminateChild(sup, pid); // undefined
 * ```
 *
 * @remarks
 * Children are known by their Pid; ids in their specs need not be unique and only show in logs and
 * telemetry (`whichChildren` lists `id: undefined`, as OTP does). An exited child is restarted
 * according to its restart type (one_for_one) and keeps its place under its new Pid; a child that
 * is not restarted is forgotten. The restart intensity, reports and the
 * `parley:supervisor:restart` channel work as for {@link Supervisor}.
 *
 * When the supervisor stops, all children are stopped at the same time (not one after another):
 * each gets `"shutdown"` (or is killed, for `"brutal_kill"`) and is killed when its own shutdown
 * time runs out.
 */
export class DynamicSupervisor {
  private constructor() {}

  /**
   * Starts a DynamicSupervisor, with no children, linked to the caller (outside a process, unlinked).
   * @throws OptionsError (rejection, before anything is spawned) for a bad option.
   * @throws StartError (rejection) with `["already_started", pid]` when the name is taken.
   */
  static startLink(options: DynamicSupervisorOptions = {}): Promise<Pid> {
    let flags: DynamicSupervisorFlags;
    try {
      flags = validateSupervisorFlags(options, "DynamicSupervisor");
    } catch (err) {
      return Promise.reject(err);
    }
    return new DynamicRunner(flags).startLink(flags.name);
  }

  /**
   * A child spec that runs a DynamicSupervisor under a supervisor: id `options.name` when given,
   * else `DynamicSupervisor`; type `"supervisor"`, shutdown `"infinity"`.
   * @throws OptionsError for bad options.
   */
  static childSpec(options: DynamicSupervisorOptions = {}): ChildSpec {
    const flags = validateSupervisorFlags(options, "DynamicSupervisor");
    return {
      id: flags.name ?? DynamicSupervisor,
      start: () => DynamicSupervisor.startLink(options),
      type: "supervisor",
      shutdown: "infinity",
    };
  }

  /**
   * Starts a child under the supervisor.
   * @returns the child's Pid.
   * @throws OptionsError (rejection) for an invalid child.
   * @throws MaxChildrenError (rejection) when the supervisor already holds `maxChildren` children.
   * @throws StartError (rejection) with the child's start failure reason.
   */
  static startChild(sup: Dest, child: Child): Promise<Pid> {
    return supervisorCall(sup, ["start_child", child]) as Promise<Pid>;
  }

  /**
   * Stops a child (`"shutdown"`, then `"kill"` after its shutdown time) and forgets it.
   * @throws OptionsError (rejection) when `pid` is not a Pid.
   * @throws NotFoundError (rejection) when the supervisor holds no child with this Pid.
   */
  static async terminateChild(sup: Dest, pid: Pid): Promise<void> {
    if (!isPid(pid)) throw new OptionsError("pid", pid, "the Pid of a child");
    await supervisorCall(sup, ["terminate_child", pid]);
  }

  /** Every child, oldest first (a restarted child counts as new); `id` is `undefined`, as in OTP. */
  static whichChildren(sup: Dest): Promise<ChildInfo[]> {
    return supervisorCall(sup, ["which_children"]) as Promise<ChildInfo[]>;
  }

  /** How many children the supervisor holds, runs, and of which type. */
  static countChildren(sup: Dest): Promise<ChildCounts> {
    return supervisorCall(sup, ["count_children"]) as Promise<ChildCounts>;
  }

  /**
   * Stops the supervisor with `reason` (every child is stopped first) and waits until it exited.
   * @throws NoProcError when nothing answers to `sup`; TimeoutError when it has not exited within `timeoutMs`.
   */
  static stop(sup: Dest, reason: unknown = "normal", timeoutMs = Infinity): Promise<void> {
    return stopServer(sup, reason, timeoutMs);
  }
}

/** One child: keyed by the Pid it runs as, or ran as before a failed restart. */
interface DynamicRecord extends ChildEntry {
  key: Pid;
  pid: Pid | "restarting";
}

/** DynamicSupervisor's runner: children started on demand, one_for_one, found by Pid. */
class DynamicRunner extends SupervisorRunner<DynamicRecord> {
  /** Oldest first. */
  children = new Map<Pid, DynamicRecord>();

  constructor(readonly flags: DynamicSupervisorFlags) {
    super(DynamicSupervisor, flags);
  }

  init(): Promise<Stop | undefined> {
    this.proc.trapExit = true;
    return Promise.resolve(undefined);
  }

  /** Stops every child at once before the supervisor exits. */
  async terminate(): Promise<void> {
    const running = [...this.children.values()].filter((c): c is DynamicRecord & { pid: Pid } => isPid(c.pid));
    this.children = new Map();
    const reasons = await shutdownChildren(running.map((c) => ({ pid: c.pid, shutdown: c.spec.shutdown })));
    for (let i = 0; i < running.length; i++) this.checkShutdownReason(running[i]!.spec, running[i]!.pid, reasons[i]);
  }

  getState(): DynamicSupervisorState {
    const { strategy, maxRestarts, maxSeconds, maxChildren } = this.flags;
    const children = [...this.children.values()].map(({ spec, pid }) => ({
      id: undefined,
      pid,
      type: spec.type,
      restart: spec.restart,
      shutdown: spec.shutdown,
    }));
    return { strategy, maxRestarts, maxSeconds, maxChildren, children };
  }

  // --- calls -------------------------------------------------------------------------------

  answer(tag: unknown, arg: unknown): unknown {
    switch (tag) {
      case "start_child":
        return this.startChild(arg);
      case "terminate_child":
        return this.terminateChild(arg);
      case "which_children": {
        const list: ChildInfo[] = [];
        for (const { spec, pid } of this.children.values()) list.push({ id: undefined, pid, type: spec.type });
        return list;
      }
      case "count_children":
        return countChildren(this.children.values());
      default:
        throw new OptionsError("DynamicSupervisor request", tag, "start_child, terminate_child, which_children or count_children");
    }
  }

  async startChild(child: unknown): Promise<Pid> {
    const spec = normalizeChild(child);
    const max = this.flags.maxChildren;
    if (this.children.size >= max) throw new MaxChildrenError(max);
    const pid = await this.startForCall(spec);
    this.children.set(pid, { spec, key: pid, pid });
    return pid;
  }

  async terminateChild(pid: unknown): Promise<undefined> {
    const child = isPid(pid) ? this.children.get(pid) : undefined;
    if (child === undefined) throw new NotFoundError(pid);
    this.children.delete(child.key);
    if (isPid(child.pid)) await this.stopProcess(child.spec, child.pid);
    return undefined;
  }

  // --- exits and restarts ------------------------------------------------------------------

  /** The child keeps its old Pid until restarted, so reports about the restart still show it. */
  takeExited(pid: Pid): DynamicRecord | undefined {
    const child = this.children.get(pid);
    return child !== undefined && child.pid === pid ? child : undefined;
  }

  markEnded(child: DynamicRecord): void {
    this.children.delete(child.key);
  }

  holds(child: DynamicRecord): boolean {
    return this.children.get(child.key) === child;
  }

  /** Files a (re)started child under its Pid (it moves to the end of `whichChildren`). */
  setPid(child: DynamicRecord, pid: Pid): void {
    this.children.delete(child.key);
    child.key = pid;
    child.pid = pid;
    this.children.set(pid, child);
  }
}
