/** Errors of the supervisor layer. */
import { ParleyError } from "../runtime/errors.ts";
import { formatTerm } from "../runtime/format-term.ts";

/** No child with this id (or pid) under the supervisor. */
export class NotFoundError extends ParleyError {
  override readonly name = "NotFoundError" as const;
  constructor(readonly id: unknown) {
    super(`no child ${formatTerm(id)}`);
  }
}

/** A DynamicSupervisor already holds `maxChildren` children. */
export class MaxChildrenError extends ParleyError {
  override readonly name = "MaxChildrenError" as const;
  constructor(readonly maxChildren: number) {
    super(`the supervisor already holds its maximum of ${maxChildren} children`);
  }
}

/**
 * `restartChild` or `deleteChild` on a child that is not terminated: it is `"running"`, or the
 * supervisor is `"restarting"` it after a failed restart. OTP answers `{error, running}` and
 * `{error, restarting}`.
 */
export class ChildRunningError extends ParleyError {
  override readonly name = "ChildRunningError" as const;
  constructor(
    readonly id: unknown,
    readonly status: "running" | "restarting",
  ) {
    super(`child ${formatTerm(id)} is ${status}; terminate it first`);
  }
}
