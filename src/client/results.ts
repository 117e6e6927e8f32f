/**
 * The client's callback results, and their validation: anything outside a callback's union is a
 * `BadReturnError` naming the callback and the value. Validation returns the result itself, so
 * the hot path allocates nothing.
 */
import { BadReturnError } from "../runtime/errors.ts";
import { type CloseFrame, type Frame, isCloseFrame, isFrame } from "./frames.ts";
import type { ConnectOptions } from "./options.ts";
import type { ConnectInfo } from "./connection.ts";
import type { From } from "../runtime/behaviours/gen-call.ts";
import type { MaybePromise } from "../runtime/behaviours/maybe-promise.ts";

/**
 * What `handleConnect`, `handleFrame`, `handlePing`, `handleInfo` and `handleCast` return. `R` is
 * the type of the reasons this client gives in `["disconnect", reason, s]` (see
 * {@link DisconnectReason}). Every tag sets the new user state:
 *
 * - `["ok", state]`: carry on.
 * - `["push", frame, state]`: write `frame` now. Outside `connected` the frame is logged (warn) and
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
export type ClientResult<S, R = unknown> =
  | readonly [tag: "ok", state: S]
  | readonly [tag: "push", frame: Frame, state: S]
  | readonly [tag: "disconnect", reason: R, state: S]
  | readonly [tag: "disconnect", reason: R, state: S, close: CloseFrame]
  | readonly [tag: "stop", reason: unknown, state: S];

/**
 * What `handleCall` returns: any {@link ClientResult} (the call is then answered later, with
 * `Parley.reply(from, value)`), or `["reply", value, state]` to answer now with `value`.
 */
export type CallReplyResult<S, R = unknown> = ClientResult<S, R> | readonly [tag: "reply", value: unknown, state: S];

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
  handleFrame(frame: Frame, state: unknown): MaybePromise<unknown>;
  handlePing(payload: Uint8Array, state: unknown): MaybePromise<unknown>;
  handleInfo(msg: unknown, state: unknown): MaybePromise<unknown>;
  handleCast(msg: unknown, state: unknown): MaybePromise<unknown>;
  handleCall(request: unknown, from: From, state: unknown): MaybePromise<unknown>;
  handleDisconnect(reason: unknown, state: unknown, info: { readonly attempt: number }): MaybePromise<unknown>;
  terminate(reason: unknown, state: unknown): unknown;
}

/**
 * Checks a ClientResult (or, with `allowReply`, a CallReplyResult).
 * @throws BadReturnError naming `callback` and the value.
 */
export function checkClientResult(r: unknown, callback: string, allowReply = false): CallReplyResult<unknown> {
  if (Array.isArray(r)) {
    switch (r[0]) {
      case "ok":
        if (r.length === 2) return r as unknown as CallReplyResult<unknown>;
        break;
      case "push":
        if (r.length === 3 && isFrame(r[1])) return r as unknown as CallReplyResult<unknown>;
        break;
      case "disconnect":
        if (r.length === 3) return r as unknown as CallReplyResult<unknown>;
        if (r.length === 4 && isCloseFrame(r[3])) return r as unknown as CallReplyResult<unknown>;
        break;
      case "stop":
        if (r.length === 3) return r as unknown as CallReplyResult<unknown>;
        break;
      case "reply":
        if (allowReply && r.length === 3) return r as unknown as CallReplyResult<unknown>;
        break;
    }
  }
  throw new BadReturnError(callback, r);
}

/**
 * Checks a DisconnectResult (overrides are validated where they are applied).
 * @throws BadReturnError naming `handleDisconnect` and the value.
 */
export function checkDisconnectResult(r: unknown): DisconnectResult<unknown> {
  if (Array.isArray(r)) {
    const ok =
      (r[0] === "ok" && r.length === 2) ||
      (r[0] === "reconnect" && (r.length === 2 || (r.length === 3 && r[2] !== null && typeof r[2] === "object"))) ||
      (r[0] === "disconnect" && r.length === 2) ||
      (r[0] === "stop" && r.length === 3);
    if (ok) return r as unknown as DisconnectResult<unknown>;
  }
  throw new BadReturnError("handleDisconnect", r);
}

/**
 * Checks `init`'s result.
 * @throws BadReturnError naming `init` and the value.
 */
export function checkInitResult(r: unknown): ClientInitResult<unknown> {
  if (Array.isArray(r) && r.length === 2 && (r[0] === "ok" || r[0] === "stop")) return r as unknown as ClientInitResult<unknown>;
  throw new BadReturnError("init", r);
}
