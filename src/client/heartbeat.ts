/**
 * The heartbeat: while connected, a ping every `interval`; a deadline `timeout` after the first
 * unanswered ping; at the deadline, anything received since that ping (a pong, a frame, a ping)
 * proves the peer alive. Both run as the machine's generic timeouts, so leaving `connected`
 * cancels them in one place.
 */
import type { Action } from "../runtime/behaviours/statem-actions.ts";
import type { Connection } from "./connection.ts";
import type { HeartbeatPolicy } from "./options.ts";

export const HEARTBEAT = Object.freeze(["timeout", "heartbeat"] as const);
export const HEARTBEAT_DEADLINE = Object.freeze(["timeout", "heartbeat_deadline"] as const);

/** Cancels both timers. */
export const STOP_HEARTBEAT: readonly Action[] = Object.freeze([
  [HEARTBEAT, Infinity, null],
  [HEARTBEAT_DEADLINE, Infinity, null],
]);

/** The ping a tick sends: no payload. */
export const PING_FRAME = Object.freeze(["ping", Buffer.alloc(0)] as const);

/** What the heartbeat remembers between ticks. */
export interface HeartbeatState {
  /** performance.now() of the ping awaiting an answer, or 0. */
  pingSentAt: number;
}

/** The first tick, on entering `connected`. */
export function startHeartbeat(policy: HeartbeatPolicy, state: HeartbeatState): Action[] {
  state.pingSentAt = 0;
  return [[HEARTBEAT, policy.interval, null]];
}

/**
 * A tick, once the client wrote PING_FRAME: re-arms the next tick, and starts a deadline unless
 * one already runs.
 */
export function tick(policy: HeartbeatPolicy, state: HeartbeatState): Action[] {
  const actions: Action[] = [[HEARTBEAT, policy.interval, null]];
  if (state.pingSentAt === 0) {
    state.pingSentAt = performance.now();
    actions.push([HEARTBEAT_DEADLINE, policy.timeout, null]);
  }
  return actions;
}

/** At the deadline: true (and the wait is over) when anything arrived since the ping. */
export function peerAlive(conn: Connection, state: HeartbeatState): boolean {
  if (conn.lastInbound < state.pingSentAt) return false;
  state.pingSentAt = 0;
  return true;
}
