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
import type { Pid } from "./process/pid.ts";

/**
 * `parley:supervisor:restart`: a Supervisor or DynamicSupervisor is about to restart a child that
 * exited. Published once per exit that leads to a restart, before the new start; not when the
 * exit uses up the restart intensity (the supervisor then shuts down instead), not for a retry
 * after a failed restart, and not for the siblings a `one_for_all` or `rest_for_one` restart
 * takes along.
 */
export interface SupervisorRestartEvent {
  /** The supervisor doing the restart. */
  readonly supervisor: Pid;
  /** The child's id (for a DynamicSupervisor child, the id of the spec it was started from). */
  readonly id: unknown;
  /** The exit reason of the child being restarted. */
  readonly reason: unknown;
}

/** Fields every client event carries, first, so a subscriber can tell clients apart. */
export interface ClientMeta {
  /** The client's process. */
  readonly pid: Pid;
  /** The name the client was started under (`opts.name`), or undefined. */
  readonly name: unknown;
  /**
   * The URL the client dials, with credentials and secret-looking query parameters (`token`,
   * `api_key`, ...) replaced by `redacted`. It follows a `url` changed by a
   * `["reconnect", s, { url }]` decision from the next dial on.
   */
  readonly url: string;
}

/**
 * `parley:connect:start`: a dial begins. Published on entering `connecting`, as the socket is
 * created: after start, after `Parley.connect()`, and before every retry.
 */
export interface ConnectStartMessage extends ClientMeta {
  /** The number of this dial: 0 for the first after start or `Parley.connect()`, n for the n-th retry. */
  readonly attempt: number;
}
/**
 * `parley:connect:stop`: a dial ended, once per `parley:connect:start`: upgraded, failed, or
 * aborted on the client's side.
 */
export interface ConnectStopMessage extends ClientMeta {
  /** The number of the dial, as in its `parley:connect:start`. */
  readonly attempt: number;
  /**
   * `"ok"`: the upgrade succeeded (published before `handleConnect` runs). `"error"`: the socket
   * ended before the upgrade (refused, DNS, TLS, a refused upgrade) or `connectTimeout` ran out.
   * `"aborted"`: the client gave the dial up itself: `Parley.disconnect()`, a `["disconnect", ...]`
   * result, or the client stopping.
   */
  readonly outcome: "ok" | "error" | "aborted";
  /**
   * Absent when `outcome` is `"ok"`. Otherwise why the dial ended: `["error", err]` (an
   * `UpgradeError` for a refused upgrade), `"connect_timeout"`, `"closed"` for
   * `Parley.disconnect()`, the reason of a `["disconnect", reason, s]` result, or the client's exit
   * reason when it stopped.
   */
  readonly reason?: unknown;
  /** Milliseconds from the start of the dial to its end (fractional, from `performance.now()`). */
  readonly durationMs: number;
}
/**
 * `parley:connection:stop`: an established connection ended, once per `"ok"` on
 * `parley:connect:stop`: the socket closed, the heartbeat timed out, or the client stopped while
 * connected.
 */
export interface ConnectionStopMessage extends ClientMeta {
  /**
   * The reason `handleDisconnect` is given: `["remote_close", code, text]`, `["error", err]`,
   * `"closed"` after `Parley.disconnect()`, `"heartbeat_timeout"`, the reason of a
   * `["disconnect", reason, s]` result; or the client's exit reason when it stopped while connected.
   */
  readonly reason: unknown;
  /** Milliseconds from the upgrade to the end of the connection (fractional, from `performance.now()`). */
  readonly durationMs: number;
}
/**
 * `parley:frame:received` and `parley:frame:sent`. Received: every frame from the current socket
 * (text, binary, ping, pong), before its callback runs. Sent: every frame handed to the socket:
 * `sendFrame`, `sendFrameAsync`, pushes, the frames flushed after connecting, heartbeat pings and
 * the automatic pongs that answer pings.
 */
export interface FrameMessage extends ClientMeta {
  /** The frame's type, its tag in {@link Frame}. */
  readonly type: "text" | "binary" | "ping" | "pong";
  /** The payload size in bytes (UTF-8 bytes for text). */
  readonly size: number;
}
/**
 * `parley:frame:dropped`: a frame that reached neither the socket nor a caller's rejection: from
 * `sendFrameAsync` or a push, which have no caller to tell. (`sendFrame` rejects instead.)
 */
export interface FrameDroppedMessage extends ClientMeta {
  /** The frame's type, or `"invalid"` when the value was not even a tagged tuple. */
  readonly type: string;
  /** The payload size in bytes (UTF-8 bytes for text), 0 when it cannot be measured. */
  readonly size: number;
  /**
   * `"not_connected"`: sent while disconnected, or pushed outside `connected`. `"closing"`: sent
   * while closing, or queued while connecting and discarded because `handleConnect` closed the new
   * connection or the client stopped. `"queue_full"`: `maxQueue` frames already waited.
   * `"invalid_frame"`: not a valid {@link Frame}. `"connect_failed"`: queued while connecting, and
   * the attempt failed or was given up.
   */
  readonly why: string;
}
/**
 * `parley:reconnect:scheduled`: after `handleDisconnect`, the client will dial again. Published
 * as the client goes to `disconnected` to wait for the retry.
 */
export interface ReconnectScheduledMessage extends ClientMeta {
  /** The number of the retry scheduled (1 for the first). */
  readonly attempt: number;
  /** Milliseconds until the retry dials: the backoff delay (an integer). */
  readonly delayMs: number;
}
/**
 * `parley:reconnect:exhausted`: the reconnect policy's `maxRetries` retries all failed. Published
 * after `handleDisconnect`, just before the client exits with `["error", "max_retries_exceeded"]`.
 */
export interface ReconnectExhaustedMessage extends ClientMeta {
  /** The number of the last failed retry (at least `maxRetries`). */
  readonly attempt: number;
}
/**
 * `parley:heartbeat:timeout`: nothing (no pong, no frame) arrived within the heartbeat's
 * `timeout` after a ping. Published just before the client drops the socket and calls
 * `handleDisconnect` with `"heartbeat_timeout"`. It carries only the client's fields.
 */
export type HeartbeatTimeoutMessage = ClientMeta;

/**
 * The channels, grouped by area, created once at load. Subscribe by name with
 * `diagnostics_channel.subscribe("parley:…", fn)`, or through these objects
 * (`channels.connectStop.subscribe(fn)`). Subscribers run synchronously, in the middle of the
 * client's or supervisor's work: keep them short (Node reports a subscriber's throw as an
 * uncaught exception).
 */
export const channels = {
  /** `parley:connect:start`, payload {@link ConnectStartMessage}. */
  connectStart: diagnostics_channel.channel("parley:connect:start"),
  /** `parley:connect:stop`, payload {@link ConnectStopMessage}. */
  connectStop: diagnostics_channel.channel("parley:connect:stop"),
  /** `parley:connection:stop`, payload {@link ConnectionStopMessage}. */
  connectionStop: diagnostics_channel.channel("parley:connection:stop"),
  /** `parley:frame:received`, payload {@link FrameMessage}. */
  frameReceived: diagnostics_channel.channel("parley:frame:received"),
  /** `parley:frame:sent`, payload {@link FrameMessage}. */
  frameSent: diagnostics_channel.channel("parley:frame:sent"),
  /** `parley:frame:dropped`, payload {@link FrameDroppedMessage}. */
  frameDropped: diagnostics_channel.channel("parley:frame:dropped"),
  /** `parley:reconnect:scheduled`, payload {@link ReconnectScheduledMessage}. */
  reconnectScheduled: diagnostics_channel.channel("parley:reconnect:scheduled"),
  /** `parley:reconnect:exhausted`, payload {@link ReconnectExhaustedMessage}. */
  reconnectExhausted: diagnostics_channel.channel("parley:reconnect:exhausted"),
  /** `parley:heartbeat:timeout`, payload {@link HeartbeatTimeoutMessage}. */
  heartbeatTimeout: diagnostics_channel.channel("parley:heartbeat:timeout"),
  /** `parley:supervisor:restart`, payload {@link SupervisorRestartEvent}. */
  supervisorRestart: diagnostics_channel.channel("parley:supervisor:restart"),
} as const;
