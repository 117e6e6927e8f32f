/**
 * What Supervisor and DynamicSupervisor share inside their process: answering calls, acting on a
 * child's exit (report, then restart or let go), the restart intensity, the retry of a failed
 * restart, and stopping a child with a report when it exits the wrong way. Each supervisor's
 * process keeps its children its own way and supplies the few steps that depend on it.
 */
import { OptionsError, StartError } from "../runtime/errors.ts";
import { CallRequest, replyError, replyValue } from "../runtime/behaviours/gen-call.ts";
import { BehaviourProcess, startProcess, type Stop } from "../runtime/behaviours/behaviour-process.ts";
import type { Name } from "../runtime/names/names-types.ts";
import { send } from "../runtime/names/names.ts";
import { isPid, type Pid } from "../runtime/process/pid.ts";
import type { NormalizedChildSpec } from "./child-spec.ts";
import { type ChildRef, publishRestart, type SupervisorRef, supervisorReport, unexpectedMessage } from "./reports.ts";
import { RestartIntensity } from "./restart-intensity.ts";
import { isExpectedExit, shutdownChild } from "./shutdown.ts";
import { startChildProcess } from "./start-child.ts";
import { isNormalExit, shouldRestart } from "./strategies.ts";

/** A child as a supervisor holds it. */
export interface ChildEntry {
  readonly spec: NormalizedChildSpec;
  /** The running child, `"restarting"` while a retry is queued, or `undefined` when terminated. */
  pid: Pid | "restarting" | undefined;
}

/**
 * The process of a supervisor of either kind, over child records of type `C`: Supervisor's and
 * DynamicSupervisor's processes extend it with how they keep their children.
 */
export abstract class SupervisingProcess<C extends ChildEntry> extends BehaviourProcess {
  /** Set with the flags: at construction, or by a module supervisor's `init`. */
  intensity!: RestartIntensity;

  /** Applies the restart intensity of `flags`. */
  configure(flags: { readonly maxRestarts: number; readonly maxSeconds: number }): void {
    this.intensity = new RestartIntensity(flags.maxRestarts, flags.maxSeconds);
  }

  /** Starts the supervisor's process linked to the caller, registered under `name` when given. */
  startLink(name: unknown): Promise<Pid> {
    return startProcess(this, undefined, name === undefined ? undefined : { name: name as Name }, true);
  }

  dispatch(msg: unknown): Stop | undefined | Promise<Stop | undefined> {
    if (msg instanceof CallRequest) {
      this.callback = "handleCall";
      return this.handleCall(msg);
    }
    this.callback = "handleInfo";
    if (isExitMessage(msg)) return this.handleExit(msg[1], msg[2]);
    if (msg instanceof TryAgain) {
      const child = msg.child as C;
      // Terminated, deleted or restarted by a call since the retry was queued: nothing to do.
      if (child.pid !== "restarting" || !this.holds(child)) return undefined;
      return this.restart(child, undefined);
    }
    unexpectedMessage(this.ref(), msg);
    return undefined;
  }

  setState(): void {
    throw new OptionsError("sys.replaceState target", "a supervisor", "a GenServer or GenStatem (a supervisor's state cannot be replaced)");
  }

  status(): { state: unknown; data: unknown } {
    return { state: undefined, data: this.getState() };
  }

  // --- what each supervisor supplies -------------------------------------------------------

  /**
   * Serves one supervisor request, `[tag, arg]` (or a bare tag); the value or the thrown error is
   * the caller's answer.
   */
  abstract answer(tag: unknown, arg: unknown): unknown;
  /** Whether `child` is still one of this supervisor's children (not deleted or replaced). */
  abstract holds(child: C): boolean;
  /** The child that ran as `pid`, detached from it; undefined when `pid` is no (longer a) child. */
  abstract takeExited(pid: Pid): C | undefined;
  /** Files `child` as not running and not about to restart (a DynamicSupervisor forgets it). */
  abstract markEnded(child: C): void;
  /** Files `child` as running as `pid`. */
  abstract setPid(child: C, pid: Pid): void;

  /** Restarts `child` and the siblings the strategy drags along; by default only `child` (one_for_one). */
  restartAffected(child: C): Promise<unknown> {
    return this.startOrRetry(child);
  }

  // --- calls -------------------------------------------------------------------------------

  async handleCall(msg: CallRequest): Promise<undefined> {
    try {
      const [tag, arg] = Array.isArray(msg.request) ? (msg.request as [unknown, unknown]) : [msg.request, undefined];
      const value = await this.answer(tag, arg);
      replyValue(msg.from, value);
    } catch (err) {
      replyError(msg.from, err);
    }
    return undefined;
  }

  /**
   * Starts a child for a call: resolves its Pid, or rejects with the StartError the caller gets
   * (reason `"ignore"` for a child that ignored its start: a call that resolves gives a Pid).
   */
  async startForCall(spec: NormalizedChildSpec): Promise<Pid> {
    const outcome = await startChildProcess(spec, this.proc);
    if (outcome[0] === "error") throw new StartError(outcome[1], { cause: outcome[2] });
    if (outcome[0] === "ignore") throw new StartError("ignore");
    return outcome[1];
  }

  // --- exits and restarts ------------------------------------------------------------------

  handleExit(pid: Pid, reason: unknown): Stop | undefined | Promise<Stop | undefined> {
    const child = this.takeExited(pid);
    // A child already stopped or replaced, or a process that merely linked to the supervisor.
    if (child === undefined) return undefined;
    if (!shouldRestart(child.spec.restart, reason)) {
      if (!isNormalExit(reason)) supervisorReport(this.ref(), "child_terminated", this.childRef(child, pid), reason);
      this.markEnded(child);
      return undefined;
    }
    supervisorReport(this.ref(), "child_terminated", this.childRef(child, pid), reason);
    return this.restart(child, [reason]);
  }

  /**
   * Restarts `child` and whatever the strategy drags along, unless that is one restart too many:
   * then the supervisor gives up with `"shutdown"`. `exited` boxes the exit reason when a child
   * just exited (published on the telemetry channel); a retry after a failed start has none.
   */
  async restart(child: C, exited: readonly [unknown] | undefined): Promise<Stop | undefined> {
    if (!this.intensity.record(performance.now())) {
      supervisorReport(this.ref(), "reached_max_restart_intensity", this.childRef(child), exited === undefined ? "start_error" : exited[0]);
      this.markEnded(child);
      return { reason: "shutdown" };
    }
    if (exited !== undefined) publishRestart(this.proc.pid, child.spec.id, exited[0]);
    await this.restartAffected(child);
    return undefined;
  }

  /** Starts a child during a restart; on failure marks it `"restarting"` and queues a retry. */
  async startOrRetry(child: C): Promise<boolean> {
    const outcome = await startChildProcess(child.spec, this.proc);
    if (outcome[0] === "ok") {
      this.setPid(child, outcome[1]);
      return true;
    }
    if (outcome[0] === "ignore") {
      this.markEnded(child);
      return true;
    }
    supervisorReport(this.ref(), "start_error", this.childRef(child), outcome[1]);
    child.pid = "restarting";
    send(this.proc.pid, new TryAgain(child));
    return false;
  }

  /** Stops the child process `pid` as its spec says; logs an unexpected exit reason. */
  async stopProcess(spec: NormalizedChildSpec, pid: Pid): Promise<void> {
    this.checkShutdownReason(spec, pid, await shutdownChild(pid, spec.shutdown));
  }

  /** Logs a `shutdown_error` when a stopped child exited with a reason its shutdown did not ask for. */
  checkShutdownReason(spec: NormalizedChildSpec, pid: Pid, reason: unknown): void {
    if (!isExpectedExit(reason, spec.shutdown, spec.restart)) {
      supervisorReport(this.ref(), "shutdown_error", { id: spec.id, pid, restart: spec.restart }, reason);
    }
  }

  // --- reports -----------------------------------------------------------------------------

  ref(): SupervisorRef {
    return { pid: this.proc.pid, name: this.name };
  }

  /** The child as a report shows it; `pid` is the process that exited, when it is no longer filed. */
  childRef(child: C, pid: ChildRef["pid"] = child.pid): ChildRef {
    return { id: child.spec.id, pid, restart: child.spec.restart };
  }
}

/** A retry of a failed restart, queued behind the messages already waiting. */
class TryAgain {
  constructor(readonly child: ChildEntry) {}
}

function isExitMessage(msg: unknown): msg is readonly ["EXIT", Pid, unknown] {
  return Array.isArray(msg) && msg.length === 3 && msg[0] === "EXIT" && isPid(msg[1]);
}
