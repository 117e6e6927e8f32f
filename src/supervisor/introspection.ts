/**
 * Read-only introspection of supervisors, for the Observer: a supervisor's flags, its restarts
 * in the current window and its children, read between two events without a call.
 */
import type { BehaviourProcess } from "../runtime/behaviours/behaviour-process.ts";
import type { ChildType, RestartType } from "../runtime/behaviours/child-spec-types.ts";
import type { Pid } from "../runtime/process/pid.ts";
import { SupervisingProcess } from "./supervising-process.ts";
import type { DynamicSupervisorState, SupervisorState } from "./supervisor-snapshots.ts";
import type { Strategy } from "./strategies.ts";

/** A supervisor as a sampler sees it. */
export interface SupervisorSample {
  readonly strategy: Strategy;
  readonly maxRestarts: number;
  readonly maxSeconds: number;
  /** Restarts within the last `maxSeconds`: one more than `maxRestarts` and the supervisor gives up. */
  readonly restarts: number;
  /** In start order (oldest first under a DynamicSupervisor). */
  readonly children: ReadonlyArray<{
    /** The spec's id; undefined under a DynamicSupervisor. */
    readonly id: unknown;
    readonly pid: Pid | "restarting" | undefined;
    readonly type: ChildType;
    readonly restart: RestartType;
  }>;
}

/** Whether `bp` is a Supervisor's or a DynamicSupervisor's process (a cheap check, no snapshot). */
export function isSupervisor(bp: BehaviourProcess): boolean {
  return bp instanceof SupervisingProcess;
}

/** `bp` as a supervisor, or undefined when it is not one. */
export function describeSupervisor(bp: BehaviourProcess): SupervisorSample | undefined {
  if (!(bp instanceof SupervisingProcess)) return undefined;
  const { strategy, maxRestarts, maxSeconds, children } = bp.getState() as SupervisorState | DynamicSupervisorState;
  return { strategy, maxRestarts, maxSeconds, restarts: bp.intensity.inWindow(performance.now()), children };
}
