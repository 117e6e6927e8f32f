// Captures what the runtime logs: a pino logger writing JSON lines to memory, installed with
// setLogger and undone by restore(). Tests that crash processes use it so nothing reaches stderr.
import { pino } from "pino";
import { getLogger, setLogger } from "../../src/runtime/logger.ts";

/** One parsed pino line. */
export type LogLine = Record<string, unknown> & { level: number; msg: string };

export interface LogCapture {
  /** Every line logged since install, oldest first. */
  readonly lines: LogLine[];
  /** Lines at error level (pino level 50): crash reports. */
  errors(): LogLine[];
  /** Puts back the logger that was in use before. */
  restore(): void;
}

/** Installs a memory logger (level trace) and returns its lines. */
export function captureLogs(): LogCapture {
  const previous = getLogger();
  const lines: LogLine[] = [];
  // A plain object with write() makes pino write synchronously: a line is there as soon as it is logged.
  const logger = pino({ level: "trace" }, { write: (chunk: string) => void lines.push(JSON.parse(chunk) as LogLine) });
  setLogger(logger);
  return {
    lines,
    errors: () => lines.filter((l) => l.level === 50),
    restore: () => setLogger(previous),
  };
}
