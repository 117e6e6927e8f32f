/**
 * Supervisor: a process that starts children in order, restarts them when they exit according to a
 * strategy, and stops them in reverse order, as Elixir's `Supervisor`.
 */
import type { Child, ChildModule, ChildSpec } from "../runtime/behaviours/child-spec-types.ts";
import { OptionsError } from "../runtime/errors.ts";
import { startModule } from "../runtime/behaviours/behaviour-process.ts";
import type { StartOptions } from "../runtime/behaviours/start-options.ts";
import { callChecked, stopServer } from "../runtime/behaviours/gen-call.ts";
import type { MaybePromise } from "../runtime/behaviours/maybe-promise.ts";
import type { Name } from "../runtime/names/names-types.ts";
import type { Dest } from "../runtime/names/names.ts";
import type { Pid } from "../runtime/process/pid.ts";
import { type NormalizedChildSpec, validateChildren } from "./child-spec.ts";
import { type CheckedSupervisorFlags, validateSupervisorFlags } from "./flags.ts";
import { SupervisorProcess } from "./supervisor-process.ts";
import type { SupervisorFlags, SupervisorInitResult } from "./supervisor-init.ts";
import type { ChildCounts, ChildInfo } from "./supervisor-snapshots.ts";

export type { ChildCounts, ChildInfo, SupervisorState } from "./supervisor-snapshots.ts";
export type { SupervisorFlags, SupervisorInitResult } from "./supervisor-init.ts";

/** Options of `Supervisor.startLink(children, options)`: the flags and the name. */
export interface SupervisorOptions extends SupervisorFlags {
  /** Register the supervisor under this name. */
  readonly name?: Name;
}

/** A module-based supervisor: a concrete class that extends {@link Supervisor}. */
export type SupervisorModule = (new () => Supervisor) & typeof Supervisor;

/** What a module-based supervisor's `init` takes, and so its `startLink(arg)`. */
export type InitArg<M extends SupervisorModule> = Parameters<InstanceType<M>["init"]>[0];

/**
 * The `arg` of a `[M, arg]` child: what `M.childSpec` takes, or, for a module-based supervisor
 * that keeps the inherited `childSpec`, what its `init` takes.
 */
export type ChildArg<M> = M extends SupervisorModule
  ? ChildSpecArg<M> extends NestedArg
    ? InitArg<M>
    : ChildSpecArg<M>
  : ChildSpecArg<M>;

/** The argument of `Supervisor.childSpec` for a supervisor nested with its children and options. */
export type NestedArg = readonly [children: readonly Child[], options: SupervisorOptions];

/**
 * A child list checked child by child: each `[M, arg]` must carry the `arg` its own module takes
 * ({@link ChildArg}), and a bare module must take `[]`.
 */
export type CheckedChildren<L extends readonly unknown[]> = { readonly [K in keyof L]: CheckedChild<L[K]> };

/**
 * One child checked against its own module: `[M, arg]` must carry {@link ChildArg}`<M>`, and a
 * bare module must take `[]`; a child spec passes as it is.
 */
export type CheckedChild<C> = C extends readonly [infer M extends ChildModule, unknown]
  ? readonly [M, ChildArg<M>]
  : C extends ChildModule
    ? [] extends ChildArg<C>
      ? C
      : readonly [C, ChildArg<C>]
    : C;

/**
 * A process that supervises other processes, as Elixir's `Supervisor`: either started with its
 * children and options, or, as Elixir's `use Supervisor`, as a class whose `init` returns them.
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
 *
 * // Module-based, as `use Supervisor` with init/1:
 * class Feeds extends Supervisor {
 *   override init(topics: string[]) {
 *     return Supervisor.init(topics.map((t) => ({ id: t, start: () => Counter.startLink(0) })), { strategy: "one_for_one" });
 *   }
 * }
 * const feeds = await Feeds.startLink(["btc", "eth"], { name: "feeds" });
 * await Supervisor.startLink([[Feeds, ["sol"]]], { strategy: "one_for_one" }); // Feeds.childSpec(["sol"])
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
 * messages already waiting; every retry counts towards the restart intensity. A child whose
 * `start` rejects `StartError` with reason `"ignore"` (a module supervisor whose `init` answered
 * `["ignore"]`) is kept, not running, as OTP keeps a child that returned `:ignore`; `startChild`
 * and `restartChild` then reject with that error, so a call that resolves always gives a Pid.
 *
 * Stopping a child (on `terminateChild`, on a restart of its siblings, or when the supervisor
 * stops) sends it `"shutdown"`, waits up to its `shutdown` milliseconds, then kills it;
 * `"brutal_kill"` kills at once and `"infinity"` waits as long as it takes (the default for a child
 * that is a supervisor). A child that should run its `terminate` must trap exits.
 *
 * Every child exit the supervisor acts on is logged as an OTP supervisor report
 * (`child_terminated`, error level as in OTP even when the restart is expected, or warn for a
 * normal reason), and every restart is published on `parley:supervisor:restart` as
 * `{ supervisor, id, reason }`.
 *
 * All functions but `startLink`, `childSpec` and `init` talk to a running supervisor and wait for
 * its answer without a timeout, as OTP does; they reject `NoProcError` when nothing answers to `sup`.
 */
export abstract class Supervisor {
  /**
   * A module-based supervisor's children and flags: runs in the new supervisor's process before
   * `startLink` resolves, with the `arg` given to `startLink`. Return `Supervisor.init(children,
   * flags)`, or `["ignore"]` (see {@link SupervisorInitResult}). A throw, or any other value
   * (`BadReturnError`), fails the start; bad children or flags fail it with an `OptionsError`.
   */
  abstract init(arg: unknown): MaybePromise<SupervisorInitResult>;

  /**
   * Builds `init`'s answer, as Elixir's `Supervisor.init(children, opts)`. The children and flags
   * are checked when `init` returns, inside the supervisor's process.
   */
  static init<const L extends readonly Child[]>(children: L & NoInfer<CheckedChildren<L>>, flags: SupervisorFlags): SupervisorInitResult {
    return ["ok", children, flags];
  }

  /**
   * Starts a module-based supervisor linked to the caller (outside a process, unlinked): `init(arg)`
   * runs in its process, then its children start in order. `Supervisor.startLink(Module, arg,
   * options)` is the same, as Elixir's `Supervisor.start_link(__MODULE__, arg, opts)`, so a
   * subclass may declare its own `static startLink(arg)` on top of it.
   * @param options - `name`, and `timeout` for `init` (as a GenServer's start options).
   * @throws StartError (rejection) with the reason of a failed start: the `OptionsError` for bad
   *   children or flags, `"ignore"` for `["ignore"]`, or the reasons of the children form below.
   */
  static startLink<M extends SupervisorModule>(this: M, arg: InitArg<M>, options?: StartOptions): Promise<Pid>;
  static startLink<M extends SupervisorModule>(module: M, arg: InitArg<M>, options?: StartOptions): Promise<Pid>;
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
  static startLink<const L extends readonly Child[]>(children: L & NoInfer<CheckedChildren<L>>, options: SupervisorOptions): Promise<Pid>;
  static startLink(this: unknown, ...args: unknown[]): Promise<Pid> {
    if (this === Supervisor && typeof args[0] !== "function") return startWithChildren(args[0], args[1]);
    return startModule(Supervisor, this, args, true, (module: SupervisorModule) => new SupervisorProcess(module, { callbacks: new module() }));
  }

  /**
   * A module-based supervisor's child spec, for `[MySup, arg]`: id the class, start
   * `Supervisor.startLink(MySup, arg)`, type `"supervisor"`, shutdown `"infinity"`.
   * `Supervisor.childSpec(MySup, arg)` is the same.
   */
  static childSpec<M extends SupervisorModule>(this: M, arg: InitArg<M>): ChildSpec;
  static childSpec<M extends SupervisorModule>(module: M, arg: InitArg<M>): ChildSpec;
  /**
   * A child spec that runs a supervisor under another one, so `[Supervisor, [children, options]]`
   * is a valid child. Its id is `options.name` when given, else `Supervisor` (give two unnamed
   * nested supervisors their own ids with `{ ...Supervisor.childSpec(arg), id }`); its type is
   * `"supervisor"` and its shutdown `"infinity"`.
   * @throws OptionsError when `arg` is not `[children, options]` or either is invalid, or the
   *   module form is given something that is not a class extending Supervisor.
   */
  static childSpec<A extends NestedArg>(arg: A): ChildSpec;
  static childSpec(this: unknown, ...args: unknown[]): ChildSpec {
    if (this === Supervisor && typeof args[0] !== "function") return nestedSpec(args[0]);
    const [module, arg] = this === Supervisor ? args : [this, args[0]];
    if (typeof module !== "function" || !(module.prototype instanceof Supervisor)) {
      throw new OptionsError("module", module, "a class that extends Supervisor");
    }
    const sup = module as SupervisorModule;
    return { id: sup, start: () => Supervisor.startLink(sup, arg as never), type: "supervisor", shutdown: "infinity" };
  }

  /**
   * Adds a child to a running supervisor and starts it. The spec is kept only if it started.
   * @returns the child's Pid.
   * @throws OptionsError (rejection) for an invalid child.
   * @throws StartError (rejection) with `["already_started", pid]` when a running child has the
   *   same id, `["already_present", id]` when a terminated one has it, or the child's own start
   *   failure reason.
   */
  static startChild<const C extends Child>(sup: Dest, child: C & NoInfer<CheckedChild<C>>): Promise<Pid> {
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

/** The parameter of a module's `childSpec` (of its last overload, as TypeScript infers it). */
export type ChildSpecArg<M> = M extends ChildModule ? Parameters<M["childSpec"]>[0] : never;

function startWithChildren(children: unknown, options: unknown): Promise<Pid> {
  let flags: CheckedSupervisorFlags;
  let specs: NormalizedChildSpec[];
  try {
    flags = validateSupervisorFlags(options, "Supervisor");
    specs = validateChildren(children);
  } catch (err) {
    return Promise.reject(err);
  }
  return new SupervisorProcess(Supervisor, { flags, specs }).startLink(flags.name);
}

function nestedSpec(arg: unknown): ChildSpec {
  if (!Array.isArray(arg) || arg.length !== 2) {
    throw new OptionsError("Supervisor.childSpec argument", arg, "[children, options]");
  }
  const [children, options] = arg as [readonly Child[], SupervisorOptions];
  const flags = validateSupervisorFlags(options, "Supervisor");
  validateChildren(children);
  return {
    id: flags.name ?? Supervisor,
    start: () => startWithChildren(children, options),
    type: "supervisor",
    shutdown: "infinity",
  };
}
