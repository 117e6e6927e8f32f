/**
 * The default child spec of a behaviour module (GenServer, GenStatem, Parley): what `[Module, arg]`
 * means under a supervisor, from either form of `childSpec`.
 */
import { OptionsError } from "../errors.ts";
import type { Pid } from "../process/pid.ts";
import type { ChildSpec } from "./child-spec-types.ts";

/**
 * A behaviour's child spec from either form of `childSpec`: `Base.childSpec(Module, arg)`, where
 * `self` is `base`, or `Module.childSpec(arg)`. Its id is the module; `start(module, arg)` starts it.
 * @throws OptionsError when the module is not a class that extends `base`.
 */
export function moduleChildSpec(
  base: abstract new () => unknown,
  self: unknown,
  args: readonly unknown[],
  start: (module: abstract new () => unknown, arg: unknown) => Promise<Pid>,
): ChildSpec {
  const [module, arg] = self === base ? args : [self, args[0]];
  if (typeof module !== "function" || !(module.prototype instanceof base)) {
    throw new OptionsError("module", module, `a class that extends ${base.name}`);
  }
  const checked = module as abstract new () => unknown;
  return { id: checked, start: () => start(checked, arg) };
}
