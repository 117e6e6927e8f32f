/**
 * Supervisor: a process that starts children in order, restarts them when they exit according to a
 * strategy, and stops them in reverse order, as Elixir's `Supervisor`.
 */
import type { Child, ChildSpec } from "../runtime/behaviours/child-spec-types.ts";
import { OptionsError } from "../runtime/errors.ts";
import { callChecked, stopServer } from "../runtime/behaviours/gen-call.ts";
import type { Name } from "../runtime/names/names-types.ts";
import type { Dest } from "../runtime/names/names.ts";
import type { Pid } from "../runtime/process/pid.ts";
import { type NormalizedChildSpec, validateChildren } from "./child-spec.ts";
import { type SupervisorFlags, validateSupervisorFlags } from "./flags.ts";
import { SupervisorProcess } from "./supervisor-process.ts";
import type { Strategy } from "./strategies.ts";
import type { ChildCounts, ChildInfo } from "./supervisor-snapshots.ts";

export type { ChildCounts, ChildInfo, SupervisorState } from "./supervisor-snapshots.ts";

/** Options of `Supervisor.startLink`. */
export interface SupervisorOptions {
  /** Which children a restart affects: see {@link Strategy}. Required, as in Elixir. */
  readonly strategy: Strategy;
  /** Restarts allowed within `maxSeconds` before the supervisor gives up. Default 3. */
  readonly maxRestarts?: number;
  /** The window, in seconds, in which `maxRestarts` is counted. Default 5. */
  readonly maxSeconds?: number;
  /** Register the supervisor under this name. */
  readonly name?: Name;
}

/**
 * A process that supervises other processes, as Elixir's `Supervisor`.
 *
 * @example
 * ```ts
 * const sup = await Supervisor.startLink([[Counter, 0], { id: "cache", start: () => Cache.startLink([]) }], {
 *   strategy: "one_for_one",
 * });
 * await Supervisor.countChildren(sup); // { specs: 2, active: 2, supervisors: 0, workers: 2 }
 * await Supervisor.terminateChild(sup, "cache"); // undefined: the spec is kept
 * await Supervisor.restartChild(sup, "cache");   // the new Pid
 * await Supervisor.stop(sup);
 * ```
 *
 * @remarks
 * Children start in list order, inside the supervisor's process: a `startLink` in a child's `start`
 * links the child to the supervisor. The supervisor traps exits. When a child exits, its restart
 * type decides (`"permanent"`: always restart, `"transient"`: only after an abnormal exit,
 * `"temporary"`: never, and the child is forgotten), and the strategy says which children restart:
 * - `"one_for_one"`: only that child;
 * - `"one_for_all"`: every child is stopped (reverse start order) and all are started again;
 * - `"rest_for_one"`: the children started after it are stopped, then it and they are started again.
 *
 * Temporary children stopped because of a sibling are not restarted: they are removed. More than
 * `maxRestarts` restarts within `maxSeconds` makes the supervisor stop every child and exit with
 * `"shutdown"`; a parent supervisor then sees a child that exited `"shutdown"`.
 *
 * A restart whose `start` fails leaves the child `"restarting"` and queues a retry behind the
 * messages already waiting; every retry counts towards the restart intensity.
 *
 * Stopping a child (on `terminateChild`, on a restart of its siblings, or when the supervisor
 * stops) sends it `"shutdown"`, waits up to its `shutdown` milliseconds, then kills it;
 * `"brutal_kill"` kills at once and `"infinity"` waits as long as it takes (the default for a child
 * that is a supervisor). A child that should run its `terminate` must trap exits.
 *
 * Every child exit the supervisor acts on is logged as an OTP supervisor report
 * (`child_terminated`, error level, or warn for a normal reason), and every restart is published on
 * `parley:supervisor:restart` as `{ supervisor, id, reason }`.
 *
 * All functions but `startLink` and `childSpec` talk to a running supervisor and wait for its
 * answer without a timeout, as OTP does; they reject `NoProcError` when nothing answers to `sup`.
 */
export class Supervisor {
  private constructor() {}

  /**
   * Starts a supervisor linked to the caller (outside a process, unlinked) and its children, in
   * order. Resolves once every child is running.
   *
   * @param children - child specs, `[Module, arg]` pairs or Modules; ids must be unique.
   * @param options - `strategy` (required), `maxRestarts` (3), `maxSeconds` (5), `name`.
   * @throws OptionsError (rejection, before anything is spawned) for a bad option, a bad child or a duplicate id.
   * @throws StartError (rejection) with reason `["shutdown", ["failed_to_start_child", id, reason]]`
   *   when a child failed to start (the children already started are stopped first, in reverse
   *   order; `reason` is the child's `StartError` reason or what its `start` rejected with), or
   *   `["already_started", pid]` when the name is taken.
   */
  static startLink(children: readonly Child[], options: SupervisorOptions): Promise<Pid> {
    let flags: SupervisorFlags;
    let specs: NormalizedChildSpec[];
    try {
      flags = validateSupervisorFlags(options, "Supervisor");
      specs = validateChildren(children);
    } catch (err) {
      return Promise.reject(err);
    }
    return new SupervisorProcess(Supervisor, flags, specs).startLink(flags.name);
  }

  /**
   * A child spec that runs a supervisor under another one, so `[Supervisor, [children, options]]`
   * is a valid child. Its id is `options.name` when given, else `Supervisor` (give two unnamed
   * nested supervisors their own ids with `{ ...Supervisor.childSpec(arg), id }`); its type is
   * `"supervisor"` and its shutdown `"infinity"`.
   * @throws OptionsError when `arg` is not `[children, options]` or either is invalid.
   */
  static childSpec(arg: readonly [children: readonly Child[], options: SupervisorOptions]): ChildSpec {
    if (!Array.isArray(arg) || arg.length !== 2) {
      throw new OptionsError("Supervisor.childSpec argument", arg, "[children, options]");
    }
    const [children, options] = arg;
    const flags = validateSupervisorFlags(options, "Supervisor");
    validateChildren(children);
    return {
      id: flags.name ?? Supervisor,
      start: () => Supervisor.startLink(children, options),
      type: "supervisor",
      shutdown: "infinity",
    };
  }

  /**
   * Adds a child to a running supervisor and starts it. The spec is kept only if it started.
   * @returns the child's Pid.
   * @throws OptionsError (rejection) for an invalid child.
   * @throws StartError (rejection) with `["already_started", pid]` when a running child has the
   *   same id, `["already_present", id]` when a terminated one has it, or the child's own start
   *   failure reason.
   */
  static startChild(sup: Dest, child: Child): Promise<Pid> {
    return callChecked(sup, ["start_child", child], Infinity) as Promise<Pid>;
  }

  /**
   * Stops a child (see the remarks for how) and keeps its spec, so `restartChild` can start it
   * again; a temporary child's spec is deleted instead.
   * @throws NotFoundError (rejection) when no child has this id.
   */
  static async terminateChild(sup: Dest, id: unknown): Promise<void> {
    await callChecked(sup, ["terminate_child", id], Infinity);
  }

  /**
   * Starts a terminated child again from its spec.
   * @returns the child's new Pid.
   * @throws NotFoundError (rejection) when no child has this id.
   * @throws ChildRunningError (rejection) when the child is running or restarting.
   * @throws StartError (rejection) with the child's start failure reason; the child stays terminated.
   */
  static restartChild(sup: Dest, id: unknown): Promise<Pid> {
    return callChecked(sup, ["restart_child", id], Infinity) as Promise<Pid>;
  }

  /**
   * Deletes the spec of a terminated child.
   * @throws NotFoundError (rejection) when no child has this id.
   * @throws ChildRunningError (rejection) when the child is running or restarting.
   */
  static async deleteChild(sup: Dest, id: unknown): Promise<void> {
    await callChecked(sup, ["delete_child", id], Infinity);
  }

  /**
   * Every child, in OTP's order: the most recently added first (reverse start order).
   * A temporary child is listed only while it runs.
   */
  static whichChildren(sup: Dest): Promise<ChildInfo[]> {
    return callChecked(sup, ["which_children"], Infinity) as Promise<ChildInfo[]>;
  }

  /** How many children the supervisor holds, runs, and of which type. */
  static countChildren(sup: Dest): Promise<ChildCounts> {
    return callChecked(sup, ["count_children"], Infinity) as Promise<ChildCounts>;
  }

  /**
   * Stops the supervisor with `reason`: every child is stopped in reverse start order, then the
   * supervisor exits. Resolves once it has exited.
   * @throws NoProcError when nothing answers to `sup`; TimeoutError when it has not exited within `timeoutMs`.
   */
  static stop(sup: Dest, reason: unknown = "normal", timeoutMs = Infinity): Promise<void> {
    return stopServer(sup, reason, timeoutMs);
  }
}
