/**
 * The logger every report goes through (pino), crash reports, and the redaction applied to any
 * state or message before it is logged.
 */
import { createRequire } from "node:module";
import { pino, type DestinationStream, type Logger } from "pino";
import { formatTerm } from "./format-term.ts";
import { isPlainObject } from "./predicates.ts";
import { isSecretName, looksLikeUrl, REDACTED, redactUrl } from "./secrets.ts";

let logger: Logger = pino({ name: "parley" }, defaultDestination(process.stderr.isTTY === true));

/**
 * Where the default logger writes: JSON lines on stderr, as pino does, or, when stderr is a
 * terminal and the optional `pino-pretty` is installed, readable lines (time, level, message, then
 * the fields; coloured when the terminal supports it and `NO_COLOR` is unset), written
 * synchronously so a crash report is out before the process exits. `setLogger` replaces all of it.
 */
export function defaultDestination(tty: boolean): DestinationStream {
  const pretty = tty ? loadPretty() : undefined;
  if (pretty !== undefined) {
    return pretty({ destination: 2, sync: true, translateTime: "HH:MM:ss.l", ignore: "pid,hostname,name" });
  }
  return pino.destination({ dest: 2, sync: true });
}

/** Replaces the logger (a pino logger, or anything with pino's `error/warn/info/debug` methods). */
export function setLogger(next: Logger): void {
  logger = next;
}

/** The logger in use. */
export function getLogger(): Logger {
  return logger;
}

/**
 * A copy of `value` for a log line or a crash report, to a bounded depth: the values of keys with
 * secret names (see `isSecretName`) are replaced, and strings that look like URLs are redacted as
 * `status` shows URLs. (`sys.getState`/`sys.getStatus` return the user state as it is: they are for
 * the code that owns it, not for logs.)
 */
export function redact(value: unknown, depth = 6): unknown {
  if (typeof value === "string") return looksLikeUrl(value) ? redactUrl(value) : value;
  if (value === null || typeof value !== "object" || depth <= 0) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth - 1));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretName(k) ? REDACTED : redact(v, depth - 1);
  return out;
}

/** True for the exit reasons OTP does not report: normal and shutdown. */
export function isNormalReason(reason: unknown): boolean {
  return (
    reason === "normal" ||
    reason === "shutdown" ||
    (Array.isArray(reason) && reason.length === 2 && reason[0] === "shutdown")
  );
}

/** What a crash report says about the process that ended. */
export interface CrashReport {
  /** The process, logged as `process`: pino's own `pid` field holds the OS process id. */
  readonly pid: string;
  readonly name: unknown;
  readonly module?: string;
  readonly reason: unknown;
  readonly lastEvent?: unknown;
  readonly state?: unknown;
  readonly callback?: string;
  /** What ended the process when no callback did: a stop request, the parent's exit signal. */
  readonly endedBy?: string;
}

/** Logs a crash report at error level. */
export function reportCrash(report: CrashReport): void {
  // `registeredName`, not `name`: pino loggers carry a `name` binding of their own.
  const fields = {
    process: report.pid,
    registeredName: report.name === undefined ? undefined : formatTerm(report.name),
    module: report.module,
    callback: report.callback,
    endedBy: report.endedBy,
    reason: formatTerm(report.reason),
    lastEvent: "lastEvent" in report ? formatTerm(redact(report.lastEvent)) : undefined,
    state: "state" in report ? formatTerm(redact(report.state)) : undefined,
    stack: report.reason instanceof Error ? report.reason.stack : undefined,
  };
  const by = report.endedBy === undefined ? "" : ` (${report.endedBy})`;
  logger.error(fields, `${report.module ?? "process"} ${report.pid} terminating: ${fields.reason}${by}`);
}

/** pino-pretty's factory when the optional dependency is installed. */
type PrettyFactory = (options: Record<string, unknown>) => DestinationStream;

function loadPretty(): PrettyFactory | undefined {
  try {
    const loaded = createRequire(import.meta.url)("pino-pretty") as PrettyFactory | { default: PrettyFactory };
    return typeof loaded === "function" ? loaded : loaded.default;
  } catch {
    // Not installed (it is optional): JSON lines, as pino writes them.
    return undefined;
  }
}
