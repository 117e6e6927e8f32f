/**
 * The client's callback results, and their validation: anything outside a callback's union is a
 * `BadReturnError` naming the callback and the value. Validation returns the result itself, so
 * the hot path allocates nothing.
 */
import { BadReturnError, ParleyError } from "../runtime/errors.ts";
import { isPromiseLike } from "../runtime/predicates.ts";
import { guarded } from "../runtime/unreadable.ts";
import { type CloseFrame, type Frame, isCloseFrame, isFrame, readFrame } from "./frames.ts";
import type { ConnectOptions } from "./options.ts";
import { type ClientCodec, encodePush } from "./codec.ts";
import type { ConnectInfo } from "./connection.ts";
import type { From } from "../runtime/behaviours/gen-call.ts";
import type { MaybePromise } from "../runtime/behaviours/maybe-promise.ts";

/**
 * What `handleConnect`, `handleFrame`, `handlePing`, `handleInfo` and `handleCast` return. `Out`
 * is what a push takes: a `Frame`, or with a `codec` the value it encodes. `R` is the type of the
 * reasons this client gives in `["disconnect", reason, s]` (see {@link DisconnectReason}). Every
 * tag sets the new user state:
 *
 * - `["ok", state]`: carry on.
 * - `["push", frame, state]`: write `frame` now (with a codec: `encode(frame)`; a throw there, or
 *   a result that is no frame, is a `BadReturnError` naming the callback). Outside `connected` the frame is logged (warn) and
 *   dropped, and published on `parley:frame:dropped` with `why: "not_connected"`; a value that is
 *   not a valid Frame is a `BadReturnError`.
 * - `["disconnect", reason, state]`: close the connection with close frame 1000 (or give up the
 *   dial while connecting); once the socket is gone `handleDisconnect` runs with `reason`, and its
 *   answer decides whether to reconnect. Disconnected already: only a scheduled retry is called off.
 * - `["disconnect", reason, state, [code, text]]`: the same with your close frame (a code `ws` can
 *   send: 1000, 1001–1003, 1007–1014 or 3000–4999; text at most 123 UTF-8 bytes).
 * - `["stop", reason, state]`: close the connection (1000 for `"normal"`, 1001 for a shutdown, 1011
 *   otherwise), run `terminate`, exit with `reason`; `handleDisconnect` does not run.
 */
export type ClientResult<S, Out = Frame, R = unknown> =
  | readonly [tag: "ok", state: S]
  | readonly [tag: "push", frame: Out, state: S]
  | readonly [tag: "disconnect", reason: R, state: S]
  | readonly [tag: "disconnect", reason: R, state: S, close: CloseFrame]
  | readonly [tag: "stop", reason: unknown, state: S];

/**
 * What `handleCall` returns: any {@link ClientResult} (the call is then answered later, with
 * `Parley.reply(from, value)`), or `["reply", value, state]` to answer now with `value`.
 */
export type CallReplyResult<S, Out = Frame, R = unknown> = ClientResult<S, Out, R> | readonly [tag: "reply", value: unknown, state: S];

/**
 * What `handleDisconnect` returns: the decision after a failed attempt or a lost connection.
 *
 * - `["ok", state]`: follow the `reconnect` option (after `Parley.disconnect()`: stay down).
 * - `["reconnect", state]`: retry even without a `reconnect` option (default backoff).
 * - `["reconnect", state, { url?, headers?, protocols? }]`: the same, dialing with these from the
 *   next attempt on.
 * - `["disconnect", state]`: stay in `disconnected` until `Parley.connect`. If the very first dial
 *   could not reach the server, the client exits with `["error", cause]` instead.
 * - `["stop", reason, state]`: run `terminate` and exit with `reason`.
 */
export type DisconnectResult<S> =
  | readonly [tag: "ok", state: S]
  | readonly [tag: "reconnect", state: S]
  | readonly [tag: "reconnect", state: S, overrides: Partial<Pick<ConnectOptions, "url" | "headers" | "protocols">>]
  | readonly [tag: "disconnect", state: S]
  | readonly [tag: "stop", reason: unknown, state: S];

/**
 * What the client's `init` returns: `["ok", state]` to start (the first dial follows), or
 * `["stop", reason]` to make `start` reject with a `StartError` whose `reason` is `reason`.
 */
export type ClientInitResult<S> = readonly [tag: "ok", state: S] | readonly [tag: "stop", reason: unknown];

/**
 * The user's callbacks, as the machine calls them: what a Parley subclass provides. Results are
 * checked by the functions below, whatever their static type says.
 */
export interface ClientCallbacks {
  init(arg: unknown): MaybePromise<unknown>;
  handleConnect(state: unknown, info: ConnectInfo): MaybePromise<unknown>;
  handleFrame(frame: unknown, state: unknown): MaybePromise<unknown>;
  handlePing(payload: Uint8Array, state: unknown): MaybePromise<unknown>;
  handleInfo(msg: unknown, state: unknown): MaybePromise<unknown>;
  handleCast(msg: unknown, state: unknown): MaybePromise<unknown>;
  handleCall(request: unknown, from: From, state: unknown): MaybePromise<unknown>;
  handleDisconnect(reason: unknown, state: unknown, info: { readonly attempt: number }): MaybePromise<unknown>;
  terminate(reason: unknown, state: unknown): unknown;
}

/**
 * Checks a ClientResult (or, with `allowReply`, a CallReplyResult) and returns it. Every element is
 * read inside a guard, so a result with a throwing getter or a Proxy is a BadReturnError like any
 * other bad result, not a raw TypeError.
 * @throws BadReturnError naming `callback` and the value.
 */
export function checkClientResult(r: unknown, callback: string, allowReply = false): CallReplyResult<unknown> {
  if (guarded(() => isClientResult(r, allowReply), () => new BadReturnError(callback, r))) return r as CallReplyResult<unknown>;
  return bad(callback, r);
}

/**
 * Checks a DisconnectResult (overrides are validated where they are applied).
 * @throws BadReturnError naming `handleDisconnect` and the value.
 */
export function checkDisconnectResult(r: unknown): DisconnectResult<unknown> {
  if (guarded(() => isDisconnectResult(r), () => new BadReturnError("handleDisconnect", r))) return r as DisconnectResult<unknown>;
  return bad("handleDisconnect", r);
}

/**
 * Checks `init`'s result.
 * @throws BadReturnError naming `init` and the value.
 */
export function checkInitResult(r: unknown): ClientInitResult<unknown> {
  if (guarded(() => isInitResult(r), () => new BadReturnError("init", r))) return r as ClientInitResult<unknown>;
  return bad("init", r);
}

/**
 * Awaits a callback's result, then accepts it. Only a promise is awaited: `await` on any other
 * value reads its `then`, which a hostile value (a Proxy, a throwing getter) turns into a throw
 * that no check would name.
 */
export async function outcome<T>(r: unknown, accept: (value: unknown) => T): Promise<T> {
  return accept(isPromiseLike(r) ? await r : r);
}

/**
 * What the client applies of a callback's result: a copy, read exactly once, inside a guard,
 * then checked. A getter or a Proxy that answers one way to the check and another way later can
 * therefore never reach the client; any failure is a BadReturnError naming `callback` and `r`.
 * A pushed frame in the copy is the copy `readFrame` makes.
 */
export function acceptClientResult(r: unknown, callback: string, allowReply = false, codec?: ClientCodec): CallReplyResult<unknown> {
  // Every message's result comes through here: no closure per call. The copy is plain data, so
  // checking it cannot throw.
  const copy = readCopy(r, callback, codec);
  if (isClientResult(copy, allowReply)) return copy;
  return bad(callback, r);
}

/** {@link acceptClientResult} for `handleDisconnect`. */
export function acceptDisconnectResult(r: unknown): DisconnectResult<unknown> {
  return accept(r, "handleDisconnect", checkDisconnectResult);
}

/** {@link acceptClientResult} for `init`. */
export function acceptInitResult(r: unknown): ClientInitResult<unknown> {
  return accept(r, "init", checkInitResult);
}

function accept<T>(r: unknown, callback: string, check: (copy: unknown) => T): T {
  const copy = readCopy(r, callback, undefined);
  try {
    return check(copy);
  } catch {
    throw new BadReturnError(callback, r);
  }
}

/** What {@link keptState} returns for a result that is not `["ok", state]`. */
export const NOT_OK: unique symbol = Symbol("not ok");

/**
 * The state of an `["ok", state]` result, each element read once, or NOT_OK for any other result
 * (which `acceptClientResult` then reads and checks). The most common result thus costs no copy.
 * @throws BadReturnError naming `callback` when reading `r` throws.
 */
export function keptState(r: unknown, callback: string): unknown {
  try {
    // Array.isArray too throws, for a revoked Proxy.
    if (!Array.isArray(r) || r.length !== 2 || r[0] !== "ok") return NOT_OK;
    return r[1];
  } catch (err) {
    if (err instanceof ParleyError) throw err;
    throw new BadReturnError(callback, r);
  }
}

/** `ownCopy` inside a guard: what reading `r` throws (but a ParleyError) is a BadReturnError of `callback`. */
function readCopy(r: unknown, callback: string, codec: ClientCodec | undefined): unknown[] | undefined {
  try {
    return ownCopy(r, codec);
  } catch (err) {
    if (err instanceof ParleyError) throw err;
    throw new BadReturnError(callback, r);
  }
}

/**
 * A fresh array of a result-sized tuple's elements (and of its frame, encoded first with a codec:
 * a throw there is the callback's bad result), or undefined when `r` is none.
 */
function ownCopy(r: unknown, codec: ClientCodec | undefined): unknown[] | undefined {
  if (!Array.isArray(r)) return undefined;
  const length: unknown = r.length;
  if (typeof length !== "number" || length < 1 || length > MAX_RESULT_LENGTH) return undefined;
  const copy: unknown[] = [];
  for (let i = 0; i < length; i++) copy.push(r[i]);
  if (copy[0] === "push" && length === 3) copy[1] = frameOrUndefined(encodePush(codec, copy[1]));
  const close = copy[3];
  if (copy[0] === "disconnect" && Array.isArray(close)) copy[3] = close.length === 2 ? [close[0], close[1]] : undefined;
  return copy;
}

// Longest tuple of any result union: ["disconnect", reason, state, close].
const MAX_RESULT_LENGTH = 4;

/**
 * Reads every element of a result-sized array once, inside the caller's guard, so that a getter
 * that throws does so here, as a bad result, and not later while the result is applied.
 * False for an array that is not a tuple of a result's size.
 */
function readable(r: unknown[]): boolean {
  const length: unknown = r.length;
  if (typeof length !== "number" || length < 1 || length > MAX_RESULT_LENGTH) return false;
  for (let i = 0; i < length; i++) if (r[i] === UNREADABLE) return false;
  return true;
}

// No user value is this symbol: comparing against it only makes each read count.
const UNREADABLE = Symbol("unreadable");

function isClientResult(r: unknown, allowReply: boolean): r is CallReplyResult<unknown> {
  if (!Array.isArray(r) || !readable(r)) return false;
  switch (r[0]) {
    case "ok":
      return r.length === 2;
    case "push":
      return r.length === 3 && isFrame(r[1]);
    case "disconnect":
      return r.length === 3 || (r.length === 4 && isCloseFrame(r[3]));
    case "stop":
      return r.length === 3;
    case "reply":
      return allowReply && r.length === 3;
    default:
      return false;
  }
}

function isDisconnectResult(r: unknown): boolean {
  if (!Array.isArray(r) || !readable(r)) return false;
  const overrides: unknown = r[2];
  return (
    (r[0] === "ok" && r.length === 2) ||
    (r[0] === "reconnect" && (r.length === 2 || (r.length === 3 && overrides !== null && typeof overrides === "object"))) ||
    (r[0] === "disconnect" && r.length === 2) ||
    (r[0] === "stop" && r.length === 3)
  );
}

function isInitResult(r: unknown): boolean {
  return Array.isArray(r) && readable(r) && r.length === 2 && (r[0] === "ok" || r[0] === "stop");
}

function bad(callback: string, r: unknown): never {
  throw new BadReturnError(callback, r);
}

/** The copy `readFrame` makes of `value`, or undefined (which no check accepts) when it is no frame. */
function frameOrUndefined(value: unknown): Frame | undefined {
  try {
    return readFrame(value);
  } catch {
    return undefined;
  }
}
