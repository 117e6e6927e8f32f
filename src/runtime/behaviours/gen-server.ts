/**
 * GenServer: a process that keeps state and answers calls, casts and plain messages, one at a time.
 */
import { call, cast, type From, reply, stopServer } from "./gen-call.ts";
import { abcast, multiCall } from "./multi-call.ts";
import { startModule } from "./behaviour-process.ts";
import type { StartOptions } from "./start-options.ts";
import { moduleChildSpec } from "./module-child-spec.ts";
import { ServerProcess } from "./gen-server-process.ts";
import type { ChildSpec } from "./child-spec-types.ts";
import type { MaybePromise } from "./maybe-promise.ts";
import { getLogger, redact } from "../logger.ts";
import type { Dest } from "../names/names.ts";
import type { Pid } from "../process/pid.ts";
import { formatTerm } from "../format-term.ts";

/**
 * The optional last element of a GenServer result, as in Elixir:
 *
 * - `{ continue: c }`: run `handleContinue(c, state)` next, before any message (Elixir's
 *   `{:continue, c}`); a continue may return another.
 * - a number of ms: if no message arrives within that time, `handleInfo("timeout", state)` runs.
 *   Any message cancels it (a `sys` request does not restart it, as it does in Erlang); `Infinity`
 *   means none. GenStatem does not take it: it has its own timeouts.
 * - `"hibernate"`: accepted so ported code runs; it does nothing (V8 has no per-process heap to compact).
 */
export type Extra =
  | {
      /** What `handleContinue` gets as its first argument. */
      readonly continue: unknown;
    }
  | number
  | "hibernate";

/**
 * What `init` returns:
 *
 * - `["ok", state]`: start with `state`; `start` resolves the Pid.
 * - `["ok", state, extra]`: the same, then `extra` (see {@link Extra}): a continue runs after
 *   `start` resolved and before any message.
 * - `["stop", reason]`: refuse; `start` rejects with a `StartError` whose `reason` is `reason`.
 */
export type InitResult<S> = readonly ["ok", S] | readonly ["ok", S, Extra] | readonly ["stop", unknown];
/**
 * What `handleCall` returns:
 *
 * - `["reply", value, state]`: the call resolves `value`; go on with `state`.
 * - `["noreply", state]`: no answer yet; answer later with `GenServer.reply(from, value)`.
 * - `["stop", reason, value, state]`: the call resolves `value`, then the server stops with `reason`.
 * - `["stop", reason, state]`: stop with `reason` without answering (the caller gets an
 *   `ExitError`), as Erlang accepts.
 *
 * `reply` and `noreply` may end with an {@link Extra} (a continue runs after the reply went out).
 */
export type CallResult<S> =
  | readonly ["reply", unknown, S]
  | readonly ["reply", unknown, S, Extra]
  | readonly ["noreply", S]
  | readonly ["noreply", S, Extra]
  | readonly ["stop", unknown, unknown, S]
  | readonly ["stop", unknown, S];
/**
 * What `handleCast` returns: `["noreply", state]` to go on with `state` (optionally ending with an
 * {@link Extra}), or `["stop", reason, state]` to stop with `reason`.
 */
export type CastResult<S> = readonly ["noreply", S] | readonly ["noreply", S, Extra] | readonly ["stop", unknown, S];
/** What `handleInfo` returns: the same shapes as {@link CastResult}. */
export type InfoResult<S> = CastResult<S>;
/** What `handleContinue` returns: the same shapes as {@link CastResult}; a continue chains. */
export type ContinueResult<S> = CastResult<S>;

/** A concrete GenServer class. */
export type GenServerModule = new () => GenServer<any>;

/**
 * A process that holds state and serves requests one at a time, as Elixir's `GenServer`.
 *
 * @example
 * ```ts
 * class Counter extends GenServer<number> {
 *   override init(start: number) { return ["ok", start] as const; }
 *   override handleCall(req: "get", _from: From, n: number) { return ["reply", n, n] as const; }
 *   override handleCast(req: "inc", n: number) { return ["noreply", n + 1] as const; }
 * }
 * const pid = await Counter.start(0);
 * GenServer.cast(pid, "inc");
 * await GenServer.call(pid, "get"); // 1
 * ```
 *
 * @remarks
 * The client API (`start`, `call`, `cast`, `stop`) runs in the caller; the callbacks run in the
 * server's process, one event at a time: the next event waits until a callback's promise settles.
 * Every callback may be async. A throw, or a result outside the callback's union
 * (`BadReturnError`), crashes the server: `terminate` runs, a crash report is logged, and the
 * process exits with that reason so links and supervisors react.
 */
export abstract class GenServer<State = unknown> {
  /**
   * Runs in the new process before `start` (or `startLink`) resolves, with the `arg` given to
   * `start`; the caller waits until it returns (or until the `timeout` start option runs out).
   *
   * - `["ok", state]`: the server runs with `state`.
   * - `["stop", reason]`: `start` rejects with a `StartError` whose `reason` is `reason`; the process
   *   exits with it and `terminate` does not run.
   *
   * A throw fails the start the same way. Missing: `["ok", arg]`.
   */
  init(arg: unknown): MaybePromise<InitResult<State>> {
    return ["ok", arg as State];
  }

  /**
   * Runs for each `GenServer.call`, with the request, the caller's `from`, and the state. The
   * caller waits (5 s by default) for its answer.
   *
   * - `["reply", value, state]`: the call resolves `value`.
   * - `["noreply", state]`: no answer yet: keep `from` and answer later with
   *   `GenServer.reply(from, value)`, from this or a later callback.
   * - `["stop", reason, value, state]`: the call resolves `value`, then the server stops.
   * - `["stop", reason, state]`: the server stops without answering (the caller gets an `ExitError`).
   *
   * Missing: the server stops with `["bad_call", request]`, so the caller gets an `ExitError`.
   */
  handleCall(request: unknown, _from: From, state: State): MaybePromise<CallResult<State>> {
    return ["stop", ["bad_call", request], state];
  }

  /**
   * Runs for each `GenServer.cast`; nobody waits for it.
   *
   * - `["noreply", state]`: go on with `state`.
   * - `["stop", reason, state]`: stop with `reason`.
   *
   * Missing: the server stops with `["bad_cast", msg]`.
   */
  handleCast(msg: unknown, state: State): MaybePromise<CastResult<State>> {
    return ["stop", ["bad_cast", msg], state];
  }

  /**
   * Runs for every other message: plain sends, `sendAfter` timers, `["DOWN", ...]` from monitors,
   * `["EXIT", pid, reason]` when the server traps exits (except its parent's, which stops it),
   * and `"timeout"` when a result's idle timeout (see {@link Extra}) ran out with no message.
   *
   * - `["noreply", state]`: go on with `state`.
   * - `["stop", reason, state]`: stop with `reason`.
   *
   * Missing: the message is logged at warn level and the state kept.
   */
  handleInfo(msg: unknown, state: State): MaybePromise<InfoResult<State>> {
    // Not under `msg`: that is pino's message key, so the line's text would overwrite it.
    getLogger().warn({ module: this.constructor.name, message: formatTerm(redact(msg)) }, "unexpected message in handleInfo");
    return ["noreply", state];
  }

  /**
   * Runs when a result ended with `{ continue: cont }` (see {@link Extra}), right after that
   * callback and before any other message, `sys` requests included, as Elixir's `handle_continue`:
   * the place for work `init` should not hold `start` up with (loading state), or for work to do
   * after a reply went out.
   *
   * - `["noreply", state]`, optionally with an {@link Extra}: go on (another continue chains).
   * - `["stop", reason, state]`: stop with `reason`.
   *
   * A throw crashes the server with a report naming `handleContinue`. Missing: the server stops
   * with `["bad_continue", cont]` (Elixir fails with an undefined-function error).
   */
  handleContinue(cont: unknown, state: State): MaybePromise<ContinueResult<State>> {
    return ["stop", ["bad_continue", cont], state];
  }

  /**
   * Runs before the process exits, with the exit reason: after a `stop` result, when a callback
   * threw (or returned a `BadReturnError`), on `GenServer.stop`, and when the process traps exits
   * and its parent (a supervisor) sends an exit signal. It does not run when `init` fails, when
   * the process is killed or, without trapping exits, when a linked process dies: do not rely on
   * it for cleanup that must happen. Its result is ignored; a throw replaces the exit reason.
   * Missing: nothing.
   */
  terminate(_reason: unknown, _state: State): unknown {
    return undefined;
  }

  /** Starts a server without a link. `GenServer.start(Module, arg, opts)` is the same. */
  static start(this: GenServerModule, arg?: unknown, options?: StartOptions): Promise<Pid>;
  static start<M extends GenServerModule>(module: M, arg?: unknown, options?: StartOptions): Promise<Pid>;
  static start(this: unknown, ...args: unknown[]): Promise<Pid> {
    return startModule(GenServer, this, args, false, (module: GenServerModule) => new ServerProcess(module, new module()));
  }

  /** Starts a server linked to the calling process. `GenServer.startLink(Module, arg, opts)` is the same. */
  static startLink(this: GenServerModule, arg?: unknown, options?: StartOptions): Promise<Pid>;
  static startLink<M extends GenServerModule>(module: M, arg?: unknown, options?: StartOptions): Promise<Pid>;
  static startLink(this: unknown, ...args: unknown[]): Promise<Pid> {
    return startModule(GenServer, this, args, true, (module: GenServerModule) => new ServerProcess(module, new module()));
  }

  /**
   * A supervisor child spec, for `[Module, arg]`: id is the class, start is
   * `GenServer.startLink(Module, arg)`. `GenServer.childSpec(Module, arg)` is the same. A subclass
   * may declare its own `static childSpec(arg)` and `static startLink(arg)`, as an Elixir module
   * defines `child_spec/1` and `start_link/1`: both type-check over these.
   */
  static childSpec<M extends GenServerModule>(module: M, arg: unknown): ChildSpec;
  static childSpec(this: GenServerModule, arg: unknown): ChildSpec;
  static childSpec(this: unknown, ...args: unknown[]): ChildSpec {
    return moduleChildSpec(GenServer, this, args, (module, arg) => GenServer.startLink(module as GenServerModule, arg));
  }

  /**
   * Calls the server and waits for its reply.
   * @throws TimeoutError when no reply came within `timeoutMs` (default 5000).
   * @throws NoProcError when nothing answers to `dest`.
   * @throws ExitError when the server exited first (`reason` is its exit reason).
   */
  static call(dest: Dest, request: unknown, timeoutMs = 5000): Promise<unknown> {
    return call(dest, request, timeoutMs);
  }

  /** Sends a cast; never fails (a cast to a missing name is dropped, as in Elixir). */
  static cast(dest: Dest, msg: unknown): void {
    cast(dest, msg);
  }

  /** Answers a call that `handleCall` left with `["noreply", state]`. */
  static reply(from: From, value: unknown): void {
    reply(from, value);
  }

  /**
   * Stops the server with `reason` (its `terminate` runs) and waits until it exited.
   * @throws NoProcError when nothing answers to `dest`.
   * @throws TimeoutError when it has not exited within `timeoutMs` (default Infinity).
   */
  static stop(dest: Dest, reason: unknown = "normal", timeoutMs = Infinity): Promise<void> {
    return stopServer(dest, reason, timeoutMs);
  }

  /**
   * Calls the server registered as `name` on each of `nodes` (Erlang's `multi_call`): resolves
   * `[[node, reply]...], badNodes]`. See {@link multiCall}.
   */
  static multiCall(nodes: readonly string[], name: string, request: unknown, timeoutMs = 5000): Promise<[Array<[string, unknown]>, string[]]> {
    return multiCall(nodes, name, request, timeoutMs);
  }

  /** Casts to the server registered as `name` on each of `nodes` (Erlang's `abcast`); never fails. */
  static abcast(nodes: readonly string[], name: string, msg: unknown): void {
    abcast(nodes, name, msg);
  }
}
