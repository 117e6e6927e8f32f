/**
 * What a module-based supervisor's `init` answers (Elixir's `use Supervisor` with `init/1`), and
 * the check of that answer inside the supervisor's process.
 */
import type { Child } from "../runtime/behaviours/child-spec-types.ts";
import { BadReturnError, OptionsError } from "../runtime/errors.ts";
import { type NormalizedChildSpec, validateChildren } from "./child-spec.ts";
import { type CheckedSupervisorFlags, validateSupervisorFlags } from "./flags.ts";
import type { Strategy } from "./strategies.ts";

/**
 * How a supervisor restarts its children and when it gives up: the `flags` of
 * `Supervisor.init(children, flags)`, and `Supervisor.startLink`'s options without the name.
 */
export interface SupervisorFlags {
  /** Which children a restart affects: see {@link Strategy}. Required, as in Elixir. */
  readonly strategy: Strategy;
  /** Restarts allowed within `maxSeconds` before the supervisor gives up. Default 3. */
  readonly maxRestarts?: number;
  /** The window, in seconds, in which `maxRestarts` is counted. Default 5. */
  readonly maxSeconds?: number;
}

/**
 * What a module-based supervisor's `init` returns:
 *
 * - `["ok", children, flags]` (build it with `Supervisor.init(children, flags)`): the supervisor
 *   starts `children`, in order, under `flags`.
 * - `["ignore"]`: no supervisor after all; `startLink` rejects `StartError` with reason
 *   `"ignore"`, the process exits `"normal"` without a report, and a parent supervisor keeps the
 *   child as not running, as OTP does with `:ignore`.
 */
export type SupervisorInitResult = readonly ["ok", children: readonly Child[], flags: SupervisorFlags] | readonly ["ignore"];

/**
 * Checks what `init` returned.
 * @returns `"ignore"`, or the flags with their defaults and the normalised children.
 * @throws BadReturnError naming `init` when the value is neither tuple.
 * @throws OptionsError for bad flags (a `name` among them included: it belongs to `startLink`) or a bad child.
 */
export function checkInitResult(value: unknown): "ignore" | { flags: CheckedSupervisorFlags; specs: NormalizedChildSpec[] } {
  if (!Array.isArray(value)) throw new BadReturnError("init", value);
  if (value.length === 1 && value[0] === "ignore") return "ignore";
  if (value.length !== 3 || value[0] !== "ok") throw new BadReturnError("init", value);
  const flags = validateSupervisorFlags(value[2], "Supervisor");
  if (flags.name !== undefined) {
    throw new OptionsError("Supervisor.init flags key", "name", "strategy, maxRestarts or maxSeconds (give the name to startLink)");
  }
  return { flags, specs: validateChildren(value[1]) };
}
