/**
 * Parley: the base class of a supervised WebSocket client, and the functions that talk to one.
 */
import { OptionsError } from "../runtime/errors.ts";
import { call, callChecked, cast, type From, reply, stopServer } from "../runtime/behaviours/gen-call.ts";
import type { ChildSpec } from "../runtime/behaviours/child-spec-types.ts";
import { moduleChildSpec } from "../runtime/behaviours/module-child-spec.ts";
import type { MaybePromise } from "../runtime/behaviours/maybe-promise.ts";
import { type Dest, send } from "../runtime/names/names.ts";
import type { Pid } from "../runtime/process/pid.ts";
import type { ClientStatus } from "./client-data.ts";
import { ownStatus, startClient } from "./client-process.ts";
import type { ConnectInfo } from "./connection.ts";
import { claimedFrame, type Frame, type PongFrame, readFrame, validateCloseFrame } from "./frames.ts";
import { PullStream, recv } from "./pull.ts";
import { type ConnectOptions, validateOptions } from "./options.ts";
import { Connect, Disconnect, InvalidFrameAsync, Send, SendFrame, SendFrameAsync, Status } from "./requests.ts";
import { guarded } from "../runtime/unreadable.ts";
import type { CallReplyResult, ClientInitResult, ClientResult, DisconnectResult } from "./results.ts";

/** A concrete client class. */
export type ParleyModule = new () => Parley<any, any, any, any>;

/**
 * Why a connection attempt failed or a connection was lost, as `handleDisconnect` sees it:
 *
 * - `"closed"`: `Parley.disconnect()` closed it.
 * - `["remote_close", code, text]`: the server closed it (code 1005 when its close frame had none).
 * - `["error", err]`: a transport or protocol error; a refused upgrade is an `UpgradeError` with
 *   `statusCode` and `headers`.
 * - `"connect_timeout"`: no upgrade within `connectTimeout`.
 * - `"heartbeat_timeout"`: nothing arrived within the heartbeat's `timeout` after a ping.
 * - `R`: the reason your own `["disconnect", reason, s]` result gave (`R` is the second type
 *   parameter of {@link Parley}; without one it is `unknown`, as any reason may come back).
 */
export type DisconnectReason<R = never> =
  | "closed"
  | readonly ["remote_close", code: number, text: string]
  | readonly ["error", err: Error]
  | "connect_timeout"
  | "heartbeat_timeout"
  | R;

/**
 * A WebSocket client that runs as a process: it connects, calls your callbacks with what arrives,
 * reconnects with backoff when told to, and lives under a supervisor like any OTP worker. `S` is
 * the user state. `In` is what arrives and `Out` what you send (both `Frame` unless the `codec`
 * option decodes and encodes other values; give the codec's types, e.g. `Parley<S, JsonValue,
 * Msg>` with `codecs.json`). `R` is the reasons your `["disconnect", reason, s]` results give,
 * which come back to `handleDisconnect`.
 *
 * @example
 * ```ts
 * class Echo extends Parley<string[]> {
 *   override handleConnect(seen: string[]) { return ["push", ["text", "hello"], seen] as const; }
 *   override handleFrame(frame: Frame, seen: string[]) {
 *     return ["ok", frame[0] === "text" ? [...seen, frame[1]] : seen] as const;
 *   }
 * }
 * const pid = await Echo.start([], { url: "ws://127.0.0.1:8080", reconnect: true });
 * await Parley.sendFrame(pid, ["text", "hi"]);
 * ```
 *
 * @remarks
 * Every callback is optional and may be async; the default returns `["ok", state]`. Callbacks run
 * in the client's process one event at a time. A throw, or a result outside the callback's union
 * (`BadReturnError`), stops the client: close frame 1011, `terminate`, exit. The results other
 * callbacks share are described once, at {@link ClientResult}. See the README for the lifecycle,
 * the options and the telemetry channels.
 */
export abstract class Parley<S = unknown, In = Frame, Out = Frame, R = unknown> {
  /**
   * Runs in the new process before `start` resolves, before any network I/O.
   *
   * - `["ok", state]`: start with `state`; the first dial begins.
   * - `["stop", reason]`: `start` rejects with a `StartError` whose `reason` is `reason`.
   *
   * Missing: `["ok", arg]`.
   */
  init(arg: unknown): MaybePromise<ClientInitResult<S>> {
    return ["ok", arg as S];
  }

  /**
   * Runs after every successful upgrade, once the attempt count is reset, with the upgrade's
   * response headers and subprotocol. A pushed frame goes out first, then the frames queued while
   * connecting or waiting to retry, in order; `["disconnect", ...]` closes the new connection and
   * the queued frames wait for the decision that follows (a retry keeps them), `["stop", ...]`
   * fails them. Returns a {@link ClientResult}. Missing: `["ok", state]`.
   */
  handleConnect(state: S, _info: ConnectInfo): MaybePromise<ClientResult<S, Out, R>> {
    return ["ok", state];
  }

  /**
   * Runs for each text, binary or pong frame from the current connection, in arrival order,
   * after `parley:frame:received` is published; not in pull mode (`active: false`). With a
   * `codec`, a text or binary frame arrives decoded (`In`); a pong stays a frame. Returns a
   * {@link ClientResult}:
   *
   * - `["ok", state]`: carry on.
   * - `["push", frame, state]`: answer with a frame.
   * - `["disconnect", reason, state, close?]`: close; `handleDisconnect` gets `reason`.
   * - `["stop", reason, state]`: close and exit.
   *
   * Missing: `["ok", state]` (the frame is ignored).
   */
  handleFrame(_frame: In | PongFrame, state: S): MaybePromise<ClientResult<S, Out, R>> {
    return ["ok", state];
  }

  /**
   * Runs for each ping from the server, after its pong (same payload) was sent. Returns a
   * {@link ClientResult}. Missing: `["ok", state]`.
   */
  handlePing(_payload: Uint8Array, state: S): MaybePromise<ClientResult<S, Out, R>> {
    return ["ok", state];
  }

  /**
   * Runs for any other message, in every state: plain sends, timers, `["EXIT", pid, reason]` from
   * linked processes other than the parent (the client traps exits). Returns a
   * {@link ClientResult}; a push while connecting or waiting to retry is queued (see
   * `Parley.sendFrame`), in any other state outside `connected` logged and dropped. Missing:
   * `["ok", state]` (the message is ignored).
   */
  handleInfo(_msg: unknown, state: S): MaybePromise<ClientResult<S, Out, R>> {
    return ["ok", state];
  }

  /** Runs for each `Parley.cast`. Returns a {@link ClientResult}. Missing: `["ok", state]`. */
  handleCast(_msg: unknown, state: S): MaybePromise<ClientResult<S, Out, R>> {
    return ["ok", state];
  }

  /**
   * Runs for each `Parley.call`, with the caller's `from`.
   *
   * - `["reply", value, state]`: the call resolves `value` now.
   * - any {@link ClientResult}: no answer yet; keep `from` and answer later with
   *   `Parley.reply(from, value)`, for instance when the response frame arrives. The caller waits
   *   until then, or until its timeout.
   *
   * Missing: the client stops with `["bad_call", request]`, so the caller gets an `ExitError` at
   * once, as from a GenServer without `handle_call` in Elixir.
   */
  handleCall(request: unknown, _from: From, state: S): MaybePromise<CallReplyResult<S, Out, R>> {
    return ["stop", ["bad_call", request], state];
  }

  /**
   * Runs once per failed attempt and once per lost connection, with why ({@link DisconnectReason})
   * and `info.attempt` (0 for the first dial and for a lost connection, n for the n-th retry).
   *
   * - `["ok", state]`: follow the `reconnect` option (never after `Parley.disconnect()`).
   * - `["reconnect", state, overrides?]`: retry even without a `reconnect` option; `overrides` may
   *   change `url`, `headers` or `protocols` from the next dial on.
   * - `["disconnect", state]`: stay down until `Parley.connect`.
   * - `["stop", reason, state]`: exit with `reason`.
   *
   * Missing: `["ok", state]`. Either way, staying down after a first dial that could not reach the
   * server exits with `["error", cause]`.
   */
  handleDisconnect(_reason: DisconnectReason<R>, state: S, _info: { readonly attempt: number }): MaybePromise<DisconnectResult<S>> {
    return ["ok", state];
  }

  /**
   * Runs before the client exits, on every exit path but a kill: after a `stop` result, a throw,
   * `Parley.stop`, or the supervisor's shutdown; the connection is already closing (1000 for
   * `"normal"`, 1001 for a shutdown, 1011 otherwise). Not when `init` fails. The result is ignored.
   * Missing: nothing.
   */
  terminate(_reason: unknown, _state: S): unknown {
    return undefined;
  }

  /** Starts a client without a link; `Parley.start(Module, arg, opts)` is the same. */
  static start(this: ParleyModule, arg: unknown, options: ConnectOptions): Promise<Pid>;
  static start<M extends ParleyModule>(module: M, arg: unknown, options: ConnectOptions): Promise<Pid>;
  static start(this: unknown, ...args: unknown[]): Promise<Pid> {
    return startClient(Parley, this, args, false);
  }

  /** Starts a client linked to the caller; `Parley.startLink(Module, arg, opts)` is the same. */
  static startLink(this: ParleyModule, arg: unknown, options: ConnectOptions): Promise<Pid>;
  static startLink<M extends ParleyModule>(module: M, arg: unknown, options: ConnectOptions): Promise<Pid>;
  static startLink(this: unknown, ...args: unknown[]): Promise<Pid> {
    return startClient(Parley, this, args, true);
  }

  /**
   * A supervisor child spec for `[MyClient, [arg, opts]]`: id is the class, start is
   * `Parley.startLink(MyClient, arg, opts)`. `Parley.childSpec(MyClient, [arg, opts])` is the same.
   * A subclass may declare its own `static childSpec(arg)` and `static startLink(arg)`, as an
   * Elixir module defines `child_spec/1` and `start_link/1` (then `[MyClient, arg]` is checked
   * against its `childSpec`).
   * @throws OptionsError when the argument is not `[initArg, options]` or the options are invalid.
   */
  static childSpec<M extends ParleyModule, A extends readonly [arg: unknown, options: ConnectOptions]>(module: M, argAndOptions: A): ChildSpec;
  static childSpec<A extends readonly [arg: unknown, options: ConnectOptions]>(this: ParleyModule, argAndOptions: A): ChildSpec;
  static childSpec(this: unknown, ...args: unknown[]): ChildSpec {
    const argAndOptions = this === Parley ? args[1] : args[0];
    if (!Array.isArray(argAndOptions) || argAndOptions.length !== 2) {
      throw new OptionsError("child argument", argAndOptions, "[initArg, options]");
    }
    validateOptions(argAndOptions[1]);
    const [arg, options] = argAndOptions as [unknown, ConnectOptions];
    return moduleChildSpec(Parley, this, args, (module) => Parley.startLink(module as ParleyModule, arg, options));
  }

  /**
   * Sends a frame. Connected: resolves once written to the socket. Connecting, or disconnected
   * with a retry scheduled: queued (with `sendFrameAsync` frames and pushes, in order, up to
   * `maxQueue`), resolves once written after the next `handleConnect` and its push. It rejects
   * `NotConnectedError` when the client gives up instead: no retry follows (reconnect off,
   * `["disconnect", s]` from `handleDisconnect`, `Parley.disconnect`), the retries are exhausted,
   * or the client stops.
   *
   * `timeout` bounds how stale the frame may get: once it runs out the call rejects
   * `TimeoutError` and the frame is never sent, even if the connection opens later (it is
   * reported on `parley:frame:dropped` as `"expired"`).
   *
   * @example
   * ```ts
   * // An order must not go out late: if it is not on the wire within 200 ms, cancel it here.
   * try {
   *   await Parley.sendFrame("exchange", ["text", JSON.stringify(order)], { timeout: 200 });
   * } catch (err) {
   *   if (!(err instanceof TimeoutError)) throw err;
   *   cancelled.push(order.id); // it will not be sent after this
   * }
   * ```
   * @throws InvalidFrameError (rejection) for a malformed frame; the connection is untouched.
   * @throws NotConnectedError (rejection) while closing, or disconnected with no retry scheduled.
   * @throws QueueFullError (rejection) when `maxQueue` frames already wait.
   * @throws TimeoutError (rejection) when the frame was not written within `timeout` ms.
   */
  static async sendFrame(dest: Dest, frame: Frame, options?: { readonly timeout?: number }): Promise<void> {
    const valid = readFrame(frame);
    // callChecked checks the timeout itself, as every call does.
    const timeout = callOption(options, "timeout", Infinity) as number;
    // A number check first, so a bad timeout is callChecked's OptionsError, not a NaN deadline.
    const deadline = typeof timeout === "number" ? performance.now() + timeout : Infinity;
    await callChecked(dest, new SendFrame(valid, deadline), timeout);
  }

  /**
   * Sends a message through the client's `codec` (Glock's `handle_send`): `encode(msg)`, then as
   * {@link Parley.sendFrame}. Without a codec, `msg` is a frame and this is `sendFrame`.
   * @throws the error `encode` threw (rejection); the connection is untouched.
   * @throws InvalidFrameError (rejection) when `encode` returned no frame (or without a codec,
   *   `msg` is none); the connection is untouched.
   * @throws NotConnectedError, QueueFullError, TimeoutError (rejection) as `sendFrame`.
   */
  static async send<Out = Frame>(dest: Dest, msg: Out, options?: { readonly timeout?: number }): Promise<void> {
    const timeout = callOption(options, "timeout", Infinity) as number;
    const deadline = typeof timeout === "number" ? performance.now() + timeout : Infinity;
    await callChecked(dest, new Send(msg, deadline), timeout);
  }

  /**
   * The next frame received by a client started with `active: false` (hackney_ws's `recv`): a
   * text, binary or pong frame, in arrival order; with a `codec`, text and binary frames come
   * decoded (`In`). Frames from before a reconnect come first, then the new connection's. With
   * several consumers, each frame goes to whichever asked first.
   * @param timeoutMs - how long to wait for a frame, default 5000; `Infinity` for ever.
   * @throws TimeoutError (rejection, `operation` `"Parley.recv"`) when no frame arrives in time,
   *   also while the client is down but will retry.
   * @throws NotConnectedError (rejection) when no frame waits, the client is disconnected and no
   *   retry is scheduled.
   * @throws OptionsError (rejection) for a client started with `active: true` (the default), or a
   *   bad timeout.
   * @throws ExitError (rejection) with the client's exit reason when it stops meanwhile.
   */
  static recv<In = Frame>(dest: Dest, timeoutMs = 5000): Promise<In | PongFrame> {
    return recv(dest, timeoutMs) as Promise<In | PongFrame>;
  }

  /**
   * Every frame a client started with `active: false` receives, in order, as `Parley.recv` gives
   * them (Glock's `stream/1`), across reconnects; the loop ends when the client exits. While it is
   * down without a retry, the loop waits for `Parley.connect`. Breaking out of the loop keeps the
   * connection; frames the stream had fetched but not yet yielded go back to the client, first in
   * line. Frames are fetched in batches, so a fast consumer pays one call per batch, not per frame.
   * @throws OptionsError (from the loop) for a client started with `active: true`.
   * @throws NoProcError (from the loop) when nothing answers to `dest` at the first fetch.
   * @example
   * ```ts
   * for await (const frame of Parley.stream(pid)) console.log(frame);
   * ```
   */
  static stream<In = Frame>(dest: Dest): AsyncIterable<In | PongFrame> {
    return new PullStream(dest) as AsyncIterable<In | PongFrame>;
  }

  /**
   * Sends a frame without waiting; never throws. What cannot be delivered is published on
   * `parley:frame:dropped`. The frame is checked and copied here, on the caller's side: a value
   * that is not a frame (or fights back: a throwing getter, a revoked Proxy) never reaches the
   * client, which only learns its claimed type and size, to report it as `invalid_frame`.
   */
  static sendFrameAsync(dest: Dest, frame: Frame): void {
    let msg: SendFrameAsync | InvalidFrameAsync;
    try {
      msg = new SendFrameAsync(readFrame(frame));
    } catch {
      const claimed = claimedFrame(frame);
      msg = new InvalidFrameAsync(claimed.type, claimed.size);
    }
    try {
      // Straight to the mailbox, not wrapped as a cast: this is the hot path of a busy sender.
      send(dest, msg);
    } catch {
      // An unknown name or a malformed destination: nothing to deliver to, and this never throws.
    }
  }

  /**
   * Closes the connection (close frame `code`, default 1000), waits up to `closeTimeout` for the
   * server's close, and resolves once back in `disconnected` after `handleDisconnect` ran. It does
   * not reconnect unless `handleDisconnect` returns `["reconnect", ...]`.
   * @throws OptionsError (rejection) for a close code or reason `ws` cannot send.
   */
  static async disconnect(dest: Dest, options?: { readonly code?: number; readonly reason?: string }): Promise<void> {
    const [code, reason] = validateCloseFrame(callOption(options, "code", 1000), callOption(options, "reason", ""));
    await callChecked(dest, new Disconnect(code, reason), Infinity);
  }

  /**
   * From `disconnected`: connects now with a fresh attempt count (0), calling off a scheduled
   * retry. In any other state it resolves at once and changes nothing.
   * @throws TimeoutError, NoProcError, ExitError as `Parley.call` (with a 5000 ms limit).
   */
  static async connect(dest: Dest): Promise<void> {
    await callChecked(dest, new Connect(), 5000);
  }

  /**
   * A snapshot of the client's connection: state, URL (redacted), attempt number and queued
   * frames. See {@link ClientStatus}. Asked by the client about itself (`Parley.status(self())`
   * in one of its callbacks), it answers at once instead of calling itself.
   * @throws TimeoutError, NoProcError, ExitError as `Parley.call`.
   */
  static async status(dest: Dest, timeoutMs = 5000): Promise<ClientStatus> {
    return ownStatus(dest) ?? ((await callChecked(dest, new Status(), timeoutMs)) as ClientStatus);
  }

  /** Sends a cast to `handleCast`; never fails. */
  static cast(dest: Dest, msg: unknown): void {
    cast(dest, msg);
  }

  /**
   * Calls `handleCall` and waits for the reply.
   * @throws TimeoutError, NoProcError, ExitError as `GenServer.call`.
   */
  static call(dest: Dest, request: unknown, timeoutMs = 5000): Promise<unknown> {
    return call(dest, request, timeoutMs);
  }

  /** Answers a call that `handleCall` did not answer with `["reply", value, state]`; a second reply is ignored. */
  static reply(from: From, value: unknown): void {
    reply(from, value);
  }

  /**
   * Stops the client with `reason`: close frame (1000 for `"normal"`, 1001 for a shutdown, 1011
   * otherwise) when connected, then `terminate`, then exit; `handleDisconnect` does not run.
   * @throws NoProcError when nothing answers to `dest`.
   * @throws TimeoutError when it has not exited within `timeoutMs` (default Infinity).
   */
  static stop(dest: Dest, reason: unknown = "normal", timeoutMs = Infinity): Promise<void> {
    return stopServer(dest, reason, timeoutMs);
  }
}

/**
 * Reads `options[key]` of a call's options object (`undefined` when the object or the key is
 * missing), as the option's OptionsError when the object is not one or reading it throws.
 */
function callOption(options: unknown, key: string, fallback: unknown): unknown {
  return guarded(
    () => {
      if (options === undefined) return fallback;
      if (options === null || typeof options !== "object") throw new OptionsError("options", options, `an object with ${key}`);
      const value = (options as Record<string, unknown>)[key];
      return value === undefined ? fallback : value;
    },
    (unreadable) => new OptionsError(key, unreadable, "a value whose properties can be read"),
  );
}
