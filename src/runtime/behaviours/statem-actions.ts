/**
 * GenStatem's result and action vocabulary, and the pure parsing of a callback's result into a
 * transition, the engine's own vocabulary. Anything outside the unions is a `BadReturnError`
 * naming the callback and the value. A machine the runtime trusts (the client's) builds its
 * transitions directly with the builders at the end, so each result is validated once.
 */
import { BadReturnError } from "../errors.ts";
import { asBadReturn } from "../unreadable.ts";
import type { From } from "./gen-call.ts";
import type { Term } from "../names/names-types.ts";
import { termKey } from "../names/term-key.ts";

/** The kind of event `handleEvent` receives (see `GenStatem.handleEvent` for each). */
export type EventType =
  | readonly ["call", From]
  | "cast"
  | "info"
  | "internal"
  | "state_timeout"
  | "timeout"
  | readonly ["timeout", Term]
  | "enter";

/**
 * What a transition may ask for besides the new state and data, applied in order:
 *
 * - `["reply", from, value]`: answer the call `from` with `value`.
 * - `"postpone"`: keep this event and retry it after the next state change.
 * - `["next_event", type, content]`: handle this event next, before the mailbox.
 * - `["state_timeout", ms, content]`: a `"state_timeout"` event after `ms`, cancelled by any
 *   state change; `Infinity` cancels it.
 * - `["timeout", ms, content]`: a `"timeout"` event after `ms` unless another event comes first.
 * - `[["timeout", name], ms, content]`: a generic timeout: cancelled only by setting it again
 *   (`Infinity` cancels it).
 */
export type Action =
  | readonly ["reply", From, unknown]
  | "postpone"
  | readonly ["next_event", EventType, unknown]
  | readonly ["state_timeout", number, unknown]
  | readonly ["timeout", number, unknown]
  | readonly [readonly ["timeout", Term], number, unknown];

/**
 * What `handleEvent` returns:
 *
 * - `["next_state", state, data, actions?]`: go to `state` (its enter call runs when it changed).
 * - `["keep_state", data, actions?]`: same state, new data.
 * - `["keep_state_and_data", actions?]`: nothing changes but what the actions do.
 * - `["repeat_state", data, actions?]`: same state, but its enter call runs again.
 * - `["stop", reason, data?]`: stop with `reason`.
 * - `["stop_and_reply", reason, replies, data?]`: send the `["reply", from, value]` actions, then stop.
 */
export type StatemResult<S, D> =
  | readonly [tag: "next_state", state: S, data: D, actions?: readonly Action[]]
  | readonly [tag: "keep_state", data: D, actions?: readonly Action[]]
  | readonly [tag: "keep_state_and_data", actions?: readonly Action[]]
  | readonly [tag: "repeat_state", data: D, actions?: readonly Action[]]
  | readonly [tag: "stop", reason: unknown, data?: D]
  | readonly [tag: "stop_and_reply", reason: unknown, replies: readonly Action[], data?: D];

/**
 * What a GenStatem's `init` returns: `["ok", state, data, actions?]` to start in `state`, or
 * `["stop", reason]` to make `start` reject with a `StartError` whose `reason` is `reason`.
 */
export type StatemInitResult<S, D> =
  | readonly [tag: "ok", state: S, data: D, actions?: readonly Action[]]
  | readonly [tag: "stop", reason: unknown];

/** One event, as queued for `handleEvent`. */
export interface StatemEvent {
  readonly type: EventType;
  readonly content: unknown;
}

/** A timeout to start (or, with `ms === Infinity`, to cancel). */
export interface TimeoutAction {
  readonly kind: "state_timeout" | "timeout" | "generic";
  /** For generic timeouts: the name, and its structural key. */
  readonly name: Term | undefined;
  readonly key: string;
  readonly ms: number;
  readonly content: unknown;
}

/**
 * A result, normalised: what the engine applies. `state` is only meaningful for "next"; an init
 * result is a "next" (start in `state`) or a "stop".
 */
export type Transition =
  | { readonly kind: "next" | "keep" | "repeat"; readonly state: unknown; readonly data: unknown; readonly keepData: boolean; readonly actions: ParsedActions }
  | { readonly kind: "stop"; readonly reason: unknown; readonly data: unknown; readonly keepData: boolean; readonly actions: ParsedActions };

export interface ParsedActions {
  readonly replies: ReadonlyArray<readonly [From, unknown]>;
  readonly postpone: boolean;
  readonly nextEvents: readonly StatemEvent[];
  readonly timeouts: readonly TimeoutAction[];
}

/** No actions: shared by every transition without any, so the engine can tell them at a glance. */
export const NO_ACTIONS: ParsedActions = Object.freeze({ replies: [], postpone: false, nextEvents: [], timeouts: [] });
const KEEP_STATE_AND_DATA: Transition = Object.freeze({ kind: "keep", state: undefined, data: undefined, keepData: true, actions: NO_ACTIONS });

/**
 * Parses `result`, as returned by `callback`.
 * @throws BadReturnError for a result or action outside the unions.
 */
export function parseResult(result: unknown, callback: string): Transition {
  try {
    return readResult(result, callback);
  } catch (err) {
    // Reading a hostile result (a getter, a Proxy trap) threw: a bad result like any other.
    throw asBadReturn(err, callback, result);
  }
}

function readResult(result: unknown, callback: string): Transition {
  // The most common result by far: no allocation for it.
  if (Array.isArray(result) && result.length === 1 && result[0] === "keep_state_and_data") return KEEP_STATE_AND_DATA;
  const t = Array.isArray(result) ? transitionOf(result, callback) : undefined;
  if (t === undefined) throw new BadReturnError(callback, result);
  return t;
}

/**
 * Parses what a GenStatem's `init` returned: `["ok", state, data, actions?]` as a "next" to
 * `state`, `["stop", reason]` as a "stop".
 * @throws BadReturnError naming `init` for anything else, postpone among the actions included.
 */
export function parseInitResult(r: unknown): Transition {
  try {
    return readInitResult(r);
  } catch (err) {
    throw asBadReturn(err, "init", r);
  }
}

function readInitResult(r: unknown): Transition {
  if (Array.isArray(r) && r[0] === "stop" && r.length === 2) return stopWith(r[1]);
  if (!Array.isArray(r) || r[0] !== "ok" || r.length < 3 || r.length > 4) throw new BadReturnError("init", r);
  const actions = parseActions(r[3], "init", r);
  if (actions.postpone) throw new BadReturnError("init", r);
  return nextState(r[1], r[2], actions);
}

/** The transition a result asks for, or undefined when its shape is wrong. */
function transitionOf(r: readonly unknown[], callback: string): Transition | undefined {
  switch (r[0]) {
    case "next_state":
      if (r.length < 3 || r.length > 4) return undefined;
      return { kind: "next", state: r[1], data: r[2], keepData: false, actions: parseActions(r[3], callback, r) };
    case "keep_state":
      if (r.length < 2 || r.length > 3) return undefined;
      return { kind: "keep", state: undefined, data: r[1], keepData: false, actions: parseActions(r[2], callback, r) };
    case "keep_state_and_data":
      if (r.length > 2) return undefined;
      return { kind: "keep", state: undefined, data: undefined, keepData: true, actions: parseActions(r[1], callback, r) };
    case "repeat_state":
      if (r.length < 2 || r.length > 3) return undefined;
      return { kind: "repeat", state: undefined, data: r[1], keepData: false, actions: parseActions(r[2], callback, r) };
    case "stop":
      if (r.length < 2 || r.length > 3) return undefined;
      return { kind: "stop", reason: r[1], data: r[2], keepData: r.length === 2, actions: NO_ACTIONS };
    case "stop_and_reply": {
      if (r.length < 3 || r.length > 4) return undefined;
      const actions = parseActions(r[2], callback, r);
      if (actions.postpone || actions.nextEvents.length > 0 || actions.timeouts.length > 0) return undefined;
      return { kind: "stop", reason: r[1], data: r[3], keepData: r.length === 3, actions };
    }
    default:
      return undefined;
  }
}

/** Parses an action list (undefined means none). */
export function parseActions(actions: unknown, callback: string, result: unknown): ParsedActions {
  if (actions === undefined) return NO_ACTIONS;
  if (!Array.isArray(actions)) throw new BadReturnError(callback, result);
  if (actions.length === 0) return NO_ACTIONS;
  const replies: Array<readonly [From, unknown]> = [];
  const nextEvents: StatemEvent[] = [];
  const timeouts: TimeoutAction[] = [];
  let postpone = false;
  for (const action of actions as readonly unknown[]) {
    if (action === "postpone") {
      postpone = true;
      continue;
    }
    if (!Array.isArray(action) || action.length !== 3) throw new BadReturnError(callback, result);
    const [tag, a, b] = action as [unknown, unknown, unknown];
    if (tag === "reply" && isFrom(a)) replies.push([a, b]);
    else if (tag === "next_event" && isEventType(a)) nextEvents.push({ type: a, content: b });
    else if ((tag === "state_timeout" || tag === "timeout") && isTime(a)) {
      timeouts.push({ kind: tag, name: undefined, key: tag, ms: a, content: b });
    } else if (isGenericTimeout(tag) && isTime(a)) {
      timeouts.push({ kind: "generic", name: tag[1], key: termKey(tag[1]), ms: a, content: b });
    } else throw new BadReturnError(callback, result);
  }
  return { replies, postpone, nextEvents, timeouts };
}

/** True when a state enter call's actions are allowed there (no postpone, no next_event). */
export function validForEnter(actions: ParsedActions): boolean {
  return !actions.postpone && actions.nextEvents.length === 0;
}

/** States compare structurally, so `["connected", 1]` is the same state as another `["connected", 1]`. */
export function sameState(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === "object" && typeof b === "object" && termKey(a) === termKey(b));
}

/** Nothing changes: `["keep_state_and_data"]`. */
export const KEEP: Transition = KEEP_STATE_AND_DATA;

/** `["keep_state_and_data", actions]`. */
export function keepWith(actions: ParsedActions): Transition {
  return { kind: "keep", state: undefined, data: undefined, keepData: true, actions };
}

/** `["next_state", state, data, actions?]`. */
export function nextState(state: unknown, data: unknown, actions: ParsedActions = NO_ACTIONS): Transition {
  return { kind: "next", state, data, keepData: false, actions };
}

/** `["stop", reason, data]`, or without data `["stop", reason]`. */
export function stopWith(reason: unknown, ...data: [] | [unknown]): Transition {
  return { kind: "stop", reason, data: data[0], keepData: data.length === 0, actions: NO_ACTIONS };
}

/** Actions that only start or cancel timeouts. */
export function timeoutsOnly(timeouts: readonly TimeoutAction[]): ParsedActions {
  return { replies: [], postpone: false, nextEvents: [], timeouts };
}

/** `["state_timeout", ms, content]`. */
export function stateTimeout(ms: number, content: unknown): TimeoutAction {
  return { kind: "state_timeout", name: undefined, key: "state_timeout", ms, content };
}

/** `[["timeout", name], ms, content]`: a generic timeout. */
export function genericTimeout(name: Term, ms: number, content: unknown): TimeoutAction {
  return { kind: "generic", name, key: termKey(name), ms, content };
}

function isFrom(value: unknown): value is From {
  return value !== null && typeof value === "object" && "pid" in value && "tag" in value;
}

function isTime(value: unknown): value is number {
  return typeof value === "number" && value >= 0;
}

function isGenericTimeout(value: unknown): value is readonly ["timeout", Term] {
  return Array.isArray(value) && value.length === 2 && value[0] === "timeout";
}

function isEventType(value: unknown): value is EventType {
  switch (value) {
    case "cast":
    case "info":
    case "internal":
    case "state_timeout":
    case "timeout":
      return true;
  }
  if (!Array.isArray(value) || value.length !== 2) return false;
  return (value[0] === "call" && isFrom(value[1])) || value[0] === "timeout";
}
