/**
 * The runtime's error classes. Every class sets `name` to its own name and a stable `code`, carries the offending value
 * in a readonly field and in its message, and is thrown only for expected conditions: a failed
 * call never crashes the process it was aimed at.
 */
import { formatTerm } from "./format-term.ts";

/** Common base, so `err instanceof ParleyError` catches everything this library throws. */
export abstract class ParleyError extends Error {
  /**
   * The concrete class's name (`"TimeoutError"`, ...), typed as a string literal on each subclass,
   * so it survives serialisation and logging where `instanceof` cannot be used.
   */
  abstract override readonly name: string;
  /**
   * A stable code for the failure (`"ERR_TIMEOUT"`, ...), typed as a string literal on each
   * subclass: unlike the message it never changes, so code can match on it. The README's errors
   * table lists them all.
   */
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    Error.captureStackTrace?.(this, new.target);
  }
}

/** A name (or a call's target) that no process answers to. */
export class NoProcError extends ParleyError {
  /** Always `"NoProcError"`. */
  override readonly name = "NoProcError" as const;
  /** Always `"ERR_NOPROC"`. */
  readonly code = "ERR_NOPROC" as const;
  constructor(
    /**
     * What nothing answered to, as the caller gave it: a local name, a dead Pid, `{ global: term }`;
     * `{ via: ["Registry", name] }` for a Registry via name; the registry's name when no Registry of
     * that name runs; the Pid given to `register` when that process is not alive.
     */
    readonly dest: unknown,
    detail = "no process is registered under",
  ) {
    super(`${detail} ${formatTerm(dest)}`);
  }
}

/** A function that acts on the current process was called outside any process. */
export class NoProcessContextError extends ParleyError {
  /** Always `"NoProcessContextError"`. */
  override readonly name = "NoProcessContextError" as const;
  /** Always `"ERR_NO_PROCESS_CONTEXT"`. */
  readonly code = "ERR_NO_PROCESS_CONTEXT" as const;
  constructor(
    /** The function that needs a current process, e.g. `"receive"`, `"self"` or `"link"`. */
    readonly operation: string,
  ) {
    super(`${operation}() must run inside a process (use spawn, an Inbox, or inbox.run)`);
  }
}

/** A receive or a call that got no answer in time. */
export class TimeoutError extends ParleyError {
  /** Always `"TimeoutError"`. */
  override readonly name = "TimeoutError" as const;
  /** Always `"ERR_TIMEOUT"`. */
  readonly code = "ERR_TIMEOUT" as const;
  constructor(
    /** The time limit that ran out, in milliseconds. */
    readonly timeoutMs: number,
    /**
     * What timed out: `"receive"` (a `receive` or `inbox.receive`), `"call"` (any call, `sys` and
     * `stop` included), `"Task.await"` or `"Task.asyncStream"` (outside a process), or
     * `"Parley.recv"` (no frame for a pull-mode client's caller in time).
     */
    readonly operation: "receive" | "call" | "Task.await" | "Task.asyncStream" | "Parley.recv" = "receive",
    /** The call's target as the caller gave it; `undefined` for a receive. */
    readonly dest?: unknown,
  ) {
    super(`${operation}${dest === undefined ? "" : ` to ${formatTerm(dest)}`} timed out after ${timeoutMs} ms`);
  }
}

/** A call whose target exited before answering; `reason` is its exit reason. */
export class ExitError extends ParleyError {
  /** Always `"ExitError"`. */
  override readonly name = "ExitError" as const;
  /** Always `"ERR_EXIT"`. */
  readonly code = "ERR_EXIT" as const;
  constructor(
    /**
     * The target's exit reason (`"normal"`, `"killed"`, a thrown Error, ...), or
     * `["calling_self", dest]` when a process called itself.
     */
    readonly reason: unknown,
    /** The call's target as the caller gave it, or the Pid of an Inbox whose process exited while it received. */
    readonly dest?: unknown,
  ) {
    super(`${dest === undefined ? "process" : formatTerm(dest)} exited with reason ${formatTerm(reason)}`);
  }
}

/** A start function that did not produce a running process; `reason` says why. */
export class StartError extends ParleyError {
  /** Always `"StartError"`. */
  override readonly name = "StartError" as const;
  /** Always `"ERR_START"`. */
  readonly code = "ERR_START" as const;
  constructor(
    /**
     * Why the start failed. From a behaviour's `start`/`startLink`: the reason of init's
     * `["stop", reason]`; the value init threw (also in `cause`); `["already_started", pid]` when
     * the name is taken; what a via module threw while registering the name (also in `cause`);
     * `"timeout"` when init outlasted the `timeout` start option; the exit reason of a process that
     * died during init. From a supervisor's `startChild`/`restartChild`: the child's own failure
     * reason, or `["already_started", pid]` / `["already_present", id]` for an id in use. From a
     * supervisor's failed boot: `["shutdown", ["failed_to_start_child", id, reason]]`.
     */
    readonly reason: unknown,
    options?: { cause?: unknown },
  ) {
    super(`start failed: ${formatTerm(reason)}`, options);
  }
}

/** A local name that another process already holds. */
export class AlreadyRegisteredError extends ParleyError {
  /** Always `"AlreadyRegisteredError"`. */
  override readonly name = "AlreadyRegisteredError" as const;
  /** Always `"ERR_ALREADY_REGISTERED"`. */
  readonly code = "ERR_ALREADY_REGISTERED" as const;
  constructor(
    /** The local name that was asked for. */
    readonly registeredName: unknown,
    /** The Pid of the process that holds the name. */
    readonly pid: unknown,
  ) {
    super(`name ${formatTerm(registeredName)} is already registered to ${formatTerm(pid)}`);
  }
}

/** An option or argument outside its accepted forms; the message lists them and the value given. */
export class OptionsError extends ParleyError {
  /** Always `"OptionsError"`. */
  override readonly name = "OptionsError" as const;
  /** Always `"ERR_BAD_OPTION"`. */
  readonly code = "ERR_BAD_OPTION" as const;
  constructor(
    /** The option or argument at fault, as a path where it helps: `"url"`, `"reconnect.maxDelay"`, `"children[2]"`. */
    readonly option: string,
    /**
     * The value that was given. For the client's options, secrets (header values, TLS options,
     * credentials in a URL) are replaced by a stand-in that shows only their type.
     */
    readonly value: unknown,
    /** The forms the option accepts, in words, as the message shows them. */
    readonly expected: string,
  ) {
    super(`invalid ${option}: expected ${expected}, got ${formatTerm(value)}`);
  }
}

/** A callback returned a value outside its result union. */
export class BadReturnError extends ParleyError {
  /** Always `"BadReturnError"`. */
  override readonly name = "BadReturnError" as const;
  /** Always `"ERR_BAD_RETURN"`. */
  readonly code = "ERR_BAD_RETURN" as const;
  constructor(
    /**
     * The callback that returned it, e.g. `"handleCall"` or `"handleEvent"`; for a child spec whose
     * `start` produced no live Pid, `"start of child <id> (expected a live Pid)"`.
     */
    readonly callback: string,
    /** The value the callback returned (or its promise resolved to). */
    readonly value: unknown,
  ) {
    super(`bad return value from ${callback}: ${formatTerm(value)}`);
  }
}
