// Shared by the supervisor tests: workers that report to an Inbox, waits, and stopping supervisors.
import { afterEach, beforeEach } from "vitest";
import { useLogCapture, useProcesses } from "../helpers/runtime.ts";
import type { ChildSpec } from "../../src/runtime/behaviours/child-spec-types.ts";
import type { From } from "../../src/runtime/behaviours/gen-call.ts";
import { GenServer } from "../../src/runtime/behaviours/gen-server.ts";
import type { Inbox } from "../../src/runtime/process/inbox.ts";
import { monitor } from "../../src/runtime/process/monitors.ts";
import { send } from "../../src/runtime/names/names.ts";
import type { Pid, Ref } from "../../src/runtime/process/pid.ts";
import { receive } from "../../src/runtime/process/receive.ts";
import { isAlive, self, trapExit } from "../../src/runtime/process/spawn.ts";
import { Supervisor } from "../../src/supervisor/supervisor.ts";

export const WAIT = 2000;

/** What a Worker reports: `["started", id, pid]` from init, `["terminated", id, reason]` from terminate. */
export type Report = readonly ["started", string, Pid] | readonly ["terminated", string, unknown];

export interface WorkerArg {
  readonly id: string;
  readonly report: Pid;
  /** Trap exits, so `terminate` runs when the supervisor stops the worker. Default true. */
  readonly trap?: boolean;
  /** On the supervisor's "shutdown": exit (default), never exit, or wait for a "go" message. */
  readonly onShutdown?: "exit" | "hang" | "wait_go";
}

/**
 * A GenServer that reports its start and its terminate to a Pid. Cast "crash" to make it throw,
 * `["exit", reason]` to make it stop with `reason`.
 */
export class Worker extends GenServer<WorkerArg> {
  override init(arg: WorkerArg) {
    if (arg.trap !== false) trapExit(true);
    send(arg.report, ["started", arg.id, self()]);
    return ["ok", arg] as const;
  }

  override handleCall(request: unknown, _from: From, s: WorkerArg) {
    return ["reply", [s.id, request], s] as const;
  }

  override handleCast(msg: unknown, s: WorkerArg) {
    if (msg === "crash") throw new Error(`${s.id} crashed`);
    if (Array.isArray(msg) && msg[0] === "exit") return ["stop", msg[1], s] as const;
    return ["noreply", s] as const;
  }

  override async terminate(reason: unknown, s: WorkerArg) {
    if (s.onShutdown === "hang" && reason === "shutdown") await new Promise(() => {});
    if (s.onShutdown === "wait_go" && reason === "shutdown") await receive((m) => (m === "go" ? m : undefined));
    send(s.report, ["terminated", s.id, reason]);
  }
}

/** A Worker child spec reporting to `inbox`. */
export function worker(id: string, inbox: Inbox, extra: Partial<ChildSpec> & Omit<Partial<WorkerArg>, "id" | "report"> = {}): ChildSpec {
  const { trap, onShutdown, ...spec } = extra;
  const arg: WorkerArg = { id, report: inbox.pid, trap, onShutdown };
  return { id, start: () => Worker.startLink(arg), ...spec };
}

/** Waits for `["started", id, pid]` and returns the pid. */
export function started(inbox: Inbox, id: string, timeoutMs = WAIT): Promise<Pid> {
  return inbox.receive((m) => (isReport(m) && m[0] === "started" && m[1] === id ? m[2] : undefined), timeoutMs);
}

/** Waits for `["terminated", id, reason]` and returns the reason (boxed). */
export function terminated(inbox: Inbox, id: string, timeoutMs = WAIT): Promise<readonly [unknown]> {
  return inbox.receive((m) => (isReport(m) && m[0] === "terminated" && m[1] === id ? ([m[2]] as const) : undefined), timeoutMs);
}

/** Waits for the next n reports of a kind and returns their ids in arrival order. */
export async function reports(inbox: Inbox, kind: "started" | "terminated", n: number, timeoutMs = WAIT): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await inbox.receive((m) => (isReport(m) && m[0] === kind ? m[1] : undefined), timeoutMs));
  return ids;
}

/** Monitors `pid` from the Inbox. */
export function watch(inbox: Inbox, pid: Pid): Promise<Ref> {
  return inbox.run(() => monitor(pid));
}

/** Waits for the DOWN of `ref` and returns the exit reason. */
export async function down(inbox: Inbox, ref: Ref, timeoutMs = WAIT): Promise<unknown> {
  const [reason] = await inbox.receive(
    (m) => (Array.isArray(m) && m[0] === "DOWN" && m[1] === ref ? ([m[4]] as const) : undefined),
    timeoutMs,
  );
  return reason;
}

/** True when no report (started/terminated) is queued in the Inbox right now. */
export function noReports(inbox: Inbox): boolean {
  return !inbox.peek().some(isReport);
}

function isReport(m: unknown): m is Report {
  return Array.isArray(m) && m.length === 3 && (m[0] === "started" || m[0] === "terminated");
}

/**
 * Registers an afterEach that stops the supervisors handed to the returned function (those still
 * alive), waiting for each. Call it after useProcesses, so they stop before the inboxes close.
 */
export function useSupervisors(): (sup: Pid) => Pid {
  const sups: Pid[] = [];
  afterEach(async () => {
    for (const sup of sups.splice(0)) if (isAlive(sup)) await Supervisor.stop(sup);
  });
  return (sup) => {
    sups.push(sup);
    return sup;
  };
}

/**
 * The setup every supervisor test file shares, in this order: captured logs, processes killed
 * after each test, supervisors stopped after each test, and a fresh Inbox per test handed to `set`.
 */
export function useSupervisorTest(set: (inbox: Inbox) => void): {
  logs: ReturnType<typeof useLogCapture>;
  processes: ReturnType<typeof useProcesses>;
  stopAfterTest: (sup: Pid) => Pid;
} {
  const logs = useLogCapture();
  const processes = useProcesses();
  const stopAfterTest = useSupervisors();
  beforeEach(() => set(processes.inbox()));
  return { logs, processes, stopAfterTest };
}

/** The error `promise` rejects with; throws when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

/** Lets every pending microtask and one macrotask turn run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
