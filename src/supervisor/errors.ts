/** Errors of the supervisor layer. */
import { ParleyError } from "../runtime/errors.ts";
import { formatTerm } from "../runtime/format-term.ts";

/** No child with this id (or pid) under the supervisor. */
export class NotFoundError extends ParleyError {
  /** Always `"NotFoundError"`. */
  override readonly name = "NotFoundError" as const;
  /** Always `"ERR_NOT_FOUND"`. */
  readonly code = "ERR_NOT_FOUND" as const;
  constructor(
    /** The child id given to a `Supervisor` function, or the Pid given to `DynamicSupervisor.terminateChild`. */
    readonly id: unknown,
  ) {
    super(`no child ${formatTerm(id)}`);
  }
}

/** A DynamicSupervisor already holds `maxChildren` children. */
export class MaxChildrenError extends ParleyError {
  /** Always `"MaxChildrenError"`. */
  override readonly name = "MaxChildrenError" as const;
  /** Always `"ERR_MAX_CHILDREN"`. */
  readonly code = "ERR_MAX_CHILDREN" as const;
  constructor(
    /** The supervisor's `maxChildren` option, which its children already reach. */
    readonly maxChildren: number,
  ) {
    super(`the supervisor already holds its maximum of ${maxChildren} children`);
  }
}

/**
 * `restartChild` or `deleteChild` on a child that is not terminated: it is `"running"`, or the
 * supervisor is `"restarting"` it after a failed restart. OTP answers `{error, running}` and
 * `{error, restarting}`.
 */
export class ChildRunningError extends ParleyError {
  /** Always `"ChildRunningError"`. */
  override readonly name = "ChildRunningError" as const;
  /** Always `"ERR_CHILD_RUNNING"`. */
  readonly code = "ERR_CHILD_RUNNING" as const;
  constructor(
    /** The id of the child, as in its spec. */
    readonly id: unknown,
    /** `"running"`: the child's process is alive; `"restarting"`: a retry of its failed restart is queued. */
    readonly status: "running" | "restarting",
  ) {
    super(`child ${formatTerm(id)} is ${status}; terminate it first`);
  }
}
