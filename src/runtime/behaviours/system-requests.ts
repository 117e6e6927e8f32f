/**
 * `sys` requests as a behaviour serves them: in every state, even while suspended, between two
 * events and never inside a callback.
 */
import { OptionsError } from "../errors.ts";
import { type From, replyChecked, SystemRequest } from "./gen-call.ts";
import type { Name } from "../names/names-types.ts";
import type { Pid } from "../process/pid.ts";
import type { Proc } from "../process/process.ts";

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
   * `DynamicSupervisor`. A caller on another node gets the class's name instead (a class cannot
   * cross between nodes; Erlang names the module by its atom).
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

/** What a `sys` request reads and changes in a behaviour process (BehaviourProcess implements it). */
export interface SystemHost {
  readonly proc: Proc;
  readonly name: Name | undefined;
  readonly module: { readonly name: string };
  suspended: boolean;
  match: ((msg: unknown) => unknown) | undefined;
  tracing: boolean;
  stats: { startTime: number; messagesIn: number; messagesOut: number } | undefined;
  getState(): unknown;
  setState(state: unknown): void;
  status(): { state: unknown; data: unknown };
}

/** Serves a `sys` request; `stop` returns the reason to stop with instead of replying. */
export function handleSystem(host: SystemHost, msg: SystemRequest): { readonly reason: unknown } | undefined {
  const req = msg.request as readonly [string, unknown?];
  // No reply to stop: the caller's call ends with the exit, which stopServer takes as success.
  if (req[0] === "stop") return { reason: req[1] };
  replyChecked(msg.from, () => systemAnswer(host, req, msg.from));
  return undefined;
}

function systemAnswer(host: SystemHost, req: readonly [string, unknown?], from: From): unknown {
  switch (req[0]) {
    case "get_state":
      return host.getState();
    case "replace_state": {
      const next = (req[1] as (s: unknown) => unknown)(host.getState());
      host.setState(next);
      return next;
    }
    case "get_status": {
      const { state, data } = host.status();
      return {
        pid: host.proc.pid,
        name: host.name,
        status: host.suspended ? "suspended" : "running",
        // A class cannot cross to another node: a caller there gets its name, as Erlang's module atom.
        module: from.pid.home === undefined ? host.module : host.module.name,
        state,
        data,
      } satisfies SysStatus;
    }
    case "suspend":
      host.suspended = true;
      host.match = onlySystem;
      return undefined;
    case "resume":
      host.suspended = false;
      host.match = undefined;
      return undefined;
    case "trace":
      host.tracing = req[1] === true;
      return undefined;
    case "statistics":
      return statistics(host, req[1]);
    default:
      throw new OptionsError("system request", req, "get_state, replace_state, get_status, suspend, resume, trace or statistics");
  }
}

function statistics(host: SystemHost, flag: unknown): SysStatistics | false | undefined {
  if (flag === true) {
    host.stats ??= { startTime: Date.now(), messagesIn: 0, messagesOut: 0 };
    return undefined;
  }
  if (flag === false) {
    host.stats = undefined;
    return undefined;
  }
  const s = host.stats;
  return s === undefined ? false : { ...s, currentTime: Date.now() };
}

function onlySystem(msg: unknown): unknown {
  return msg instanceof SystemRequest ? msg : undefined;
}

