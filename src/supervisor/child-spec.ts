/**
 * Child specifications: the three forms a supervisor accepts (a spec, `[Module, arg]`, a bare
 * Module), their OTP defaults, and the structural id keys that make `["feed", "btc"]` find the
 * child started as `["feed", "btc"]`. Pure: nothing here touches a process.
 */
import { OptionsError } from "../runtime/errors.ts";
import { formatTerm } from "../runtime/format-term.ts";
import { termKey } from "../runtime/names/term-key.ts";
import type { ChildModule, ChildType, RestartType, Shutdown } from "../runtime/behaviours/child-spec-types.ts";
import type { Pid } from "../runtime/process/pid.ts";

// The shapes live in the runtime (every behaviour builds its own childSpec); this module applies them.
export type { Child, ChildModule, ChildSpec, ChildType, RestartType, Shutdown } from "../runtime/behaviours/child-spec-types.ts";
export type { Term } from "../runtime/names/names-types.ts";

/** A child spec with every default filled in. */
export interface NormalizedChildSpec {
  readonly id: unknown;
  readonly start: () => Promise<Pid>;
  readonly restart: RestartType;
  readonly shutdown: Shutdown;
  readonly type: ChildType;
}

const SPEC_KEYS: ReadonlySet<string> = new Set(["id", "start", "restart", "shutdown", "type"]);
const RESTART_TYPES: readonly unknown[] = ["permanent", "transient", "temporary"];
const CHILD_TYPES: readonly unknown[] = ["worker", "supervisor"];
const ANY_CHILD = "a child spec { id, start, restart?, shutdown?, type? }, [Module, arg] or a Module with a static childSpec";

/**
 * Turns any of the three child forms into a spec with every default filled in, as OTP does:
 * restart `"permanent"`, type `"worker"`, shutdown `5000` for a worker and `"infinity"` for a supervisor.
 * A bare Module means `Module.childSpec([])`; `[Module, arg]` means `Module.childSpec(arg)`; when
 * the spec a module returns has no id, the module itself is the id.
 *
 * @param child - a child spec, `[Module, arg]` or a Module.
 * @param position - the child's index in the list, used to name it while its id is unknown.
 * @returns a new, frozen spec; the caller's object is not kept.
 * @throws {OptionsError} when `child` has none of the three forms, `childSpec` throws (the error is
 *   the `cause`) or returns a non-object, the id is missing, `start` is not a function, `restart`,
 *   `shutdown` or `type` is not one of its values, or the spec has a key outside
 *   id, start, restart, shutdown and type. The message names the child by id, else by position.
 */
export function normalizeChild(child: unknown, position?: number): NormalizedChildSpec {
  const where = position === undefined ? "child spec" : `children[${position}]`;
  let spec: unknown = child;
  if (isModule(child)) {
    spec = defaultId(callChildSpec(child, [], where), child);
  } else if (Array.isArray(child) && child.length === 2 && isModule(child[0])) {
    spec = defaultId(callChildSpec(child[0], child[1], where), child[0]);
  } else if (!isObject(child)) {
    throw new OptionsError(where, child, ANY_CHILD);
  }
  return validateSpec(spec as Record<string, unknown>, where);
}

/**
 * Normalises a supervisor's child list and rejects duplicate ids.
 *
 * @param children - the list given to `Supervisor.startLink`.
 * @returns the normalised specs, in start order.
 * @throws {OptionsError} when `children` is not an array, any child is invalid (see
 *   {@link normalizeChild}), or two children share an id (compared with `termKey`).
 */
export function validateChildren(children: unknown): NormalizedChildSpec[] {
  if (!Array.isArray(children)) throw new OptionsError("children", children, "an array of children");
  const specs: NormalizedChildSpec[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < children.length; i++) {
    const spec = normalizeChild(children[i], i);
    const key = termKey(spec.id);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new OptionsError(`children[${i}].id`, spec.id, `an id no other child has (children[${earlier}] has it)`);
    }
    seen.set(key, i);
    specs.push(spec);
  }
  return specs;
}

function validateSpec(spec: Record<string, unknown>, where: string): NormalizedChildSpec {
  const id = spec["id"];
  if (id === undefined) throw new OptionsError(`${where}.id`, id, "any value except undefined");
  const name = `child spec ${formatTerm(id)}`;
  for (const key of Object.keys(spec)) {
    if (!SPEC_KEYS.has(key)) throw new OptionsError(`${name} key`, key, "id, start, restart, shutdown or type");
  }
  const start = spec["start"];
  if (typeof start !== "function") {
    throw new OptionsError(`${name}.start`, start, "a function returning a Promise of the child's Pid");
  }
  // Only an absent (undefined) field takes the default: null is a mistake worth reporting.
  const restart = spec["restart"] === undefined ? "permanent" : spec["restart"];
  if (!RESTART_TYPES.includes(restart)) {
    throw new OptionsError(`${name}.restart`, restart, `"permanent", "transient" or "temporary"`);
  }
  const type = spec["type"] === undefined ? "worker" : spec["type"];
  if (!CHILD_TYPES.includes(type)) throw new OptionsError(`${name}.type`, type, `"worker" or "supervisor"`);
  const shutdown = normalizeShutdown(spec["shutdown"], type as ChildType, name);
  return Object.freeze({
    id,
    start: start as () => Promise<Pid>,
    restart: restart as RestartType,
    shutdown,
    type: type as ChildType,
  });
}

function normalizeShutdown(value: unknown, type: ChildType, name: string): Shutdown {
  if (value === undefined) return type === "supervisor" ? "infinity" : 5000;
  if (value === "brutal_kill" || value === "infinity") return value;
  // Timeouts elsewhere in the API take Infinity for "none"; here it means the same as "infinity".
  if (value === Infinity) return "infinity";
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  throw new OptionsError(`${name}.shutdown`, value, `a non-negative integer (ms), "brutal_kill" or "infinity"`);
}

function callChildSpec(module: ChildModule, arg: unknown, where: string): Record<string, unknown> {
  const call = `${moduleName(module)}.childSpec(${formatTerm(arg, 2)})`;
  let spec: unknown;
  try {
    spec = module.childSpec(arg);
  } catch (error) {
    const wrapped = new OptionsError(where, error, `${call} to return a child spec, but it threw`);
    // OptionsError's constructor takes no options, so the cause is attached the way Error would.
    Object.defineProperty(wrapped, "cause", { value: error, writable: true, configurable: true });
    throw wrapped;
  }
  if (!isObject(spec)) throw new OptionsError(where, spec, `${call} to return a child spec object`);
  return spec;
}

/** A module's spec without an id gets the module itself as its id, as Elixir's `use GenServer` does. */
function defaultId(spec: Record<string, unknown>, module: ChildModule): Record<string, unknown> {
  return spec["id"] === undefined ? { ...spec, id: module } : spec;
}

function isModule(value: unknown): value is ChildModule {
  if (typeof value !== "function" && !isObject(value)) return false;
  return typeof (value as { childSpec?: unknown }).childSpec === "function";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function moduleName(module: ChildModule): string {
  const named: unknown = module;
  return typeof named === "function" && named.name !== "" ? named.name : formatTerm(module, 1);
}
