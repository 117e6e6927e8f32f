/**
 * DynamicSupervisor: a supervisor that starts with no children and gets them one at a time with
 * `startChild`, as Elixir's `DynamicSupervisor` (strategy one_for_one).
 */
import type { Child, ChildSpec } from "../runtime/behaviours/child-spec-types.ts";
import { OptionsError } from "../runtime/errors.ts";
import { callChecked, stopServer } from "../runtime/behaviours/gen-call.ts";
import type { Name } from "../runtime/names/names-types.ts";
import type { Dest } from "../runtime/names/names.ts";
import { isPid, type Pid } from "../runtime/process/pid.ts";
import { type DynamicSupervisorFlags, validateSupervisorFlags } from "./flags.ts";
import type { CheckedChild } from "./supervisor.ts";
import type { ChildCounts, ChildInfo } from "./supervisor-snapshots.ts";

export type { DynamicSupervisorState } from "./supervisor-snapshots.ts";
import { DynamicSupervisorProcess } from "./dynamic-supervisor-process.ts";

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
    return new DynamicSupervisorProcess(DynamicSupervisor, flags).startLink(flags.name);
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
  static startChild<const C extends Child>(sup: Dest, child: C & NoInfer<CheckedChild<C>>): Promise<Pid> {
    return callChecked(sup, ["start_child", child], Infinity) as Promise<Pid>;
  }

  /**
   * Stops a child (`"shutdown"`, then `"kill"` after its shutdown time) and forgets it.
   * @throws OptionsError (rejection) when `pid` is not a Pid.
   * @throws NotFoundError (rejection) when the supervisor holds no child with this Pid.
   */
  static async terminateChild(sup: Dest, pid: Pid): Promise<void> {
    if (!isPid(pid)) throw new OptionsError("pid", pid, "the Pid of a child");
    await callChecked(sup, ["terminate_child", pid], Infinity);
  }

  /** Every child, oldest first (a restarted child counts as new); `id` is `undefined`, as in OTP. */
  static whichChildren(sup: Dest): Promise<ChildInfo[]> {
    return callChecked(sup, ["which_children"], Infinity) as Promise<ChildInfo[]>;
  }

  /** How many children the supervisor holds, runs, and of which type. */
  static countChildren(sup: Dest): Promise<ChildCounts> {
    return callChecked(sup, ["count_children"], Infinity) as Promise<ChildCounts>;
  }

  /**
   * Stops the supervisor with `reason` (every child is stopped first) and waits until it exited.
   * @throws NoProcError when nothing answers to `sup`; TimeoutError when it has not exited within `timeoutMs`.
   */
  static stop(sup: Dest, reason: unknown = "normal", timeoutMs = Infinity): Promise<void> {
    return stopServer(sup, reason, timeoutMs);
  }
}
