/**
 * Supervisor's process: the children, in start order, found by id; the strategies; and the calls
 * behind Supervisor's functions.
 */
import { OptionsError, StartError } from "../runtime/errors.ts";
import type { Stop } from "../runtime/behaviours/behaviour-process.ts";
import { isPid, type Pid } from "../runtime/process/pid.ts";
import { type NormalizedChildSpec, normalizeChild } from "./child-spec.ts";
import { termKey } from "../runtime/names/term-key.ts";
import { ChildRunningError, NotFoundError } from "./errors.ts";
import type { CheckedSupervisorFlags } from "./flags.ts";
import { checkInitResult } from "./supervisor-init.ts";
import { supervisorReport } from "./reports.ts";
import { isIgnore, startChildProcess } from "./start-child.ts";
import { affectedChildren } from "./strategies.ts";
import { countChildren, type SupervisorState } from "./supervisor-snapshots.ts";
import { type ChildEntry, SupervisingProcess } from "./supervising-process.ts";

/** One child as the supervisor holds it. */
interface ChildRecord extends ChildEntry {
  readonly key: string;
}

/**
 * What a supervisor starts from: its flags and children, given to `Supervisor.startLink`, or the
 * module of a module-based supervisor, whose `init` gives them inside the process.
 */
export type SupervisorSetup =
  | { readonly flags: CheckedSupervisorFlags; readonly specs: readonly NormalizedChildSpec[] }
  | { readonly callbacks: { init(arg: unknown): unknown } };

/** Supervisor's process: mostly static children, as Elixir puts it, kept in start order and found by id. */
export class SupervisorProcess extends SupervisingProcess<ChildRecord> {
  /** In start order. */
  readonly children: ChildRecord[] = [];
  readonly byKey = new Map<string, ChildRecord>();
  readonly byPid = new Map<Pid, ChildRecord>();
  flags!: CheckedSupervisorFlags;

  constructor(
    module: { readonly name: string },
    readonly setup: SupervisorSetup,
  ) {
    super(module);
    if ("flags" in setup) this.configure(setup.flags);
  }

  override configure(flags: CheckedSupervisorFlags): void {
    super.configure(flags);
    this.flags = flags;
  }

  async init(arg: unknown): Promise<Stop | undefined> {
    this.proc.trapExit = true;
    let specs: readonly NormalizedChildSpec[];
    if ("flags" in this.setup) {
      specs = this.setup.specs;
    } else {
      const answer = checkInitResult(await this.setup.callbacks.init(arg));
      // As proc_lib after init_ack(ignore): the start fails with "ignore", the process exits normally.
      if (answer === "ignore") return { reason: "ignore", exit: "normal" };
      this.configure(answer.flags);
      specs = answer.specs;
    }
    for (const spec of specs) {
      const child = this.add(spec);
      const outcome = await startChildProcess(spec, this.proc);
      if (outcome[0] === "error") {
        supervisorReport(this.ref(), "start_error", this.childRef(child), outcome[1]);
        this.remove(child);
        await this.stopChildren(this.children.slice());
        return { reason: ["shutdown", ["failed_to_start_child", spec.id, outcome[1]]] };
      }
      if (outcome[0] === "ok") this.setPid(child, outcome[1]);
      // An ignored child stays, not running, as in OTP; a temporary one is not kept.
      else this.markEnded(child);
    }
    return undefined;
  }

  /** Stops every child, in reverse start order, before the supervisor exits. */
  async terminate(): Promise<void> {
    await this.stopChildren(this.children.slice());
  }

  getState(): SupervisorState {
    const { strategy, maxRestarts, maxSeconds } = this.flags;
    const children = this.children.map(({ spec, pid }) => ({ id: spec.id, pid, type: spec.type, restart: spec.restart, shutdown: spec.shutdown }));
    return { strategy, maxRestarts, maxSeconds, children };
  }

  // --- calls -------------------------------------------------------------------------------

  answer(tag: unknown, arg: unknown): unknown {
    switch (tag) {
      case "start_child":
        return this.startChild(arg);
      case "terminate_child":
        return this.terminateChild(this.find(arg));
      case "restart_child":
        return this.restartChild(this.find(arg));
      case "delete_child":
        return this.deleteChild(this.find(arg));
      case "which_children":
        return this.children.map(({ spec, pid }) => ({ id: spec.id, pid, type: spec.type })).reverse();
      case "count_children":
        return countChildren(this.children);
      default:
        throw new OptionsError(
          "supervisor request",
          tag,
          "start_child, terminate_child, restart_child, delete_child, which_children or count_children",
        );
    }
  }

  async startChild(given: unknown): Promise<Pid> {
    const spec = normalizeChild(given);
    const existing = this.byKey.get(termKey(spec.id));
    if (existing !== undefined) {
      throw new StartError(isPid(existing.pid) ? ["already_started", existing.pid] : ["already_present", spec.id]);
    }
    const child = this.add(spec);
    const pid = await this.startForCall(spec).catch((err: unknown) => {
      // OTP keeps the spec of an ignored child (not a temporary one), not running; any other failure leaves nothing.
      if (isIgnore(err)) this.markEnded(child);
      else this.remove(child);
      throw err;
    });
    this.setPid(child, pid);
    return pid;
  }

  async terminateChild(child: ChildRecord): Promise<undefined> {
    await this.stopChild(child);
    if (child.spec.restart === "temporary") this.remove(child);
    return undefined;
  }

  async restartChild(child: ChildRecord): Promise<Pid> {
    assertTerminated(child);
    const pid = await this.startForCall(child.spec);
    this.setPid(child, pid);
    return pid;
  }

  deleteChild(child: ChildRecord): undefined {
    assertTerminated(child);
    this.remove(child);
    return undefined;
  }

  // --- exits and restarts ------------------------------------------------------------------

  takeExited(pid: Pid): ChildRecord | undefined {
    const child = this.byPid.get(pid);
    if (child === undefined) return undefined;
    this.byPid.delete(pid);
    // Terminated from now on: a restart of its group must not try to stop it again.
    child.pid = undefined;
    return child;
  }

  /** A temporary child that ended is removed; any other keeps its spec, terminated. */
  markEnded(child: ChildRecord): void {
    child.pid = undefined;
    if (child.spec.restart === "temporary") this.remove(child);
  }

  override async restartAffected(child: ChildRecord): Promise<void> {
    const index = this.children.indexOf(child);
    if (index === -1) return;
    // The list changes as temporary children go: work on the order it had when the child failed.
    const before = [...this.children];
    const { stop, start } = affectedChildren(this.flags.strategy, before, index);
    for (const i of stop) {
      const sibling = before[i]!;
      await this.stopChild(sibling);
      // Temporary children stopped because of a sibling are never restarted: they go.
      if (sibling.spec.restart === "temporary") this.remove(sibling);
    }
    for (const i of start) {
      const sibling = before[i]!;
      if (!this.holds(sibling)) continue;
      if (!(await this.startOrRetry(sibling))) break;
    }
  }

  /** Stops a running child and marks it terminated; logs an unexpected exit reason. */
  async stopChild(child: ChildRecord): Promise<void> {
    const pid = child.pid;
    child.pid = undefined;
    if (!isPid(pid)) return;
    this.byPid.delete(pid);
    await this.stopProcess(child.spec, pid);
  }

  /** Stops `children` in reverse order. */
  async stopChildren(children: readonly ChildRecord[]): Promise<void> {
    for (let i = children.length - 1; i >= 0; i--) await this.stopChild(children[i]!);
  }

  // --- bookkeeping -------------------------------------------------------------------------

  holds(child: ChildRecord): boolean {
    return this.byKey.get(child.key) === child;
  }

  find(id: unknown): ChildRecord {
    const child = this.byKey.get(termKey(id));
    if (child === undefined) throw new NotFoundError(id);
    return child;
  }

  add(spec: NormalizedChildSpec): ChildRecord {
    const child: ChildRecord = { spec, key: termKey(spec.id), pid: undefined };
    this.children.push(child);
    this.byKey.set(child.key, child);
    return child;
  }

  remove(child: ChildRecord): void {
    const index = this.children.indexOf(child);
    if (index !== -1) this.children.splice(index, 1);
    this.byKey.delete(child.key);
    if (isPid(child.pid)) this.byPid.delete(child.pid);
  }

  setPid(child: ChildRecord, pid: Pid): void {
    child.pid = pid;
    this.byPid.set(pid, child);
  }
}

/** restartChild and deleteChild need a terminated child. */
function assertTerminated(child: ChildRecord): void {
  if (child.pid !== undefined) throw new ChildRunningError(child.spec.id, isPid(child.pid) ? "running" : "restarting");
}
