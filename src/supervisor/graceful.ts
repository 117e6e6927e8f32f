/**
 * Graceful shutdown for services: on SIGTERM or SIGINT, stop the root supervisor (children in
 * reverse start order, each given its shutdown time) and let the process exit.
 */
import { getLogger } from "../runtime/logger.ts";
import { NoProcError, OptionsError } from "../runtime/errors.ts";
import { formatTerm } from "../runtime/format-term.ts";
import { stopServer } from "../runtime/behaviours/gen-call.ts";
import type { Dest } from "../runtime/names/names.ts";
import { checkTimeout } from "../runtime/process/deadlines.ts";
import { timerDelay } from "../runtime/process/long-timer.ts";

/** Options of {@link shutdownOnSignals}. */
export interface ShutdownOnSignalsOptions {
  /** The signals that start the shutdown. Default `["SIGTERM", "SIGINT"]`. */
  readonly signals?: readonly NodeJS.Signals[];
  /**
   * The longest the process may take to exit after the signal, in milliseconds. When it runs out
   * the process exits at once: code 1 if the supervisor had not stopped yet, 0 if it had (and
   * something outside the supervision tree kept the event loop alive). Default `Infinity`: never force.
   */
  readonly timeoutMs?: number;
}

/**
 * Stops `sup` when the process receives one of `signals`, then lets the process exit.
 *
 * On the first signal the listeners are removed (so a second signal gets Node's default
 * behaviour: an immediate exit, the usual "press Ctrl-C again to force"), and
 * `Supervisor.stop(sup, "shutdown")` runs: every child is stopped in reverse start order with its
 * own shutdown time. Once it has stopped, `process.exitCode` is set to 0 and nothing else is
 * done: `process.exit` is not called, so pending output is flushed and the process ends when its
 * event loop is empty, which it is when every socket, server and timer belonged to the tree. If
 * the stop fails, `process.exitCode` is 1. A supervisor that was already gone counts as stopped.
 * Set `timeoutMs` to bound the whole thing.
 *
 * @example
 * ```ts
 * const sup = await Supervisor.startLink(children, { strategy: "one_for_one" });
 * const uninstall = shutdownOnSignals(sup, { timeoutMs: 25_000 });
 * ```
 *
 * @param sup - the root supervisor (any behaviour process works).
 * @returns a function that removes the listeners (harmless after a signal or when called twice).
 * @throws OptionsError for an empty or non-array `signals` list, a signal name that is not a
 *   string, or a `timeoutMs` that is not a non-negative number.
 */
export function shutdownOnSignals(sup: Dest, options: ShutdownOnSignalsOptions = {}): () => void {
  if (options === null || typeof options !== "object") throw new OptionsError("options", options, "{ signals?, timeoutMs? }");
  const signals = options.signals ?? (["SIGTERM", "SIGINT"] as const);
  if (!Array.isArray(signals) || signals.length === 0 || !signals.every((s) => typeof s === "string" && s.startsWith("SIG"))) {
    throw new OptionsError("signals", signals, 'a non-empty array of signal names such as ["SIGTERM", "SIGINT"]');
  }
  const timeoutMs = options.timeoutMs ?? Infinity;
  checkTimeout(timeoutMs, "timeoutMs");

  let installed = true;
  const uninstall = (): void => {
    if (!installed) return;
    installed = false;
    for (const signal of signals) process.off(signal, onSignal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    uninstall();
    void stopTree(sup, signal, timeoutMs);
  }
  for (const signal of signals) process.on(signal, onSignal);
  return uninstall;
}

async function stopTree(sup: Dest, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  const logger = getLogger();
  logger.info({ signal, supervisor: formatTerm(sup) }, `received ${signal}: stopping the supervision tree`);
  let stopped = false;
  if (timeoutMs !== Infinity) {
    // Unref'd: it never keeps the process alive by itself, it only cuts a stop or a drain that takes too long.
    const cut = (): void => {
      if (stopped) logger.warn({ timeoutMs }, "the supervision tree stopped but something else keeps the process alive: exiting");
      else logger.error({ timeoutMs }, "the supervision tree did not stop in time: exiting");
      process.exit(stopped ? 0 : 1);
    };
    setTimeout(cut, timerDelay(timeoutMs)).unref();
  }
  try {
    await stopServer(sup, "shutdown", Infinity);
    process.exitCode = 0;
  } catch (err) {
    if (err instanceof NoProcError) {
      logger.warn({ supervisor: formatTerm(sup) }, "the supervisor was already gone");
      process.exitCode = 0;
    } else {
      logger.error({ err: formatTerm(err) }, "stopping the supervision tree failed");
      process.exitCode = 1;
    }
  }
  stopped = true;
  logger.info({ signal }, "supervision tree stopped");
}
