/**
 * A mailbox for code that runs outside processes: scripts, tests, a REPL. An Inbox is a real
 * process (send to it, link it, monitor from it) whose messages are read with `inbox.receive`.
 */
import { OptionsError } from "../errors.ts";
import type { Pid } from "./pid.ts";
import { createProc, current, type Proc, terminate } from "./process.ts";
import { type Matcher, receiveIn } from "./receive.ts";

/** Options for `new Inbox()`. */
export interface InboxOptions {
  /** Receive exit signals from linked processes as `["EXIT", pid, reason]` messages. Default false. */
  readonly trapExit?: boolean;
}

/**
 * A process driven from outside: `receive` reads its mailbox, `run` executes code as the process.
 *
 * @example
 * ```ts
 * const inbox = new Inbox();
 * send(inbox.pid, ["hello", 1]);
 * await inbox.receive(); // ["hello", 1]
 * inbox.close();
 * ```
 */
export class Inbox {
  /** The Inbox's process id. */
  readonly pid: Pid;
  readonly #proc: Proc;

  constructor(options: InboxOptions = {}) {
    if (options === null || typeof options !== "object") throw new OptionsError("options", options, "{ trapExit?: boolean }");
    const trap = options.trapExit ?? false;
    if (typeof trap !== "boolean") throw new OptionsError("trapExit", trap, "a boolean");
    this.#proc = createProc();
    this.#proc.trapExit = trap;
    // Nobody can stop code outside a process, so its pending receives must reject instead.
    this.#proc.rejectOnExit = true;
    this.pid = this.#proc.pid;
  }

  /**
   * Waits for the oldest message `match` accepts, like `receive` inside a process.
   * @throws TimeoutError (rejection) when nothing matched within `timeoutMs`.
   * @throws ExitError (rejection) when the Inbox's process has ended (closed, or killed through a link).
   */
  receive<T = unknown>(match?: Matcher<T>, timeoutMs = Infinity): Promise<T> {
    return receiveIn(this.#proc, match, timeoutMs);
  }

  /**
   * Runs `fn` as this Inbox's process: `self()` is `inbox.pid`, `spawnLink` and `startLink` link to it,
   * `monitor` delivers here.
   */
  run<R>(fn: () => R | Promise<R>): Promise<R> {
    return current.run(this.#proc, async () => await fn());
  }

  /** The messages waiting, oldest first (a copy, for assertions and debugging). */
  peek(): unknown[] {
    return this.#proc.mailbox.toArray();
  }

  /** True until the Inbox is closed or killed. */
  get alive(): boolean {
    return this.#proc.alive;
  }

  /** Ends the Inbox's process with `reason` (linked processes get the signal). */
  close(reason: unknown = "normal"): void {
    terminate(this.#proc, reason);
  }
}
