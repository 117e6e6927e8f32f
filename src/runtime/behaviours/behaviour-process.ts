/**
 * What GenServer, GenStatem, the supervisors and the client share once started: the receive loop,
 * the parent's exit signal, and the crash path (terminate, crash report, exit). Each behaviour
 * supplies a runner that handles its own messages; starting is in runner-start.ts, `sys` requests
 * in system-requests.ts.
 */
import { CallRequest, CastRequest, SystemRequest } from "./gen-call.ts";
import { getLogger, isNormalReason, redact, reportCrash } from "../logger.ts";
import type { Name } from "../names/names-types.ts";
import type { Pid } from "../process/pid.ts";
import { current, type Proc, removeMessage, terminate, type Waiter } from "../process/process.ts";
import { charge, schedule } from "../process/scheduler.ts";
import { formatTerm } from "../format-term.ts";
import { handleSystem } from "./system-requests.ts";
import { isPromiseLike } from "../predicates.ts";

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

/**
 * The per-process half of a behaviour; subclasses handle the behaviour's own messages. The runner
 * is its process's waiter while idle, so an idle behaviour holds no promise.
 */
export abstract class Runner implements Waiter {
  proc!: Proc;
  /** While suspended, only `sys` requests are taken from the mailbox. */
  match: ((msg: unknown) => unknown) | undefined = undefined;
  scanned = 0;
  timer: undefined = undefined;
  name: Name | undefined = undefined;
  parent: Proc | undefined = undefined;
  suspended = false;
  tracing = false;
  stats: { startTime: number; messagesIn: number; messagesOut: number } | undefined = undefined;
  lastEvent: unknown = undefined;
  /** The user callback running now, for crash reports. */
  callback = "init";

  constructor(readonly module: { readonly name: string }) {}

  /** A message arrived for the idle runner: handle it as the process. */
  resolve(msg: unknown): void {
    current.run(this.proc, loop, this, msg);
  }

  /** Only a throwing matcher rejects, and the runner's matcher does not throw. */
  reject(): void {}

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
    let callback = this.callback;
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
        reason: final,
        lastEvent: eventOf(this.lastEvent),
        state: this.getState(),
      });
    }
    terminate(proc, final);
  }
}

export type StepResult = Stop | undefined | Promise<Stop | undefined>;

/** Marks "no message available now" for `takeNow`. */
const NOTHING: unique symbol = Symbol("nothing");

/**
 * Handles `msg`, then every message already queued, for as long as the callbacks answer
 * synchronously: a busy server pays no promise per message. An async callback resumes the loop
 * when it settles; an empty mailbox makes the runner wait as the process's waiter.
 */
function loop(runner: Runner, msg: unknown): void {
  let next: unknown = msg;
  for (;;) {
    let step: StepResult;
    try {
      step = handle(runner, next);
    } catch (err) {
      return finish(runner, err);
    }
    if (step !== undefined) return afterStep(runner, step);
    if (!runner.proc.alive) return;
    // Kept only for a crash report while its event is handled: an idle process holds no message.
    runner.lastEvent = undefined;
    next = takeNow(runner);
    if (next === NOTHING) return wait(runner);
  }
}

export function afterStep(runner: Runner, step: StepResult): void {
  if (step === undefined) return resume(runner);
  if (!isPromiseLike(step)) return finish(runner, step.reason);
  step.then(
    (stop) => (stop === undefined ? resume(runner) : finish(runner, stop.reason)),
    (err: unknown) => finish(runner, err),
  );
}

function resume(runner: Runner): void {
  if (!runner.proc.alive) return;
  runner.lastEvent = undefined;
  const next = takeNow(runner);
  if (next === NOTHING) wait(runner);
  else loop(runner, next);
}

export function finish(runner: Runner, reason: unknown): void {
  runner.exit(reason).catch(() => terminate(runner.proc, reason));
}

/** One message: a `sys` request, the parent's exit signal, or the behaviour's own. */
function handle(runner: Runner, msg: unknown): StepResult {
  if (msg instanceof SystemRequest) return handleSystem(runner, msg);
  if (runner.parent !== undefined && isExitFrom(msg, runner.parent.pid)) return { reason: msg[2] };
  // Kept as it is: it only becomes a readable event (eventOf) if a report or a trace shows it.
  runner.lastEvent = msg;
  if (runner.stats !== undefined) runner.stats.messagesIn++;
  // Redacted like a crash report: a trace is a log line too.
  if (runner.tracing) getLogger().info({ pid: String(runner.proc.pid), event: formatTerm(redact(eventOf(msg))) }, "sys trace: event");
  return runner.dispatch(msg);
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

/** The next message the runner accepts, if one is queued and this turn's budget allows. */
function takeNow(runner: Runner): unknown {
  const proc = runner.proc;
  const box = proc.mailbox;
  runner.scanned = 0;
  if (box.length === 0 || proc.waiters.length !== 0 || !charge()) return NOTHING;
  const match = runner.match;
  if (match === undefined) return removeMessage(proc, 0);
  for (let i = 0; i < box.length; i++) {
    if (match(box.at(i)) !== undefined) return removeMessage(proc, i);
  }
  runner.scanned = box.length;
  return NOTHING;
}

function wait(runner: Runner): void {
  const proc = runner.proc;
  proc.addWaiter(runner);
  if (runner.scanned < proc.mailbox.length) schedule(proc);
}

function isExitFrom(msg: unknown, pid: Pid): msg is readonly ["EXIT", Pid, unknown] {
  return Array.isArray(msg) && msg.length === 3 && msg[0] === "EXIT" && msg[1] === pid;
}

