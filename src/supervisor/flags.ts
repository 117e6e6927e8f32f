/**
 * Supervisor flags: the options of `Supervisor.startLink` and `DynamicSupervisor.startLink`,
 * checked and given OTP's defaults before anything is spawned.
 */
import { OptionsError } from "../runtime/errors.ts";
import type { Strategy } from "./strategies.ts";

/** Which supervisor the options are for: they differ in `strategy` and `maxChildren`. */
export type SupervisorKind = "Supervisor" | "DynamicSupervisor";

/** `Supervisor.startLink`'s options with defaults filled in. */
export interface CheckedSupervisorFlags {
  readonly strategy: Strategy;
  readonly maxRestarts: number;
  readonly maxSeconds: number;
  /** Present only when given; validated by the name validator, not here. */
  readonly name?: unknown;
}

/** `DynamicSupervisor.startLink`'s options with defaults filled in. */
export interface DynamicSupervisorFlags {
  readonly strategy: "one_for_one";
  readonly maxRestarts: number;
  readonly maxSeconds: number;
  /** A positive integer, or `Infinity` for no limit. */
  readonly maxChildren: number;
  /** Present only when given; validated by the name validator, not here. */
  readonly name?: unknown;
}

const STRATEGIES: readonly unknown[] = ["one_for_one", "one_for_all", "rest_for_one"];
const KNOWN_KEYS: Readonly<Record<SupervisorKind, readonly string[]>> = {
  Supervisor: ["strategy", "maxRestarts", "maxSeconds", "name"],
  // Elixir's DynamicSupervisor takes strategy: :one_for_one too, so ported code may pass it.
  DynamicSupervisor: ["strategy", "maxRestarts", "maxSeconds", "maxChildren", "name"],
};

/**
 * Checks a supervisor's options and fills in OTP's defaults: `maxRestarts` 3, `maxSeconds` 5 and,
 * for a DynamicSupervisor, `maxChildren` Infinity and `strategy` `"one_for_one"`.
 * A Supervisor requires `strategy`, as Elixir does. `name` is passed through unchecked.
 * An option set to `undefined` counts as absent.
 *
 * @param opts - the options object; `undefined` counts as `{}`.
 * @param kind - which supervisor the options are for; also names it in error messages.
 * @returns the options with defaults filled in.
 * @throws {OptionsError} when `opts` is not an object, has a key this kind does not know (the
 *   message lists the known keys), `strategy` is missing or not one of the kind's strategies,
 *   `maxRestarts` is not a non-negative integer, `maxSeconds` is not a positive number, or
 *   `maxChildren` is not a positive integer or Infinity.
 */
export function validateSupervisorFlags(opts: unknown, kind: "Supervisor"): CheckedSupervisorFlags;
export function validateSupervisorFlags(opts: unknown, kind: "DynamicSupervisor"): DynamicSupervisorFlags;
export function validateSupervisorFlags(opts: unknown, kind: SupervisorKind): CheckedSupervisorFlags | DynamicSupervisorFlags;
export function validateSupervisorFlags(opts: unknown, kind: SupervisorKind): CheckedSupervisorFlags | DynamicSupervisorFlags {
  const options = opts === undefined ? {} : opts;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new OptionsError(`${kind} options`, options, "an object");
  }
  const given = options as Record<string, unknown>;
  const known = KNOWN_KEYS[kind];
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) throw new OptionsError(`${kind} option key`, key, listOf(known));
  }
  const option = (key: string): string => `${kind} option ${key}`;

  const maxRestarts = given["maxRestarts"] === undefined ? 3 : given["maxRestarts"];
  if (typeof maxRestarts !== "number" || !Number.isInteger(maxRestarts) || maxRestarts < 0) {
    throw new OptionsError(option("maxRestarts"), maxRestarts, "a non-negative integer");
  }
  const maxSeconds = given["maxSeconds"] === undefined ? 5 : given["maxSeconds"];
  if (typeof maxSeconds !== "number" || !(maxSeconds > 0)) {
    throw new OptionsError(option("maxSeconds"), maxSeconds, "a positive number");
  }
  const name = given["name"] === undefined ? {} : { name: given["name"] };

  if (kind === "Supervisor") {
    const strategy = given["strategy"];
    if (!STRATEGIES.includes(strategy)) {
      throw new OptionsError(option("strategy"), strategy, `"one_for_one", "one_for_all" or "rest_for_one"`);
    }
    return { strategy: strategy as Strategy, maxRestarts, maxSeconds, ...name };
  }
  const strategy = given["strategy"];
  if (strategy !== undefined && strategy !== "one_for_one") {
    throw new OptionsError(option("strategy"), strategy, `"one_for_one"`);
  }
  const maxChildren = given["maxChildren"] === undefined ? Infinity : given["maxChildren"];
  if (typeof maxChildren !== "number" || !(maxChildren === Infinity || (Number.isInteger(maxChildren) && maxChildren > 0))) {
    throw new OptionsError(option("maxChildren"), maxChildren, "a positive integer or Infinity");
  }
  return { strategy: "one_for_one", maxRestarts, maxSeconds, maxChildren, ...name };
}

function listOf(keys: readonly string[]): string {
  return `${keys.slice(0, -1).join(", ")} or ${keys[keys.length - 1]}`;
}
