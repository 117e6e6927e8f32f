/**
 * `sys`: introspection and control of any behaviour process (GenServer, GenStatem, Supervisor, the
 * WebSocket client), served by the behaviour's loop in every state, even while suspended.
 */
import { callChecked, SystemRequest } from "./gen-call.ts";
import type { SysStatistics, SysStatus } from "./system-requests.ts";
import type { Dest } from "../names/names.ts";

const DEFAULT_TIMEOUT = 5000;

/**
 * Erlang's `sys` module for behaviour processes.
 *
 * @example
 * ```ts
 * await sys.getState(counter);            // the server's state
 * await sys.replaceState(counter, (n) => n + 10);
 * (await sys.getStatus(counter)).status;  // "running"
 * ```
 *
 * @remarks
 * Each function is a call served between two events, even while the process is suspended. Like
 * `GenServer.call`, it rejects `TimeoutError` after `timeoutMs` (default 5000), `NoProcError` when
 * nothing answers to `dest`, and `ExitError` when the process exits first. An error thrown while
 * serving the request (by the function given to `replaceState`, or `replaceState` on a supervisor)
 * rejects the call and leaves the process as it was.
 */
export const sys = {
  /** The state: a GenServer's state, `[state, data]` for a GenStatem, the user state for a client. */
  getState(dest: Dest, timeoutMs = DEFAULT_TIMEOUT): Promise<unknown> {
    return system(dest, ["get_state"], timeoutMs);
  },

  /** Replaces the state with `fn(state)` (same shape as `getState`) and returns the new one. */
  replaceState<S>(dest: Dest, fn: (state: S) => S, timeoutMs = DEFAULT_TIMEOUT): Promise<S> {
    return system(dest, ["replace_state", fn], timeoutMs) as Promise<S>;
  },

  /** `{ pid, name, status, module, state, data }`; for a client `state` is its connection state. */
  getStatus(dest: Dest, timeoutMs = DEFAULT_TIMEOUT): Promise<SysStatus> {
    return system(dest, ["get_status"], timeoutMs) as Promise<SysStatus>;
  },

  /** Stops handling anything but `sys` requests until `resume`; other messages wait in the mailbox. */
  async suspend(dest: Dest, timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
    await system(dest, ["suspend"], timeoutMs);
  },

  /** Undoes `suspend`: the process handles its queued messages again, in order. A running process stays as it is. */
  async resume(dest: Dest, timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
    await system(dest, ["resume"], timeoutMs);
  },

  /** Logs every event the process handles (info level) while `on`. */
  async trace(dest: Dest, on: boolean, timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
    await system(dest, ["trace", on], timeoutMs);
  },

  /**
   * `true` starts counting, `false` stops, `"get"` returns the counts so far (false when not counting).
   */
  statistics(dest: Dest, flag: boolean | "get", timeoutMs = DEFAULT_TIMEOUT): Promise<SysStatistics | false | undefined> {
    return system(dest, ["statistics", flag], timeoutMs) as Promise<SysStatistics | false | undefined>;
  },
};

function system(dest: Dest, request: readonly unknown[], timeoutMs: number): Promise<unknown> {
  return callChecked(dest, request, timeoutMs, SystemRequest);
}
