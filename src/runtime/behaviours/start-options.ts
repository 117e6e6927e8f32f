/**
 * The options every behaviour's `start`/`startLink` takes, read once and checked, and how a local
 * or via name is claimed for the new process (a `{ global }` name is the name table's to claim).
 */
import { OptionsError } from "../errors.ts";
import { type Name, validateName } from "../names/names-types.ts";
import { register, whereis } from "../names/names.ts";
import type { Pid } from "../process/pid.ts";
import { checkTimeout } from "../process/deadlines.ts";
import { guarded } from "../unreadable.ts";

/** Options every behaviour's `start`/`startLink` accepts. */
export interface StartOptions {
  /** Register the process under this name (released when it exits). */
  readonly name?: Name;
  /** How long `init` may take before the start fails with reason `"timeout"`. Default Infinity. */
  readonly timeout?: number;
}

/** Registers `pid` under a local or via name; returns the current holder when the name is taken. */
export function claimName(name: Exclude<Name, { readonly global: unknown }>, pid: Pid): Pid | undefined {
  if (typeof name === "string") {
    const holder = whereis(name);
    if (holder !== undefined) return holder;
    register(name, pid);
    return undefined;
  }
  const [module, term] = name.via;
  if (module.registerName(term, pid)) return undefined;
  // Taken: report the holder, or the caller's own pid if the module will not say.
  return module.whereisName(term) ?? pid;
}

export function checkStartOptions(options: StartOptions | undefined): { name: Name | undefined; timeout: number } {
  return guarded(() => readStartOptions(options), (unreadable) => new OptionsError("options", unreadable, "{ name?, timeout? }"));
}

/**
 * The start options, read once: a `{ global }` or `{ via }` name becomes a fresh object of the
 * parts that were checked, so a getter or a Proxy cannot answer differently when the name is
 * registered or shown.
 */
function readStartOptions(options: StartOptions | undefined): { name: Name | undefined; timeout: number } {
  if (options === undefined) return { name: undefined, timeout: Infinity };
  if (options === null || typeof options !== "object") {
    throw new OptionsError("options", options, "{ name?, timeout? }");
  }
  for (const key of Object.keys(options)) {
    if (key !== "name" && key !== "timeout") throw new OptionsError(key, (options as Record<string, unknown>)[key], "no such start option (known: name, timeout)");
  }
  const given: unknown = options.name;
  const name = given === undefined ? undefined : ownName(validateName(given));
  const timeout = options.timeout ?? Infinity;
  checkTimeout(timeout, "timeout");
  return { name, timeout };
}

function ownName(name: Name): Name {
  if (typeof name === "string") return name;
  if ("global" in name) return { global: name.global };
  const [module, term] = [name.via[0], name.via[1]];
  return { via: [module, term] };
}
