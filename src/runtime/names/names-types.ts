/**
 * The shapes a process name may take (`Name`), the values names are built from (`Term`), the
 * contract of a `{ via }` module (`ViaModule`), and the one validator every `start` uses for its
 * `name` option, so a bad name fails the same way everywhere.
 */
import { OptionsError } from "../errors.ts";
import type { Pid } from "../process/pid.ts";
import { isPlainObject } from "../predicates.ts";
import { guarded } from "../unreadable.ts";

/**
 * A JSON-like value. Names built from terms compare structurally: `["feed", "btc"]` equals
 * `["feed", "btc"]`.
 */
export type Term = string | number | boolean | null | readonly Term[] | { readonly [key: string]: Term };

/** The contract of Erlang's `{via, Module, Name}`: a registry that a process can be named through. */
export interface ViaModule {
  /** Registers `name` for `pid`; returns false when the name is taken. */
  registerName(name: Term, pid: Pid): boolean;
  /** Releases `name`; does nothing when it is not registered. */
  unregisterName(name: Term): void;
  /** The process registered under `name`, or undefined. */
  whereisName(name: Term): Pid | undefined;
  /** Sends `msg` to the process registered under `name`. */
  send(name: Term, msg: unknown): void;
}

/**
 * A process name, as the `name` option of every `start` takes it: local (a non-empty string, see
 * `register`), global (`{ global: term }`) or through a via module. The process holds the name
 * until it exits.
 */
export type Name =
  | string
  | {
      /** Register with {@link Global}: a term-keyed namespace beside the local names, compared structurally. */
      readonly global: Term;
    }
  | {
      /** `[module, name]`: register through `module.registerName(name, pid)`, e.g. `[Registry, ["feeds", "btc"]]`. */
      readonly via: readonly [ViaModule, Term];
    };

const ACCEPTED = "a non-empty string, { global: term } or { via: [module, term] }";
const VIA_METHODS = ["registerName", "unregisterName", "whereisName", "send"] as const;
// Terms are compared and hashed recursively; a bound keeps a pathological name from blowing the stack.
const MAX_TERM_DEPTH = 64;

/**
 * Checks that `value` is a process name and returns it unchanged.
 *
 * @param value - what the caller passed as a name.
 * @param option - the option's name, for the error message.
 * @returns `value`, typed as a `Name`.
 * @throws {OptionsError} when `value` is not a non-empty string, `{ global: term }` or
 *   `{ via: [module, term] }` (exactly one key, a JSON-like term, a module with the four via
 *   functions), or reading it threw (a throwing getter, a revoked Proxy).
 */
export function validateName(value: unknown, option = "name"): Name {
  // A getter or Proxy trap that throws is a bad name too, not a crash of whoever validates it.
  return guarded(() => checkName(value, option), (unreadable) => new OptionsError(option, unreadable, ACCEPTED));
}

function checkName(value: unknown, option: string): Name {
  if (typeof value === "string") {
    if (value.length > 0) return value;
    throw new OptionsError(option, value, ACCEPTED);
  }
  if (!isPlainObject(value)) throw new OptionsError(option, value, ACCEPTED);
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === "global") {
    if (isTerm(value["global"], 0, new Set())) return value as { readonly global: Term };
    throw new OptionsError(option, value, `${ACCEPTED}, where term is JSON-like`);
  }
  if (keys.length === 1 && keys[0] === "via") {
    const via = value["via"];
    if (!Array.isArray(via) || via.length !== 2) throw new OptionsError(option, value, ACCEPTED);
    if (!isViaModule(via[0])) {
      throw new OptionsError(option, value, `${ACCEPTED}, where module has ${VIA_METHODS.join(", ")}`);
    }
    if (!isTerm(via[1], 0, new Set())) throw new OptionsError(option, value, `${ACCEPTED}, where term is JSON-like`);
    return value as { readonly via: readonly [ViaModule, Term] };
  }
  throw new OptionsError(option, value, ACCEPTED);
}

function isViaModule(value: unknown): value is ViaModule {
  // A class with static methods (typeof "function") is as good a module as a plain object.
  if ((typeof value !== "object" || value === null) && typeof value !== "function") return false;
  const module = value as Record<string, unknown>;
  return VIA_METHODS.every((method) => typeof module[method] === "function");
}

function isTerm(value: unknown, depth: number, path: Set<object>): value is Term {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      // NaN never equals itself, so a name holding it could never be found again.
      return Number.isFinite(value);
    case "object":
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth >= MAX_TERM_DEPTH || path.has(value)) return false;
  // Array.from turns holes into undefined, so a sparse array is rejected rather than skipped.
  const items = Array.isArray(value) ? Array.from(value) : isPlainObject(value) ? Object.values(value) : undefined;
  if (items === undefined) return false;
  path.add(value);
  const ok = items.every((item) => isTerm(item, depth + 1, path));
  path.delete(value);
  return ok;
}

