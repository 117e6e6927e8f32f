/**
 * What supervisors tell the outside world: OTP's supervisor reports (`child_terminated`,
 * `start_error`, `shutdown_error`, `reached_max_restart_intensity`) through the logger, and
 * `parley:supervisor:restart` through diagnostics_channel.
 */
import type { Name } from "../runtime/names/names-types.ts";
import type { Pid } from "../runtime/process/pid.ts";
import { formatTerm } from "../runtime/format-term.ts";
import { getLogger, isNormalReason } from "../runtime/logger.ts";
import { channels } from "../runtime/telemetry.ts";
import { redactReason } from "../runtime/secrets.ts";

/**
 * `parley:supervisor:restart`: a Supervisor or DynamicSupervisor is about to restart a child that
 * exited. Published once per exit that leads to a restart, before the new start; not when the
 * exit uses up the restart intensity (the supervisor then shuts down instead), not for a retry
 * after a failed restart, and not for the siblings a `one_for_all` or `rest_for_one` restart
 * takes along.
 */
export interface SupervisorRestartEvent {
  /** The supervisor doing the restart. */
  readonly supervisor: Pid;
  /** The child's id (for a DynamicSupervisor child, the id of the spec it was started from). */
  readonly id: unknown;
  /** The exit reason of the child being restarted. */
  readonly reason: unknown;
}

/** The supervisor a report is about. */
export interface SupervisorRef {
  readonly pid: Pid;
  readonly name: Name | undefined;
}

/** The child a report is about. */
export interface ChildRef {
  readonly id: unknown;
  readonly pid: Pid | "restarting" | undefined;
  readonly restart: string;
}

/** OTP's error contexts for supervisor reports. */
export type ReportContext = "child_terminated" | "start_error" | "shutdown_error" | "reached_max_restart_intensity";

/**
 * Logs a supervisor report: error level, except a `child_terminated` report for a normal
 * reason (a permanent child that exited `"normal"` or `"shutdown"`), which is a warning.
 */
export function supervisorReport(sup: SupervisorRef, context: ReportContext, child: ChildRef, reason: unknown): void {
  const logger = getLogger();
  const warn = context === "child_terminated" && isNormalReason(reason);
  const fields = {
    report: context,
    supervisor: String(sup.pid),
    // registeredName, not name: pino loggers carry a `name` binding of their own.
    registeredName: sup.name === undefined ? undefined : formatTerm(sup.name),
    id: formatTerm(child.id),
    // childPid, not pid: pino's own `pid` field holds the OS process id.
    childPid: child.pid === undefined ? undefined : String(child.pid),
    restart: child.restart,
    reason: formatTerm(reason),
    stack: reason instanceof Error ? reason.stack : undefined,
  };
  const message = `supervisor ${fields.registeredName ?? fields.supervisor} ${context}: child ${fields.id} (${fields.childPid ?? "no pid"}), reason ${fields.reason}`;
  if (warn) logger.warn(fields, message);
  else logger.error(fields, message);
}

/** Logs a message a supervisor did not expect (error level, as OTP does). */
export function unexpectedMessage(sup: SupervisorRef, msg: unknown): void {
  getLogger().error(
    // `message`, not `msg`: pino's `msg` key holds the line's text.
    { supervisor: String(sup.pid), registeredName: sup.name === undefined ? undefined : formatTerm(sup.name), message: formatTerm(msg) },
    "supervisor received unexpected message",
  );
}

/** Publishes `parley:supervisor:restart`, only when someone subscribed. */
export function publishRestart(supervisor: Pid, id: unknown, reason: unknown): void {
  const channel = channels.supervisorRestart;
  if (channel.hasSubscribers) channel.publish({ supervisor, id, reason: redactReason(reason) } satisfies SupervisorRestartEvent);
}
