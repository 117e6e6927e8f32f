// What the runtime and supervisor tests share: per-test setup (the logger writes to memory while a
// test runs, and the Inboxes and processes a test makes are gone after it), waits and error matchers.
import { afterEach, beforeEach, expect } from "vitest";
import { OptionsError } from "../../src/runtime/errors.ts";
import { Inbox } from "../../src/runtime/process/inbox.ts";
import type { Pid } from "../../src/runtime/process/pid.ts";
import { receive } from "../../src/runtime/process/receive.ts";
import { exit, self, spawn } from "../../src/runtime/process/spawn.ts";
import { send } from "../../src/runtime/names/names.ts";
import { captureLogs, type LogCapture, type LogLine } from "./logs.ts";

/** How long a runtime test waits for a message it expects. */
export const WAIT = 1000;

/** What {@link useProcesses} gives a test file. */
export interface TestProcesses {
  /** A new Inbox, trapping exits when `trap`; closed after the test. */
  inbox(trap?: boolean): Inbox;
  /** Kills these processes after the test (those already gone are skipped by `exit`). */
  killAfterTest(...pids: Pid[]): void;
  /** A process that waits for ever; killed after the test. */
  idle(): Pid;
}

/**
 * Installs a memory logger (see `captureLogs`) before each test of the file and puts the previous
 * logger back after it. The returned capture always shows the running test's lines.
 *
 * Vitest runs afterEach hooks in reverse order, so call this before {@link useProcesses}: the
 * logger then stays in memory until the test's processes are gone.
 */
export function useLogCapture(): Pick<LogCapture, "lines" | "errors"> {
  let current: LogCapture | undefined;
  beforeEach(() => {
    current = captureLogs();
  });
  afterEach(() => current?.restore());
  return {
    get lines(): LogLine[] {
      return running(current).lines;
    },
    errors: () => running(current).errors(),
  };
}

/**
 * Registers an afterEach that kills the processes handed to `killAfterTest` (and `idle` ones),
 * then closes every Inbox made with `inbox`, so no test leaves a process behind.
 */
export function useProcesses(): TestProcesses {
  const pids: Pid[] = [];
  const inboxes: Inbox[] = [];
  afterEach(() => {
    for (const pid of pids.splice(0)) exit(pid, "kill");
    for (const inbox of inboxes.splice(0)) inbox.close();
  });
  return {
    inbox(trap = false) {
      const box = new Inbox({ trapExit: trap });
      inboxes.push(box);
      return box;
    },
    killAfterTest(...more) {
      pids.push(...more);
    },
    idle() {
      const pid = spawn(() => receive(() => undefined));
      pids.push(pid);
      return pid;
    },
  };
}

/** Matches the NoProcessContextError message of `op()` called outside a process. */
export function outsideProcess(op: string): RegExp {
  return new RegExp(`^${op}\\(\\) must run inside a process \\(use spawn, an Inbox, or inbox\\.run\\)$`);
}

/** Waits for the `["DOWN", ref, …]` message of `ref` in `box` and returns it whole. */
export function downMessage(box: Inbox, ref: unknown): Promise<unknown> {
  return box.receive((m) => (Array.isArray(m) && m[0] === "DOWN" && m[1] === ref ? m : undefined), WAIT);
}

/** Asserts that `fn` throws an OptionsError whose whole message is `message`, and returns it. */
export function expectOptionsError(fn: () => unknown, message: string): OptionsError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(OptionsError);
  expect((thrown as Error).message).toMatch(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
  return thrown as OptionsError;
}

function running(capture: LogCapture | undefined): LogCapture {
  if (capture === undefined) throw new Error("useLogCapture: no test is running");
  return capture;
}

/** A function for a task that tells `to` its pid, then waits for "go" and returns `value`. */
export function held<T>(to: Pid, value: T): () => Promise<T> {
  return async () => {
    send(to, ["task", self()]);
    await receive((m) => (m === "go" ? m : undefined));
    return value;
  };
}

/** The pid a {@link held} task told `box`. */
export const taskPid = (box: Inbox): Promise<Pid> => box.receive((m) => (Array.isArray(m) && m[0] === "task" ? (m[1] as Pid) : undefined), WAIT);
