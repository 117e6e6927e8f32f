/**
 * Starting a behaviour: its name claimed before anything runs, `init` run inside the new process,
 * and the caller answered once `init` returned, with a StartError when it stopped, threw or timed out.
 */
import { OptionsError, StartError } from "../errors.ts";
import { afterStep, finish, type Runner, type StartOptions, type StepResult, type Stop } from "./behaviour-process.ts";
import { Global } from "../names/global.ts";
import { isNormalReason, reportCrash } from "../logger.ts";
import { type Name, validateName } from "../names/names-types.ts";
import { register, whereis } from "../names/names.ts";
import type { Pid } from "../process/pid.ts";
import { createProc, currentProc, linkProcs, type Proc, terminate, unlinkProcs } from "../process/process.ts";
import { checkTimeout } from "../process/receive.ts";

/**
 * Starts `runner` as a new process: registers its name, runs `init` inside the process, and resolves
 * the Pid once `init` returned (rejecting `StartError` if it stopped, threw or timed out).
 */
export function startRunner(runner: Runner, arg: unknown, options: StartOptions | undefined, link: boolean): Promise<Pid> {
  let name: Name | undefined;
  let timeout = Infinity;
  try {
    ({ name, timeout } = checkStartOptions(options));
  } catch (err) {
    return Promise.reject(err);
  }
  return new Promise<Pid>((resolve, reject) => {
    const parent = link ? currentProc() : undefined;
    // init runs on a later turn, after the name is claimed and the link made.
    const proc = createProc(() => void boot());
    runner.proc = proc;
    runner.parent = parent?.alive ? parent : undefined;
    if (name !== undefined) {
      let holder: Pid | undefined;
      try {
        holder = claimName(name, proc.pid);
      } catch (err) {
        // A via module may throw (Registry with a registry that is not running). The new process
        // must end here like on a taken name: left alone, it would stay in the table and its
        // start would run before `boot` below exists.
        terminate(proc, "normal");
        reject(new StartError(err, { cause: err }));
        return;
      }
      if (holder !== undefined) {
        terminate(proc, "normal");
        reject(new StartError(["already_started", holder]));
        return;
      }
      runner.name = name;
    }
    if (runner.parent !== undefined) linkProcs(runner.parent, proc);
    let settled = false;
    // The caller learns of a failed start from the rejection, not from an exit signal as well.
    const fail = (reason: unknown, cause?: unknown): void => {
      settled = true;
      if (runner.parent !== undefined) unlinkProcs(runner.parent, proc);
      reject(new StartError(reason, cause === undefined ? undefined : { cause }));
    };
    const timer =
      timeout === Infinity
        ? undefined
        : setTimeout(() => {
            if (settled) return;
            fail("timeout");
            terminate(proc, "killed");
          }, timeout);
    // A process that ends while init runs (killed, or taken down through a link) fails the start
    // with its exit reason, as proc_lib's start does: otherwise an init blocked in a receive would
    // leave the caller waiting for ever, and any other init would resolve a dead pid.
    const onEarlyExit = (_: Proc, reason: unknown): void => {
      if (timer !== undefined) clearTimeout(timer);
      if (!settled) fail(reason);
    };
    proc.onExit(onEarlyExit);
    const boot = async (): Promise<void> => {
      let stop: Stop | undefined;
      let cause: unknown;
      try {
        stop = await runner.init(arg);
      } catch (err) {
        // A throw fails the start like ["stop", err]. As in OTP, terminate does not run when init
        // fails: there is no state to clean up yet.
        stop = { reason: err };
        cause = err;
      }
      if (timer !== undefined) clearTimeout(timer);
      if (settled) return;
      if (stop !== undefined) {
        fail(stop.reason, cause);
        if (!isNormalReason(stop.reason)) {
          reportCrash({ pid: String(proc.pid), name, module: runner.module.name, callback: "init", reason: stop.reason });
        }
        terminate(proc, stop.reason);
        return;
      }
      settled = true;
      proc.offExit(onEarlyExit);
      resolve(proc.pid);
      let first: StepResult;
      try {
        first = runner.begin();
      } catch (err) {
        return finish(runner, err);
      }
      afterStep(runner, first);
    };
  });
}

/**
 * Starts a behaviour's module from either form of `start`/`startLink`: `Base.start(Module, arg,
 * options)`, where `self` is `base`, or `Module.start(arg, options)`, where `self` is the module.
 * `runnerFor` makes the module's runner. Rejects OptionsError when the module is not a class that
 * extends `base`.
 */
export function startModule<M>(
  base: abstract new () => unknown,
  self: unknown,
  args: readonly unknown[],
  link: boolean,
  runnerFor: (module: M) => Runner,
): Promise<Pid> {
  const [module, arg, options] = self === base ? args : [self, ...args];
  if (typeof module !== "function" || !(module.prototype instanceof base)) {
    return Promise.reject(new OptionsError("module", module, `a class that extends ${base.name}`));
  }
  let runner: Runner;
  try {
    runner = runnerFor(module as M);
  } catch (err) {
    // The module's constructor (field initialisers included) threw: a failed start, not a throw.
    return Promise.reject(new StartError(err, { cause: err }));
  }
  return startRunner(runner, arg, options as StartOptions | undefined, link);
}

/** Registers `pid` under `name`; returns the current holder when the name is taken. */
function claimName(name: Name, pid: Pid): Pid | undefined {
  if (typeof name === "string") {
    const holder = whereis(name);
    if (holder !== undefined) return holder;
    register(name, pid);
    return undefined;
  }
  const [module, term] = "global" in name ? [Global, name.global] : name.via;
  if (module.registerName(term, pid)) return undefined;
  // Taken: report the holder, or the caller's own pid if the module will not say.
  return module.whereisName(term) ?? pid;
}

function checkStartOptions(options: StartOptions | undefined): { name: Name | undefined; timeout: number } {
  if (options === undefined) return { name: undefined, timeout: Infinity };
  if (options === null || typeof options !== "object") {
    throw new OptionsError("options", options, "{ name?, timeout? }");
  }
  for (const key of Object.keys(options)) {
    if (key !== "name" && key !== "timeout") throw new OptionsError(key, (options as Record<string, unknown>)[key], "no such start option (known: name, timeout)");
  }
  const name = options.name === undefined ? undefined : validateName(options.name);
  const timeout = options.timeout ?? Infinity;
  checkTimeout(timeout, "timeout");
  return { name, timeout };
}

