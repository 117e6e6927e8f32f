/**
 * The runtime's error classes. Every class sets `name` to its own name, carries the offending value
 * in a readonly field and in its message, and is thrown only for expected conditions: a failed
 * call never crashes the process it was aimed at.
 */
import { formatTerm } from "./format-term.ts";

/** Common base, so `err instanceof ParleyError` catches everything this library throws. */
export abstract class ParleyError extends Error {
  abstract override readonly name: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    Error.captureStackTrace?.(this, new.target);
  }
}

/** A name (or a call's target) that no process answers to. */
export class NoProcError extends ParleyError {
  override readonly name = "NoProcError" as const;
  constructor(readonly dest: unknown, detail = "no process is registered under") {
    super(`${detail} ${formatTerm(dest)}`);
  }
}

/** A function that acts on the current process was called outside any process. */
export class NoProcessContextError extends ParleyError {
  override readonly name = "NoProcessContextError" as const;
  constructor(readonly operation: string) {
    super(`${operation}() must run inside a process (use spawn, an Inbox, or inbox.run)`);
  }
}

/** A receive or a call that got no answer in time. */
export class TimeoutError extends ParleyError {
  override readonly name = "TimeoutError" as const;
  constructor(readonly timeoutMs: number, readonly operation = "receive", readonly dest?: unknown) {
    super(`${operation}${dest === undefined ? "" : ` to ${formatTerm(dest)}`} timed out after ${timeoutMs} ms`);
  }
}

/** A call whose target exited before answering; `reason` is its exit reason. */
export class ExitError extends ParleyError {
  override readonly name = "ExitError" as const;
  constructor(readonly reason: unknown, readonly dest?: unknown) {
    super(`${dest === undefined ? "process" : formatTerm(dest)} exited with reason ${formatTerm(reason)}`);
  }
}

/** A start function that did not produce a running process; `reason` says why. */
export class StartError extends ParleyError {
  override readonly name = "StartError" as const;
  constructor(readonly reason: unknown, options?: { cause?: unknown }) {
    super(`start failed: ${formatTerm(reason)}`, options);
  }
}

/** A local name that another process already holds. */
export class AlreadyRegisteredError extends ParleyError {
  override readonly name = "AlreadyRegisteredError" as const;
  constructor(readonly registeredName: unknown, readonly pid: unknown) {
    super(`name ${formatTerm(registeredName)} is already registered to ${formatTerm(pid)}`);
  }
}

/** An option or argument outside its accepted forms; the message lists them and the value given. */
export class OptionsError extends ParleyError {
  override readonly name = "OptionsError" as const;
  constructor(readonly option: string, readonly value: unknown, readonly expected: string) {
    super(`invalid ${option}: expected ${expected}, got ${formatTerm(value)}`);
  }
}

/** A callback returned a value outside its result union. */
export class BadReturnError extends ParleyError {
  override readonly name = "BadReturnError" as const;
  constructor(readonly callback: string, readonly value: unknown) {
    super(`bad return value from ${callback}: ${formatTerm(value)}`);
  }
}
