/**
 * What every behaviour process (GenServer, GenStatem, the supervisors, the client) shares: the one
 * way to start it (name claimed, `init` run inside the new process, the caller answered), the
 * receive loop, the parent's exit signal, and the crash path (terminate, crash report, exit). Each
 * behaviour's `*-process.ts` extends BehaviourProcess with the handling of its own messages;
 * `sys` requests are served by system-requests.ts.
 */
import { CallRequest, CastRequest, SystemRequest } from "./gen-call.ts";
import { checkStartOptions, claimName, type StartOptions } from "./start-options.ts";
import { OptionsError, StartError } from "../errors.ts";
import { claimGlobal } from "../names/global.ts";
import { getLogger, isNormalReason, redact, reportCrash } from "../logger.ts";
import type { Name } from "../names/names-types.ts";
import type { Pid } from "../process/pid.ts";
import { createProc, current, currentProc, linkProcs, type Proc, removeMessage, terminate, unlinkProcs, type Waiter } from "../process/process.ts";
import { startTimer } from "../process/long-timer.ts";
import { charge, schedule } from "../process/scheduler.ts";
import { formatTerm } from "../format-term.ts";
import { handleSystem, type SystemHost } from "./system-requests.ts";
import { SysFields } from "./sys-fields.ts";
import { isPromiseLike } from "../predicates.ts";

/** How a handler asks the loop to end the process. */
export interface Stop {
  readonly reason: unknown;
  /** The exit reason, when not `reason`: `"normal"` after init's `["ignore"]` (proc_lib's init_ack). */
  readonly exit?: unknown;
}

/**
 * The per-process half of a behaviour; subclasses handle the behaviour's own messages. It
 * is its process's waiter while idle, so an idle behaviour holds no promise.
 */
export abstract class BehaviourProcess extends SysFields implements Waiter, SystemHost {
  proc!: Proc;
  /** While suspended, only `sys` requests are taken from the mailbox. */
  match: ((msg: unknown) => unknown) | undefined = undefined;
  scanned = 0;
  name: Name | undefined = undefined;
  parent: Proc | undefined = undefined;
  lastEvent: unknown = undefined;
  /** Messages handled since start, as `sys.statistics` counts them; read by the Observer's sampler. */
  handled = 0;
  /** The user callback running now, for crash reports. */
  callback = "init";
  constructor(readonly module: { readonly name: string }) {
    super();
  }

  /** A message arrived while idle: handle it as the process. */
  resolve(msg: unknown): void {
    current.run(this.proc, loop, this, msg, false);
  }

  /** Only a throwing matcher rejects, and this matcher does not throw. */
  reject(): void {}

  /** A behaviour waits without a timeout: a getter, not a field, as it is the same for all. */
  get timer(): undefined {
    return undefined;
  }

  /** Runs `init`; resolves undefined to go on, or a Stop to fail the start. */
  abstract init(arg: unknown): Promise<Stop | undefined>;
  /** Runs once after `start` resolved, before the first message (GenStatem's initial enter call). */
  begin(): Stop | undefined | Promise<Stop | undefined> {
    return undefined;
  }
  /** Handles one mailbox message; resolves a Stop to end the process. */
  abstract dispatch(msg: unknown): Stop | undefined | Promise<Stop | undefined>;
  /** Handles the message of a cast the loop took bare from the mailbox (see Mailbox). */
  dispatchCast(msg: unknown): Stop | undefined | Promise<Stop | undefined> {
    return this.dispatch(new CastRequest(msg));
  }
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

  /**
   * Ends the process: terminate callback, crash report when abnormal, exit. Whether a reason was
   * thrown or returned does not matter, as for a process body: a callback that throws "shutdown"
   * ends the process like Elixir's `exit(:shutdown)`, without a report.
   */
  async exit(reason: unknown): Promise<void> {
    const proc = this.proc;
    if (!proc.alive) return;
    let final = reason;
    let report = !isNormalReason(reason);
    // The report names the callback that crashed or asked to stop; terminate only when it fails too.
    let callback = this.endedBy === undefined ? this.callback : undefined;
    try {
      this.callback = "terminate";
      const r = this.terminate(reason);
      if (isPromiseLike(r)) await r;
    } catch (err) {
      final = err;
      report = !isNormalReason(err);
      callback = "terminate";
    }
    if (report) {
      reportCrash({
        pid: String(proc.pid),
        name: this.name,
        module: this.module.name,
        callback,
        endedBy: callback === "terminate" ? undefined : this.endedBy,
        reason: final,
        lastEvent: eventOf(this.lastEvent),
        state: this.getState(),
      });
    }
    terminate(proc, final);
  }
}

/**
 * Starts `bp` (a behaviour's process object) as a new process: registers its name, runs `init` inside the process, and resolves
 * the Pid once `init` returned (rejecting `StartError` if it stopped, threw or timed out).
 */
export function startProcess(bp: BehaviourProcess, arg: unknown, options: StartOptions | undefined, link: boolean): Promise<Pid> {
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
    bp.proc = proc;
    proc.behaviour = bp;
    bp.parent = parent?.alive ? parent : undefined;
    // A { global } name is claimed now but decided by the name table (the cluster's, once the
    // node is distributed): init waits for the decision.
    let claim: Promise<Pid | undefined> | undefined;
    if (name !== undefined) {
      let holder: Pid | undefined;
      try {
        if (typeof name === "object" && "global" in name) claim = claimGlobal(name.global, proc.pid);
        else holder = claimName(name, proc.pid);
      } catch (err) {
        // A via module may throw (Registry with a registry that is not running). The new process
        // must end here like on a taken name: left alone, it would stay in the table and its
        // start would run before `boot` below exists. A name the module calls malformed (an
        // OptionsError: a via name on a Registry with duplicate keys) is a bad argument, as a
        // bad name is: it rejects as itself.
        terminate(proc, "normal");
        reject(err instanceof OptionsError ? err : new StartError(err, { cause: err }));
        return;
      }
      if (holder !== undefined) {
        terminate(proc, "normal");
        reject(new StartError(["already_started", holder]));
        return;
      }
      bp.name = name;
    }
    if (bp.parent !== undefined) linkProcs(bp.parent, proc);
    let settled = false;
    // The caller learns of a failed start from the rejection, not from an exit signal as well.
    const fail = (reason: unknown, cause?: unknown): void => {
      settled = true;
      if (bp.parent !== undefined) unlinkProcs(bp.parent, proc);
      reject(new StartError(reason, cause === undefined ? undefined : { cause }));
    };
    const timer =
      timeout === Infinity
        ? undefined
        : startTimer(timeout, () => {
            if (settled) return;
            fail("timeout");
            terminate(proc, "killed");
          }, undefined);
    // A process that ends while init runs (killed, or taken down through a link) fails the start
    // with its exit reason, as proc_lib's start does: otherwise an init blocked in a receive would
    // leave the caller waiting for ever, and any other init would resolve a dead pid.
    const onEarlyExit = (_: Proc, reason: unknown): void => {
      timer?.cancel();
      if (!settled) fail(reason);
    };
    proc.onExit(onEarlyExit);
    const boot = async (): Promise<void> => {
      if (claim !== undefined) {
        let holder: Pid | undefined;
        try {
          holder = await claim;
        } catch (err) {
          holder = proc.pid;
          if (!settled) fail(err, err);
        }
        if (settled || holder !== undefined) {
          if (!settled) fail(["already_started", holder]);
          terminate(proc, "normal");
          return;
        }
      }
      let stop: Stop | undefined;
      let cause: unknown;
      try {
        stop = await bp.init(arg);
      } catch (err) {
        // A throw fails the start like ["stop", err]. As in OTP, terminate does not run when init
        // fails: there is no state to clean up yet.
        stop = { reason: err };
        cause = err;
      }
      timer?.cancel();
      if (settled) return;
      if (stop !== undefined) {
        fail(stop.reason, cause);
        const exitReason = "exit" in stop ? stop.exit : stop.reason;
        if (!isNormalReason(exitReason)) {
          reportCrash({ pid: String(proc.pid), name, module: bp.module.name, callback: "init", reason: stop.reason });
        }
        terminate(proc, exitReason);
        return;
      }
      settled = true;
      proc.offExit(onEarlyExit);
      resolve(proc.pid);
      let first: StepResult;
      try {
        first = bp.begin();
      } catch (err) {
        return finish(bp, err);
      }
      afterStep(bp, first);
    };
  });
}

/** The behaviour process a process runs, for introspection (the Observer). */
export function behaviourOf(proc: Proc): BehaviourProcess | undefined {
  // Only startProcess sets it, always to a BehaviourProcess.
  return proc.behaviour as BehaviourProcess | undefined;
}

/**
 * Starts a behaviour's module from either form of `start`/`startLink`: `Base.start(Module, arg,
 * options)`, where `self` is `base`, or `Module.start(arg, options)`, where `self` is the module.
 * `processFor` makes the module's process. Rejects OptionsError when the module is not a class that
 * extends `base`.
 */
export function startModule<M>(
  base: abstract new () => unknown,
  self: unknown,
  args: readonly unknown[],
  link: boolean,
  processFor: (module: M) => BehaviourProcess,
): Promise<Pid> {
  const [module, arg, options] = self === base ? args : [self, ...args];
  if (typeof module !== "function" || !(module.prototype instanceof base)) {
    return Promise.reject(new OptionsError("module", module, `a class that extends ${base.name}`));
  }
  let bp: BehaviourProcess;
  try {
    bp = processFor(module as M);
  } catch (err) {
    // The module's constructor (field initialisers included) threw: a failed start, not a throw.
    return Promise.reject(new StartError(err, { cause: err }));
  }
  return startProcess(bp, arg, options as StartOptions | undefined, link);
}

/** What one step of the loop yields: go on, stop, or either later. */
export type StepResult = Stop | undefined | Promise<Stop | undefined>;

/** Marks "no message available now" for `takeNow`. */
const NOTHING: unique symbol = Symbol("nothing");

/**
 * Handles `msg` (a cast's bare message when `bare`), then every message already queued, for as
 * long as the callbacks answer synchronously: a busy server pays no promise per message. An async
 * callback resumes the loop when it settles; an empty mailbox makes it wait as the process's waiter.
 */
function loop(bp: BehaviourProcess, msg: unknown, bare: boolean): void {
  // msg and bare move on to each next message.
  for (;;) {
    let step: StepResult;
    try {
      step = handle(bp, msg, bare);
    } catch (err) {
      if (bare) castEvent(bp, msg);
      return finish(bp, err);
    }
    if (step !== undefined) {
      if (bare) castEvent(bp, msg);
      return afterStep(bp, step);
    }
    if (!bp.proc.alive) return;
    // Kept only for a crash report while its event is handled: an idle process holds no message.
    bp.lastEvent = undefined;
    msg = takeNow(bp);
    if (msg === NOTHING) return wait(bp);
    bare = takenBare;
  }
}

/** A bare cast still being handled as reports show it: made only when its step stops, fails or awaits. */
function castEvent(bp: BehaviourProcess, msg: unknown): void {
  if (bp.lastEvent === msg) bp.lastEvent = new CastRequest(msg);
}

export function afterStep(bp: BehaviourProcess, step: StepResult): void {
  if (step === undefined) return resume(bp);
  if (!isPromiseLike(step)) return finish(bp, step.reason);
  step.then(
    (stop) => (stop === undefined ? resume(bp) : finish(bp, stop.reason)),
    (err: unknown) => finish(bp, err),
  );
}

function resume(bp: BehaviourProcess): void {
  if (!bp.proc.alive) return;
  bp.lastEvent = undefined;
  const next = takeNow(bp);
  if (next === NOTHING) wait(bp);
  else loop(bp, next, takenBare);
}

export function finish(bp: BehaviourProcess, reason: unknown): void {
  bp.exit(reason).catch(() => terminate(bp.proc, reason));
}

/** One message: a `sys` request, the parent's exit signal, or the behaviour's own (a bare cast's when `bare`). */
function handle(bp: BehaviourProcess, msg: unknown, bare: boolean): StepResult {
  if (!bare) {
    if (msg instanceof SystemRequest) return endedBy(bp, handleSystem(bp, msg), `stop requested by ${String(msg.from.pid)}`);
    if (bp.parent !== undefined && isExitFrom(msg, bp.parent.pid)) return endedBy(bp, { reason: msg[2] }, `exit signal from the parent ${String(msg[1])}`);
  }
  // Kept as it is: it only becomes a readable event (eventOf) if a report or a trace shows it.
  bp.lastEvent = msg;
  bp.handled++;
  if (bp.stats !== undefined) bp.stats.messagesIn++;
  // Redacted like a crash report: a trace is a log line too.
  if (bp.tracing) getLogger().info({ process: String(bp.proc.pid), event: formatTerm(redact(eventOf(bare ? new CastRequest(msg) : msg))) }, "sys trace: event");
  return bare ? bp.dispatchCast(msg) : bp.dispatch(msg);
}

/** A stop that no callback asked for: the crash report says what ended the process instead. */
function endedBy(bp: BehaviourProcess, stop: Stop | undefined, what: string): Stop | undefined {
  if (stop !== undefined) bp.endedBy = what;
  return stop;
}

/**
 * A message as crash reports show it. Calls and casts arrive wrapped in CallRequest/CastRequest
 * instances, which redact() does not look into (it copies plain data only), so they are unwrapped
 * into plain tuples: otherwise a password inside a request would be logged verbatim.
 */
function eventOf(msg: unknown): unknown {
  if (msg instanceof CallRequest) return ["call", msg.from, msg.request];
  if (msg instanceof CastRequest) return ["cast", msg.msg];
  return msg;
}

/** Whether the message `takeNow` returned last is a cast's bare message. */
let takenBare = false;

/** The next message `bp` accepts, if one is queued and this turn's budget allows; a cast comes bare. */
function takeNow(bp: BehaviourProcess): unknown {
  const proc = bp.proc;
  const box = proc.mailbox;
  bp.scanned = 0;
  if (box.length === 0 || proc.waiting || !charge()) return NOTHING;
  const match = bp.match;
  takenBare = false;
  // No other waiter (checked above) has a scan position to keep: the oldest message is taken as is.
  if (match === undefined) {
    takenBare = box.isCastAt(0);
    return box.removeBare(0);
  }
  for (let i = 0; i < box.length; i++) {
    if (match(box.at(i)) !== undefined) return removeMessage(proc, i);
  }
  bp.scanned = box.length;
  return NOTHING;
}

function wait(bp: BehaviourProcess): void {
  const proc = bp.proc;
  proc.addWaiter(bp);
  if (bp.scanned < proc.mailbox.length) schedule(proc);
}

function isExitFrom(msg: unknown, pid: Pid): msg is readonly ["EXIT", Pid, unknown] {
  return Array.isArray(msg) && msg.length === 3 && msg[0] === "EXIT" && msg[1] === pid;
}

