/**
 * `sys` requests as a behaviour serves them: in every state, even while suspended, between two
 * events and never inside a callback.
 */
import { OptionsError } from "../errors.ts";
import { reply, SystemRequest } from "./gen-call.ts";
import type { Runner, Stop } from "./behaviour-process.ts";
import type { Name } from "../names/names-types.ts";
import type { Pid } from "../process/pid.ts";

/** What `sys.getStatus` returns: a snapshot of a behaviour process, taken between two events. */
export interface SysStatus {
  /** The process. */
  readonly pid: Pid;
  /** The name it was started under (the `name` start option), or undefined. */
  readonly name: Name | undefined;
  /** `"suspended"` from `sys.suspend` until `sys.resume`, else `"running"`. */
  readonly status: "running" | "suspended";
  /**
   * The class the process runs: the GenServer, GenStatem or Parley subclass, or `Supervisor` /
   * `DynamicSupervisor`.
   */
  readonly module: unknown;
  /**
   * A GenStatem's current state name; a client's connection state (`"connected"`, ...);
   * `undefined` for a GenServer and a supervisor.
   */
  readonly state: unknown;
  /**
   * A GenServer's state, a GenStatem's data, a client's user state, or a supervisor's
   * `SupervisorState` / `DynamicSupervisorState`.
   */
  readonly data: unknown;
}

/**
 * What `sys.statistics(dest, "get")` returns while counting (since `sys.statistics(dest, true)`).
 * Times are `Date.now()` values: milliseconds since the Unix epoch.
 */
export interface SysStatistics {
  /** When counting started. */
  readonly startTime: number;
  /** When this answer was made. */
  readonly currentTime: number;
  /**
   * Mailbox messages handled since counting started: calls, casts, plain messages, GenStatem
   * timeouts. `sys` requests and the parent's exit signal are not counted.
   */
  readonly messagesIn: number;
  /**
   * Replies sent through a callback's result since counting started: a GenServer
   * `["reply", value, state]` or a GenStatem `["reply", from, value]` action. Other replies
   * (`reply(from, value)`, the reply of a `["stop", reason, value, state]`, a client's
   * `["reply", ...]`) are not counted.
   */
  readonly messagesOut: number;
}


/** Serves a `sys` request; `stop` resolves the Stop to act on instead of replying. */
export function handleSystem(runner: Runner, msg: SystemRequest): Stop | undefined {
  const req = msg.request as readonly [string, unknown?];
  // No reply to stop: the caller's call ends with the exit, which stopServer takes as success.
  if (req[0] === "stop") return { reason: req[1] };
  let answer: readonly ["ok", unknown] | readonly ["error", unknown];
  try {
    answer = ["ok", systemAnswer(runner, req)];
  } catch (err) {
    answer = ["error", err];
  }
  reply(msg.from, answer);
  return undefined;
}

function systemAnswer(runner: Runner, req: readonly [string, unknown?]): unknown {
  switch (req[0]) {
    case "get_state":
      return runner.getState();
    case "replace_state": {
      const next = (req[1] as (s: unknown) => unknown)(runner.getState());
      runner.setState(next);
      return next;
    }
    case "get_status": {
      const { state, data } = runner.status();
      return {
        pid: runner.proc.pid,
        name: runner.name,
        status: runner.suspended ? "suspended" : "running",
        module: runner.module,
        state,
        data,
      } satisfies SysStatus;
    }
    case "suspend":
      runner.suspended = true;
      runner.match = onlySystem;
      return undefined;
    case "resume":
      runner.suspended = false;
      runner.match = undefined;
      return undefined;
    case "trace":
      runner.tracing = req[1] === true;
      return undefined;
    case "statistics":
      return statistics(runner, req[1]);
    default:
      throw new OptionsError("system request", req, "get_state, replace_state, get_status, suspend, resume, trace or statistics");
  }
}

function statistics(runner: Runner, flag: unknown): SysStatistics | false | undefined {
  if (flag === true) {
    runner.stats ??= { startTime: Date.now(), messagesIn: 0, messagesOut: 0 };
    return undefined;
  }
  if (flag === false) {
    runner.stats = undefined;
    return undefined;
  }
  const s = runner.stats;
  return s === undefined ? false : { ...s, currentTime: Date.now() };
}

function onlySystem(msg: unknown): unknown {
  return msg instanceof SystemRequest ? msg : undefined;
}

