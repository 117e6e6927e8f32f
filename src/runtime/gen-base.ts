/**
 * What GenServer, GenStatem and the client share: starting with an init handshake and a name,
 * the receive loop, `sys` requests, the parent's exit signal, and the crash path (terminate,
 * crash report, exit). Each behaviour supplies a runner that handles its own messages.
 */
import { OptionsError, StartError } from "./errors.ts";
import { Global } from "./global.ts";
import { reply, SystemRequest } from "./gen-call.ts";
import { getLogger, isNormalReason, reportCrash } from "./logger.ts";
import { type Name, validateName } from "./names-types.ts";
import { register, whereis } from "./names.ts";
import type { Pid } from "./pid.ts";
import { createProc, currentProc, linkProcs, type Proc, terminate } from "./process.ts";
import { checkTimeout, receiveIn } from "./receive.ts";
import { formatTerm } from "./format-term.ts";

/** Options every behaviour's `start`/`startLink` accepts. */
export interface StartOptions {
  /** Register the process under this name (released when it exits). */
  readonly name?: Name;
  /** How long `init` may take before the start fails with reason `"timeout"`. Default Infinity. */
  readonly timeout?: number;
}

/** How a handler asks the loop to end the process. */
export interface Stop {
  readonly reason: unknown;
}

/** What `sys.getStatus` returns. */
export interface SysStatus {
  readonly pid: Pid;
  readonly name: Name | undefined;
  readonly status: "running" | "suspended";
  readonly module: unknown;
  readonly state: unknown;
  readonly data: unknown;
}

/** What `sys.statistics(dest, "get")` returns. */
export interface SysStatistics {
  readonly startTime: number;
  readonly currentTime: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
}

/** The per-process half of a behaviour; subclasses handle the behaviour's own messages. */
export abstract class Runner {
  proc!: Proc;
  name: Name | undefined = undefined;
  parent: Proc | undefined = undefined;
  suspended = false;
  tracing = false;
  stats: { startTime: number; messagesIn: number; messagesOut: number } | undefined = undefined;
  lastEvent: unknown = undefined;
  /** The user callback running now, for crash reports. */
  callback = "init";

  constructor(readonly module: { readonly name: string }) {}

  /** Runs `init`; resolves undefined to go on, or a Stop to fail the start. */
  abstract init(arg: unknown): Promise<Stop | undefined>;
  /** Runs once after `start` resolved, before the first message (GenStatem's initial enter call). */
  begin(): Stop | undefined | Promise<Stop | undefined> {
    return undefined;
  }
  /** Handles one mailbox message; resolves a Stop to end the process. */
  abstract dispatch(msg: unknown): Stop | undefined | Promise<Stop | undefined>;
  /** Calls the user's `terminate`. */
  abstract terminate(reason: unknown): unknown;
  abstract getState(): unknown;
  abstract setState(state: unknown): void;
  /** `state` and `data` for `sys.getStatus`. */
  abstract status(): { state: unknown; data: unknown };

  /** Counts a reply for `sys.statistics`. */
  countOut(): void {
    if (this.stats !== undefined) this.stats.messagesOut++;
  }

  /** Ends the process: terminate callback, crash report when abnormal, exit. */
  async exit(reason: unknown, crashed: boolean): Promise<void> {
    const proc = this.proc;
    if (!proc.alive) return;
    let final = reason;
    let report = crashed || !isNormalReason(reason);
    try {
      this.callback = "terminate";
      const r = this.terminate(reason);
      if (isPromise(r)) await r;
    } catch (err) {
      final = err;
      report = true;
    }
    if (report) {
      reportCrash({
        pid: String(proc.pid),
        name: this.name,
        module: this.module.name,
        callback: this.callback,
        reason: final,
        lastEvent: this.lastEvent,
        state: this.getState(),
      });
    }
    terminate(proc, final);
  }
}

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
    // The body runs on a later turn, after the name is claimed and the link made.
    const proc = createProc(() => body());
    runner.proc = proc;
    runner.parent = parent?.alive ? parent : undefined;
    if (name !== undefined) {
      const holder = claimName(name, proc.pid);
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
      runner.parent?.links.delete(proc);
      proc.links.delete(runner.parent as Proc);
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
    const body = async (): Promise<void> => {
      let stop: Stop | undefined;
      try {
        stop = await runner.init(arg);
      } catch (err) {
        if (timer !== undefined) clearTimeout(timer);
        if (settled) return;
        fail(err, err);
        await runner.exit(err, true).catch(() => terminate(proc, err));
        return;
      }
      if (timer !== undefined) clearTimeout(timer);
      if (settled) return;
      if (stop !== undefined) {
        fail(stop.reason);
        if (!isNormalReason(stop.reason)) {
          reportCrash({ pid: String(proc.pid), name, module: runner.module.name, callback: "init", reason: stop.reason });
        }
        terminate(proc, stop.reason);
        return;
      }
      settled = true;
      resolve(proc.pid);
      await serve(runner);
    };
    proc.behaviour = runner;
  });
}

async function serve(runner: Runner): Promise<void> {
  const proc = runner.proc;
  try {
    const stop = await runner.begin();
    if (stop !== undefined) return await runner.exit(stop.reason, false);
  } catch (err) {
    return await runner.exit(err, true);
  }
  while (proc.alive) {
    const msg = await receiveIn(proc, runner.suspended ? onlySystem : undefined, Infinity);
    let stop: Stop | undefined;
    try {
      if (msg instanceof SystemRequest) {
        stop = handleSystem(runner, msg);
        if (stop === undefined) continue;
        await runner.exit(stop.reason, false);
        return;
      }
      if (runner.parent !== undefined && isExitFrom(msg, runner.parent.pid)) {
        await runner.exit(msg[2], false);
        return;
      }
      runner.lastEvent = msg;
      if (runner.stats !== undefined) runner.stats.messagesIn++;
      if (runner.tracing) getLogger().info({ pid: String(proc.pid), event: formatTerm(msg) }, "sys trace: event");
      const r = runner.dispatch(msg);
      stop = isPromise(r) ? await r : r;
    } catch (err) {
      await runner.exit(err, true);
      return;
    }
    if (stop !== undefined) {
      await runner.exit(stop.reason, false);
      return;
    }
  }
}

/** Serves a `sys` request; `stop` resolves the Stop to act on instead of replying. */
function handleSystem(runner: Runner, msg: SystemRequest): Stop | undefined {
  const req = msg.request as readonly [string, unknown?];
  // No reply to stop: the caller's call ends with the exit, which stopServer takes as success.
  if (req[0] === "stop") return { reason: req[1] };
  let answer: readonly ["ok", unknown] | readonly ["error", unknown];
  try {
    answer = ["ok", systemAnswer(runner, req)];
  } catch (err) {
    answer = ["error", err];
  }
  reply(msg.from, answer);
  return undefined;
}

function systemAnswer(runner: Runner, req: readonly [string, unknown?]): unknown {
  switch (req[0]) {
    case "get_state":
      return runner.getState();
    case "replace_state": {
      const next = (req[1] as (s: unknown) => unknown)(runner.getState());
      runner.setState(next);
      return next;
    }
    case "get_status": {
      const { state, data } = runner.status();
      return {
        pid: runner.proc.pid,
        name: runner.name,
        status: runner.suspended ? "suspended" : "running",
        module: runner.module,
        state,
        data,
      } satisfies SysStatus;
    }
    case "suspend":
      runner.suspended = true;
      return undefined;
    case "resume":
      runner.suspended = false;
      return undefined;
    case "trace":
      runner.tracing = req[1] === true;
      return undefined;
    case "statistics":
      return statistics(runner, req[1]);
    default:
      throw new OptionsError("system request", req, "get_state, replace_state, get_status, suspend, resume, trace or statistics");
  }
}

function statistics(runner: Runner, flag: unknown): SysStatistics | false | undefined {
  if (flag === true) {
    runner.stats ??= { startTime: Date.now(), messagesIn: 0, messagesOut: 0 };
    return undefined;
  }
  if (flag === false) {
    runner.stats = undefined;
    return undefined;
  }
  const s = runner.stats;
  return s === undefined ? false : { ...s, currentTime: Date.now() };
}

function onlySystem(msg: unknown): unknown {
  return msg instanceof SystemRequest ? msg : undefined;
}

function isExitFrom(msg: unknown, pid: Pid): msg is readonly ["EXIT", Pid, unknown] {
  return Array.isArray(msg) && msg.length === 3 && msg[0] === "EXIT" && msg[1] === pid;
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

export function isPromise(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function";
}
