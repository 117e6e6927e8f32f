/**
 * What runs inside a DynamicSupervisor's process: its children, found by Pid, started on demand
 * and restarted one_for_one; everything a supervisor does besides is in supervising-process.ts.
 */
import { OptionsError } from "../runtime/errors.ts";
import type { Stop } from "../runtime/behaviours/behaviour-process.ts";
import { isPid, type Pid } from "../runtime/process/pid.ts";
import { normalizeChild } from "./child-spec.ts";
import { MaxChildrenError, NotFoundError } from "./errors.ts";
import type { DynamicSupervisorFlags } from "./flags.ts";
import { shutdownChildren } from "./shutdown.ts";
import { type ChildInfo, countChildren, type DynamicSupervisorState } from "./supervisor-snapshots.ts";
import { type ChildEntry, SupervisingProcess } from "./supervising-process.ts";

/** One child: keyed by the Pid it runs as, or ran as before a failed restart. */
interface DynamicRecord extends ChildEntry {
  key: Pid;
  pid: Pid | "restarting";
}

/** DynamicSupervisor's process: children started on demand, one_for_one, found by Pid. */
export class DynamicSupervisorProcess extends SupervisingProcess<DynamicRecord> {
  /** Oldest first. */
  children = new Map<Pid, DynamicRecord>();

  constructor(
    module: { readonly name: string },
    readonly flags: DynamicSupervisorFlags,
  ) {
    super(module);
    this.configure(flags);
  }

  init(): Promise<Stop | undefined> {
    this.proc.trapExit = true;
    return Promise.resolve(undefined);
  }

  /** Stops every child at once before the supervisor exits. */
  async terminate(): Promise<void> {
    const running = [...this.children.values()].filter((c): c is DynamicRecord & { pid: Pid } => isPid(c.pid));
    this.children = new Map();
    const reasons = await shutdownChildren(running.map((c) => ({ pid: c.pid, shutdown: c.spec.shutdown })));
    for (let i = 0; i < running.length; i++) this.checkShutdownReason(running[i]!.spec, running[i]!.pid, reasons[i]);
  }

  getState(): DynamicSupervisorState {
    const { strategy, maxRestarts, maxSeconds, maxChildren } = this.flags;
    const children = [...this.children.values()].map(({ spec, pid }) => ({
      id: undefined,
      pid,
      type: spec.type,
      restart: spec.restart,
      shutdown: spec.shutdown,
    }));
    return { strategy, maxRestarts, maxSeconds, maxChildren, children };
  }

  // --- calls -------------------------------------------------------------------------------

  answer(tag: unknown, arg: unknown): unknown {
    switch (tag) {
      case "start_child":
        return this.startChild(arg);
      case "terminate_child":
        return this.terminateChild(arg);
      case "which_children": {
        const list: ChildInfo[] = [];
        for (const { spec, pid } of this.children.values()) list.push({ id: undefined, pid, type: spec.type });
        return list;
      }
      case "count_children":
        return countChildren(this.children.values());
      default:
        throw new OptionsError("DynamicSupervisor request", tag, "start_child, terminate_child, which_children or count_children");
    }
  }

  async startChild(child: unknown): Promise<Pid> {
    const spec = normalizeChild(child);
    const max = this.flags.maxChildren;
    if (this.children.size >= max) throw new MaxChildrenError(max);
    const pid = await this.startForCall(spec);
    this.children.set(pid, { spec, key: pid, pid });
    return pid;
  }

  async terminateChild(pid: unknown): Promise<undefined> {
    const child = isPid(pid) ? this.children.get(pid) : undefined;
    if (child === undefined) throw new NotFoundError(pid);
    this.children.delete(child.key);
    if (isPid(child.pid)) await this.stopProcess(child.spec, child.pid);
    return undefined;
  }

  // --- exits and restarts ------------------------------------------------------------------

  /** The child keeps its old Pid until restarted, so reports about the restart still show it. */
  takeExited(pid: Pid): DynamicRecord | undefined {
    const child = this.children.get(pid);
    return child !== undefined && child.pid === pid ? child : undefined;
  }

  markEnded(child: DynamicRecord): void {
    this.children.delete(child.key);
  }

  holds(child: DynamicRecord): boolean {
    return this.children.get(child.key) === child;
  }

  /** Files a (re)started child under its Pid (it moves to the end of `whichChildren`). */
  setPid(child: DynamicRecord, pid: Pid): void {
    this.children.delete(child.key);
    child.key = pid;
    child.pid = pid;
    this.children.set(pid, child);
  }
}
