/**
 * The heartbeat: while connected, a ping every `interval`; a deadline `timeout` after the first
 * unanswered ping; at the deadline, anything received since that ping (a pong, a frame, a ping)
 * proves the peer alive. Both run as the machine's generic timeouts, so leaving `connected`
 * cancels them in one place.
 */
import { genericTimeout, type ParsedActions, timeoutsOnly } from "../runtime/behaviours/statem-actions.ts";
import type { Connection } from "./connection.ts";
import type { HeartbeatPolicy } from "./options.ts";

export const HEARTBEAT = Object.freeze(["timeout", "heartbeat"] as const);
export const HEARTBEAT_DEADLINE = Object.freeze(["timeout", "heartbeat_deadline"] as const);

/** Cancels both timers. */
export const STOP_HEARTBEAT: ParsedActions = timeoutsOnly(
  Object.freeze([genericTimeout(HEARTBEAT[1], Infinity, null), genericTimeout(HEARTBEAT_DEADLINE[1], Infinity, null)]),
);

/** The ping a tick sends: no payload. */
export const PING_FRAME = Object.freeze(["ping", Buffer.alloc(0)] as const);

/** What the heartbeat remembers between ticks. */
export interface HeartbeatState {
  /** The connection pinged. */
  readonly conn: Connection | undefined;
  /** 1 + the connection's `inbound` count when the ping awaiting an answer was written, or 0. */
  pingInbound: number;
}

/** The first tick, on entering `connected`. */
export function startHeartbeat(policy: HeartbeatPolicy, state: HeartbeatState): ParsedActions {
  state.pingInbound = 0;
  return timeoutsOnly([genericTimeout(HEARTBEAT[1], policy.interval, null)]);
}

/**
 * A tick, once the client wrote PING_FRAME: re-arms the next tick, and starts a deadline unless
 * one already runs.
 */
export function tick(policy: HeartbeatPolicy, state: HeartbeatState): ParsedActions {
  const timeouts = [genericTimeout(HEARTBEAT[1], policy.interval, null)];
  if (state.pingInbound === 0) {
    state.pingInbound = state.conn!.inbound + 1;
    timeouts.push(genericTimeout(HEARTBEAT_DEADLINE[1], policy.timeout, null));
  }
  return timeoutsOnly(timeouts);
}

/**
 * At the deadline: true (and the wait is over) when anything arrived since the ping, or when the
 * client paused reading because the server sends more than it handles (the pong waits unread).
 */
export function peerAlive(conn: Connection, state: HeartbeatState): boolean {
  if (conn.inbound + 1 === state.pingInbound && !conn.isPaused) return false;
  state.pingInbound = 0;
  return true;
}
