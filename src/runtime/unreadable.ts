/**
 * User values that fight back: a getter that throws, a Proxy whose traps throw, a revoked Proxy.
 * Validators read user values inside a guard, and what such a read throws becomes the validator's
 * own typed error, showing this stand-in in place of a value that cannot be shown.
 */
import { BadReturnError, ParleyError } from "./errors.ts";

/** Stands in for a value whose inspection threw; formatTerm prints it as `<unreadable: …>`. */
export class Unreadable {
  constructor(
    /** What reading the value threw. */
    readonly cause: unknown,
  ) {}

  toString(): string {
    return `<unreadable: ${describeError(this.cause)}>`;
  }
}

/**
 * Runs `inspect`, which reads a user value; a ParleyError it throws passes through, anything else
 * (what a getter or a Proxy trap threw) becomes `wrap(stand-in)`.
 */
export function guarded<T>(inspect: () => T, wrap: (value: Unreadable) => ParleyError): T {
  try {
    return inspect();
  } catch (err) {
    if (err instanceof ParleyError) throw err;
    throw wrap(new Unreadable(err));
  }
}

/**
 * What to throw when reading a callback's result threw `err`: a ParleyError as it is (the check's
 * own verdict), anything else (a getter, a Proxy trap) as a BadReturnError naming the callback.
 */
export function asBadReturn(err: unknown, callback: string, result: unknown): unknown {
  return err instanceof ParleyError ? err : new BadReturnError(callback, result);
}

/** `Name: message` of a thrown value, never throwing itself (a thrown Proxy has no safe `name`). */
export function describeError(err: unknown): string {
  try {
    if (err instanceof Error) return `${String(err.name)}: ${String(err.message)}`;
    return typeof err === "string" ? err : typeof err;
  } catch {
    return "an unprintable error";
  }
}
