/**
 * GenStatem: gen_statem's `handle_event_function` mode with state enter calls.
 */
import { call, cast, type From, reply, stopServer } from "./gen-call.ts";
import { startModule } from "./behaviour-process.ts";
import type { StartOptions } from "./start-options.ts";
import { moduleChildSpec } from "./module-child-spec.ts";
import type { ChildSpec } from "./child-spec-types.ts";
import type { MaybePromise } from "./maybe-promise.ts";
import type { Dest } from "../names/names.ts";
import type { Pid } from "../process/pid.ts";
import type { EventType, StatemInitResult, StatemResult } from "./statem-actions.ts";
import { GenStatemProcess } from "./gen-statem-process.ts";

/** A concrete GenStatem class. */
export type GenStatemModule = new () => GenStatem<any, any>;

/**
 * A state machine process, as Erlang's `gen_statem` in `handle_event_function` mode with state
 * enter calls: one `handleEvent` sees every event with the current state and data.
 *
 * @example
 * ```ts
 * class Door extends GenStatem<"locked" | "open", { code: string }> {
 *   override init(code: string) { return ["ok", "locked", { code }] as const; }
 *   override handleEvent(type: EventType, content: unknown, state: "locked" | "open", data: { code: string }) {
 *     if (type === "enter") return ["keep_state_and_data"] as const;
 *     if (Array.isArray(type) && type[0] === "call" && state === "locked" && content === data.code) {
 *       return ["next_state", "open", data, [["reply", type[1], "ok"], ["state_timeout", 1000, "lock"]]] as const;
 *     }
 *     if (type === "state_timeout") return ["next_state", "locked", data] as const;
 *     if (Array.isArray(type) && type[0] === "call") return ["keep_state_and_data", [["reply", type[1], "locked"]]] as const;
 *     return ["keep_state_and_data"] as const;
 *   }
 * }
 * const door = await Door.start("1234");
 * await GenStatem.call(door, "1234"); // "ok"
 * ```
 *
 * @remarks
 * Ordering follows gen_statem: the initial state gets an enter call (with itself as the old
 * state); after a transition, events inserted with `next_event` run first, then events postponed
 * in the previous state (only when the state changed), then the mailbox. A state timeout is
 * cancelled by a state change, an event timeout by any event, a generic timeout only by setting
 * it again (with `Infinity` to cancel). Enter calls may not change state, postpone or insert events.
 */
export abstract class GenStatem<StateName = unknown, Data = unknown> {
  /**
   * Runs in the new process before `start` resolves, with the `arg` given to `start`.
   *
   * - `["ok", state, data, actions?]`: start in `state` with `data`; the state's enter call runs
   *   first, then the actions (no `postpone`).
   * - `["stop", reason]`: `start` rejects with a `StartError` whose `reason` is `reason`.
   *
   * A throw fails the start the same way. Required: there is no default.
   */
  abstract init(arg: unknown): MaybePromise<StatemInitResult<StateName, Data>>;

  /**
   * Runs for every event, with the current state and data. `type` says what the event is:
   *
   * - `["call", from]`: a `GenStatem.call`; answer with a `["reply", from, value]` action or later
   *   with `GenStatem.reply(from, value)`.
   * - `"cast"`: a `GenStatem.cast`. `"info"`: any other message.
   * - `"internal"`: an event inserted with a `next_event` action.
   * - `"state_timeout"`, `"timeout"`, `["timeout", name]`: a timeout set by an action fired.
   * - `"enter"`: the state was entered; `content` is the previous state. An enter call may keep or
   *   repeat the state, set timeouts and reply, nothing else.
   *
   * Returns a {@link StatemResult}: `["next_state", state, data, actions?]`,
   * `["keep_state", data, actions?]`, `["keep_state_and_data", actions?]`,
   * `["repeat_state", data, actions?]`, `["stop", reason, data?]`, or
   * `["stop_and_reply", reason, replies, data?]`. Required: there is no default.
   */
  abstract handleEvent(type: EventType, content: unknown, state: StateName, data: Data): MaybePromise<StatemResult<StateName, Data>>;

  /**
   * Runs before the process exits, with the reason, state and data: after a `stop` result, when a
   * callback threw, on `GenStatem.stop`, and on a trapped exit signal from the parent; not when
   * `init` fails or the process is killed. Its result is ignored. Missing: nothing.
   */
  terminate(_reason: unknown, _state: StateName, _data: Data): unknown {
    return undefined;
  }

  /** Starts a state machine without a link. `GenStatem.start(Module, arg, opts)` is the same. */
  static start(this: GenStatemModule, arg?: unknown, options?: StartOptions): Promise<Pid>;
  static start<M extends GenStatemModule>(module: M, arg?: unknown, options?: StartOptions): Promise<Pid>;
  static start(this: unknown, ...args: unknown[]): Promise<Pid> {
    return startModule(GenStatem, this, args, false, statemProcess);
  }

  /** Starts a state machine linked to the caller. `GenStatem.startLink(Module, arg, opts)` is the same. */
  static startLink(this: GenStatemModule, arg?: unknown, options?: StartOptions): Promise<Pid>;
  static startLink<M extends GenStatemModule>(module: M, arg?: unknown, options?: StartOptions): Promise<Pid>;
  static startLink(this: unknown, ...args: unknown[]): Promise<Pid> {
    return startModule(GenStatem, this, args, true, statemProcess);
  }

  /**
   * A supervisor child spec, for `[Module, arg]`: id is the class, start is
   * `GenStatem.startLink(Module, arg)`. `GenStatem.childSpec(Module, arg)` is the same; a subclass
   * may declare its own `static childSpec(arg)` and `static startLink(arg)`.
   */
  static childSpec<M extends GenStatemModule>(module: M, arg: unknown): ChildSpec;
  static childSpec(this: GenStatemModule, arg: unknown): ChildSpec;
  static childSpec(this: unknown, ...args: unknown[]): ChildSpec {
    return moduleChildSpec(GenStatem, this, args, (module, arg) => GenStatem.startLink(module as GenStatemModule, arg));
  }

  /**
   * Calls the state machine (event type `["call", from]`) and waits for the reply.
   * @throws TimeoutError, NoProcError, ExitError as `GenServer.call`.
   */
  static call(dest: Dest, request: unknown, timeoutMs = 5000): Promise<unknown> {
    return call(dest, request, timeoutMs);
  }

  /** Sends a `"cast"` event; never fails. */
  static cast(dest: Dest, msg: unknown): void {
    cast(dest, msg);
  }

  /** Answers a call later (the action `["reply", from, value]` does the same from a result). */
  static reply(from: From, value: unknown): void {
    reply(from, value);
  }

  /**
   * Stops the state machine with `reason` (terminate runs) and waits until it exited.
   * @throws NoProcError when nothing answers to `dest`.
   * @throws TimeoutError when it has not exited within `timeoutMs` (default Infinity).
   */
  static stop(dest: Dest, reason: unknown = "normal", timeoutMs = Infinity): Promise<void> {
    return stopServer(dest, reason, timeoutMs);
  }
}

function statemProcess(module: GenStatemModule): GenStatemProcess {
  return new GenStatemProcess(module, new module());
}
