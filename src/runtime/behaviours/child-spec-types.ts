/**
 * The shape of a supervisor child spec. It lives in the runtime because every behaviour
 * (GenServer, GenStatem, Registry, the client) builds its own `childSpec`; the supervisor layer
 * validates and applies it.
 */
import type { Pid } from "../process/pid.ts";

/** `"permanent"`: always restarted; `"transient"`: only after an abnormal exit; `"temporary"`: never. */
export type RestartType = "permanent" | "transient" | "temporary";

/** Milliseconds to wait after `"shutdown"` before killing, `"brutal_kill"` to kill at once, or `"infinity"`. */
export type Shutdown = number | "brutal_kill" | "infinity";

/** Whether the child is a worker or a supervisor of its own (which changes the default shutdown). */
export type ChildType = "worker" | "supervisor";

/** How to start and look after one child. Omitted fields take OTP's defaults. */
export interface ChildSpec {
  /** Any value except `undefined`; ids compare structurally. A module's default id is the module itself. */
  id: unknown;
  /**
   * Starts the child: runs inside the supervisor's process (so a `startLink` here links the child
   * to the supervisor) when the supervisor boots, on `startChild` / `restartChild`, and on every
   * restart.
   *
   * - Resolves a live Pid: the child runs (linked now if it was not).
   * - Rejects (or throws): a failed start. At boot the supervisor fails with
   *   `["shutdown", ["failed_to_start_child", id, reason]]`; `startChild` and `restartChild`
   *   reject `StartError`; during a restart the supervisor reports `start_error` and retries,
   *   each retry counting towards the restart intensity.
   * - Resolves anything else: a failed start whose reason is a `BadReturnError`.
   */
  start: () => Promise<Pid>;
  /** Default `"permanent"`. */
  restart?: RestartType;
  /** Default `5000` for a worker, `"infinity"` for a supervisor. */
  shutdown?: Shutdown;
  /** Default `"worker"`. */
  type?: ChildType;
}

/** A class or object with a static `childSpec(arg)`, like a GenServer subclass. */
export interface ChildModule {
  /**
   * The spec for one child started with `arg`: the second element of `[Module, arg]`, or `[]` for a
   * bare Module. When the spec has no `id`, the module itself is the id.
   */
  childSpec(arg: unknown): ChildSpec;
}

/** What a supervisor accepts as a child: a spec, `[Module, arg]`, or a Module (`Module.childSpec([])`). */
export type Child = ChildSpec | readonly [ChildModule, unknown] | ChildModule;
