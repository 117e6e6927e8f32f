/**
 * A ClusterSupervisor's children as they cross nodes: a child added with `startChild` travels as
 * `[moduleName, arg]` (code cannot cross; every node's supervisor knows the same modules by name),
 * and a child of the list that `terminateChild` stopped as `["off"]`. Pure: no process, no I/O.
 */
import type { ChildModule } from "../runtime/behaviours/child-spec-types.ts";
import { OptionsError } from "../runtime/errors.ts";
import { termKey } from "../runtime/names/term-key.ts";
import { normalizeChild, type NormalizedChildSpec } from "../supervisor/child-spec.ts";

/** The entry of a child of the list turned off cluster-wide. */
export const OFF = ["off"] as const;

/** True for the entry of a child turned off. */
export function isOff(entry: unknown): boolean {
  return Array.isArray(entry) && entry.length === 1 && entry[0] === OFF[0];
}

/**
 * The entry `[moduleName, arg]` and the spec of a child given to `startChild`.
 * @throws OptionsError when it is not `[Module, arg]` or a Module among `modules`.
 */
export function entryOf(child: unknown, modules: ReadonlyMap<string, ChildModule>): { entry: readonly [string, unknown]; spec: NormalizedChildSpec } {
  const [module, arg] = Array.isArray(child) ? (child as [unknown, unknown]) : [child, []];
  const name = [...modules].find(([, m]) => m === module)?.[0];
  if (name === undefined) {
    throw new OptionsError("ClusterSupervisor child", child, "[Module, arg] or a Module that every node's ClusterSupervisor knows (its children or the modules option)");
  }
  return { entry: [name, arg], spec: normalizeChild([module, arg]) };
}

/**
 * The spec of the child whose entry, under key `key`, another node wrote.
 * @throws OptionsError when the entry names no module known here, or a child whose id is not `key`.
 */
export function specOfEntry(key: string, entry: unknown, modules: ReadonlyMap<string, ChildModule>): NormalizedChildSpec {
  const module = Array.isArray(entry) && entry.length === 2 && typeof entry[0] === "string" ? modules.get(entry[0]) : undefined;
  if (module === undefined) throw new OptionsError("ClusterSupervisor child entry", entry, "[moduleName, arg] naming a module this node knows");
  const spec = normalizeChild([module, (entry as unknown[])[1]]);
  if (termKey(spec.id) !== key) throw new OptionsError("ClusterSupervisor child entry", entry, "a child whose id matches its key");
  return spec;
}
