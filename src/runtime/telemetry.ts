/**
 * Every `parley:*` diagnostics channel, created once at load. Channel names are
 * `parley:<area>:<event>`; each payload is one plain object whose shape is typed below. Publishers
 * check `hasSubscribers` first, so nothing is built when nobody listens.
 *
 * @example
 * ```ts
 * import diagnostics_channel from "node:diagnostics_channel";
 * diagnostics_channel.subscribe("parley:connect:stop", (event) => {
 *   const { url, attempt, outcome } = event as ConnectStopMessage;
 * });
 * ```
 */
import diagnostics_channel from "node:diagnostics_channel";
import type { Pid } from "./pid.ts";

/** `parley:supervisor:restart`: a supervisor is restarting a child that exited. */
export interface SupervisorRestartEvent {
  /** The supervisor doing the restart. */
  readonly supervisor: Pid;
  /** The child's id (for a DynamicSupervisor child, the id of the spec it was started from). */
  readonly id: unknown;
  /** The exit reason of the child being restarted. */
  readonly reason: unknown;
}

/** Fields every client event carries. */
export interface ClientMeta {
  readonly pid: Pid;
  /** The registered name, or undefined. */
  readonly name: unknown;
  readonly url: string;
}

/** `parley:connect:start`: a dial begins. */
export interface ConnectStartMessage extends ClientMeta {
  readonly attempt: number;
}
/** `parley:connect:stop`: a dial ended: upgraded, failed, or aborted by a local disconnect. */
export interface ConnectStopMessage extends ClientMeta {
  readonly attempt: number;
  readonly outcome: "ok" | "error" | "aborted";
  readonly reason?: unknown;
  readonly durationMs: number;
}
/** `parley:connection:stop`: an established connection ended. */
export interface ConnectionStopMessage extends ClientMeta {
  readonly reason: unknown;
  readonly durationMs: number;
}
/** `parley:frame:received` and `parley:frame:sent` (automatic pongs included). */
export interface FrameMessage extends ClientMeta {
  readonly type: "text" | "binary" | "ping" | "pong";
  readonly size: number;
}
/** `parley:frame:dropped`: a frame that reached neither the socket nor a caller's rejection. */
export interface FrameDroppedMessage extends ClientMeta {
  readonly type: string;
  readonly size: number;
  /** `"not_connected"`, `"closing"`, `"queue_full"`, `"invalid_frame"` or `"connect_failed"`. */
  readonly why: string;
}
/** `parley:reconnect:scheduled`: a retry is scheduled. */
export interface ReconnectScheduledMessage extends ClientMeta {
  /** The number of the retry scheduled (1 for the first). */
  readonly attempt: number;
  readonly delayMs: number;
}
/** `parley:reconnect:exhausted`: `maxRetries` failed retries; the client exits. */
export interface ReconnectExhaustedMessage extends ClientMeta {
  readonly attempt: number;
}
/** `parley:heartbeat:timeout`: no pong or data within the heartbeat's timeout. */
export type HeartbeatTimeoutMessage = ClientMeta;

/** The channels, grouped by area. */
export const channels = {
  connectStart: diagnostics_channel.channel("parley:connect:start"),
  connectStop: diagnostics_channel.channel("parley:connect:stop"),
  connectionStop: diagnostics_channel.channel("parley:connection:stop"),
  frameReceived: diagnostics_channel.channel("parley:frame:received"),
  frameSent: diagnostics_channel.channel("parley:frame:sent"),
  frameDropped: diagnostics_channel.channel("parley:frame:dropped"),
  reconnectScheduled: diagnostics_channel.channel("parley:reconnect:scheduled"),
  reconnectExhausted: diagnostics_channel.channel("parley:reconnect:exhausted"),
  heartbeatTimeout: diagnostics_channel.channel("parley:heartbeat:timeout"),
  supervisorRestart: diagnostics_channel.channel("parley:supervisor:restart"),
} as const;
