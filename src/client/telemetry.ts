/**
 * The client's telemetry: the payload of each `parley:*` client channel, and the publishers. Each
 * publisher checks `hasSubscribers` before building a payload, so a client nobody observes pays
 * one property read per event.
 */
import { channels } from "../runtime/telemetry.ts";
import type { Pid } from "../runtime/process/pid.ts";
import { redactReason } from "../runtime/secrets.ts";
import { type Frame, frameSize } from "./frames.ts";

/**
 * Fields every client event carries, first, so a subscriber can tell clients apart. The publishers
 * copy these three by name: the client's meta is its process object, which holds much more.
 */
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
 * (text, binary, ping, pong), before its callback runs. Sent: every frame the socket took (its
 * write completed): `sendFrame`, `sendFrameAsync`, pushes, the frames flushed after connecting;
 * heartbeat pings and the automatic pongs that answer pings as they are handed to the socket.
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
   * while closing (the client's, or already the socket's: the server's close frame or a socket
   * error arrived and the client has not yet seen the socket end), or queued while connecting and
   * discarded because `handleConnect` closed the new connection and no retry followed, or the
   * client stopped. `"connection_lost"`: handed to the socket, which died before it took the
   * frame (an RST). `"queue_full"`: `maxQueue` frames already waited.
   * `"invalid_frame"`: not a valid {@link Frame}. `"connect_failed"`: queued while connecting or
   * waiting to retry, and the client gave up (no retry follows, the retries are exhausted, it
   * stopped). `"expired"`: queued by a `sendFrame` whose timeout ran out before the connection
   * opened (the caller got a `TimeoutError`).
   */
  readonly why: FrameDropReason;
}
/** Why a frame was dropped: the `why` of {@link FrameDroppedMessage}. */
export type FrameDropReason = "not_connected" | "closing" | "queue_full" | "invalid_frame" | "connect_failed" | "connection_lost" | "expired";
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


export function publishFrame(channel: "frameSent" | "frameReceived", meta: ClientMeta, frame: Frame): void {
  const ch = channels[channel];
  if (ch.hasSubscribers) ch.publish(frameMessage(meta, frame[0], frameSize(frame)));
}

/**
 * A ping arrived (received), and `ws` answered it with a pong of the same payload (sent): the one
 * frame sent that the client's own write path does not see.
 */
export function publishPing(meta: ClientMeta, payload: Buffer): void {
  if (channels.frameReceived.hasSubscribers) channels.frameReceived.publish(frameMessage(meta, "ping", payload.length));
  if (channels.frameSent.hasSubscribers) channels.frameSent.publish(frameMessage(meta, "pong", payload.length));
}

/** Built field by field: the client's meta is its process object, which holds much more; one shape for every frame event. */
function frameMessage(meta: ClientMeta, type: FrameMessage["type"], size: number): FrameMessage {
  return { pid: meta.pid, name: meta.name, url: meta.url, type, size };
}

export function publishDropped(meta: ClientMeta, frame: Frame, why: FrameDropReason): void {
  const ch = channels.frameDropped;
  if (ch.hasSubscribers) ch.publish({ pid: meta.pid, name: meta.name, url: meta.url, type: frame[0], size: frameSize(frame), why });
}

/** A `sendFrameAsync` value that is not a frame: its claimed tag (or "invalid") and payload size. */
export function publishInvalid(meta: ClientMeta, type: string, size: number): void {
  const ch = channels.frameDropped;
  if (ch.hasSubscribers) ch.publish({ pid: meta.pid, name: meta.name, url: meta.url, type, size, why: "invalid_frame" });
}

export function publishConnectStart(meta: ClientMeta, attempt: number): void {
  if (channels.connectStart.hasSubscribers) channels.connectStart.publish({ pid: meta.pid, name: meta.name, url: meta.url, attempt });
}

export function publishConnectStop(
  meta: ClientMeta,
  attempt: number,
  outcome: "ok" | "error" | "aborted",
  startedAt: number,
  reason?: unknown,
): void {
  const ch = channels.connectStop;
  if (!ch.hasSubscribers) return;
  const durationMs = performance.now() - startedAt;
  ch.publish(outcome === "ok" ? { pid: meta.pid, name: meta.name, url: meta.url, attempt, outcome, durationMs } : { pid: meta.pid, name: meta.name, url: meta.url, attempt, outcome, reason: redactReason(reason), durationMs });
}

export function publishConnectionStop(meta: ClientMeta, reason: unknown, connectedAt: number): void {
  const ch = channels.connectionStop;
  if (ch.hasSubscribers) ch.publish({ pid: meta.pid, name: meta.name, url: meta.url, reason: redactReason(reason), durationMs: performance.now() - connectedAt });
}

export function publishReconnect(meta: ClientMeta, attempt: number, delayMs: number): void {
  if (channels.reconnectScheduled.hasSubscribers) channels.reconnectScheduled.publish({ pid: meta.pid, name: meta.name, url: meta.url, attempt, delayMs });
}

export function publishExhausted(meta: ClientMeta, attempt: number): void {
  if (channels.reconnectExhausted.hasSubscribers) channels.reconnectExhausted.publish({ pid: meta.pid, name: meta.name, url: meta.url, attempt });
}

export function publishHeartbeatTimeout(meta: ClientMeta): void {
  if (channels.heartbeatTimeout.hasSubscribers) channels.heartbeatTimeout.publish({ pid: meta.pid, name: meta.name, url: meta.url });
}
