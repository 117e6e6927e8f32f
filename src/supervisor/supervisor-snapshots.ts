/**
 * What the supervisors tell about their children: `whichChildren` entries, `countChildren`
 * counts, and the snapshot `sys.getState` shows of each kind of supervisor.
 */
import type { ChildType, RestartType, Shutdown } from "../runtime/behaviours/child-spec-types.ts";
import { isPid, type Pid } from "../runtime/process/pid.ts";
import { isAlive } from "../runtime/process/spawn.ts";
import type { NormalizedChildSpec } from "./child-spec.ts";
import type { Strategy } from "./strategies.ts";

/** One entry of `whichChildren`. */
export interface ChildInfo {
  /** The id of the child's spec; always `undefined` under a DynamicSupervisor, as in OTP. */
  readonly id: unknown;
  /** The running child, `"restarting"` after a failed restart (a retry is queued), or `undefined` when terminated. */
  readonly pid: Pid | "restarting" | undefined;
  /** The spec's type (default `"worker"`): `"supervisor"` for a child that supervises children of its own. */
  readonly type: ChildType;
}

/** What `countChildren` returns. */
export interface ChildCounts {
  /** Every child spec the supervisor holds, running or not. */
  readonly specs: number;
  /** Children whose process is alive. */
  readonly active: number;
  /** Specs of type `"supervisor"`, running or not. */
  readonly supervisors: number;
  /** Specs of type `"worker"`, running or not. */
  readonly workers: number;
}

/** What `sys.getState` shows of a supervisor (a snapshot; `sys.replaceState` is refused). */
export interface SupervisorState {
  /** The `strategy` option: which children a restart affects. */
  readonly strategy: Strategy;
  /** The `maxRestarts` option in force (default 3). */
  readonly maxRestarts: number;
  /** The `maxSeconds` option in force, in seconds (default 5). */
  readonly maxSeconds: number;
  /**
   * Every child spec, in start order, as `whichChildren` lists it, with the restart type and
   * shutdown of its spec, defaults filled in.
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

/** `countChildren` over child records holding a spec and a pid (shared with DynamicSupervisor). */
export function countChildren(children: Iterable<{ readonly spec: NormalizedChildSpec; readonly pid: Pid | "restarting" | undefined }>): ChildCounts {
  let specs = 0;
  let active = 0;
  let supervisors = 0;
  let workers = 0;
  for (const { spec, pid } of children) {
    specs++;
    if (isPid(pid) && isAlive(pid)) active++;
    if (spec.type === "supervisor") supervisors++;
    else workers++;
  }
  return { specs, active, supervisors, workers };
}
