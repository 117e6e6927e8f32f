/**
 * The client's telemetry publishers. Each checks `hasSubscribers` before building a payload, so a
 * client nobody observes pays one property read per event.
 */
import { channels, type ClientMeta } from "../runtime/telemetry.ts";
import { type Frame, frameSize } from "./frames.ts";

export function publishFrame(channel: "frameSent" | "frameReceived", meta: ClientMeta, frame: Frame): void {
  const ch = channels[channel];
  if (ch.hasSubscribers) ch.publish({ ...meta, type: frame[0], size: frameSize(frame) });
}

export function publishDropped(meta: ClientMeta, frame: Frame, why: string): void {
  const ch = channels.frameDropped;
  if (ch.hasSubscribers) ch.publish({ ...meta, type: frame[0], size: frameSize(frame), why });
}

/** A `sendFrameAsync` value that is not a frame: its claimed tag (or "invalid") and payload size. */
export function publishInvalid(meta: ClientMeta, value: unknown): void {
  const ch = channels.frameDropped;
  if (!ch.hasSubscribers) return;
  const [tag, payload] = Array.isArray(value) ? (value as unknown[]) : [];
  const type = typeof tag === "string" ? tag : "invalid";
  const size = typeof payload === "string" ? Buffer.byteLength(payload) : payload instanceof Uint8Array ? payload.byteLength : 0;
  ch.publish({ ...meta, type, size, why: "invalid_frame" });
}

export function publishConnectStart(meta: ClientMeta, attempt: number): void {
  if (channels.connectStart.hasSubscribers) channels.connectStart.publish({ ...meta, attempt });
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
  ch.publish(outcome === "ok" ? { ...meta, attempt, outcome, durationMs } : { ...meta, attempt, outcome, reason, durationMs });
}

export function publishConnectionStop(meta: ClientMeta, reason: unknown, connectedAt: number): void {
  const ch = channels.connectionStop;
  if (ch.hasSubscribers) ch.publish({ ...meta, reason, durationMs: performance.now() - connectedAt });
}

export function publishReconnect(meta: ClientMeta, attempt: number, delayMs: number): void {
  if (channels.reconnectScheduled.hasSubscribers) channels.reconnectScheduled.publish({ ...meta, attempt, delayMs });
}

export function publishExhausted(meta: ClientMeta, attempt: number): void {
  if (channels.reconnectExhausted.hasSubscribers) channels.reconnectExhausted.publish({ ...meta, attempt });
}

export function publishHeartbeatTimeout(meta: ClientMeta): void {
  if (channels.heartbeatTimeout.hasSubscribers) channels.heartbeatTimeout.publish({ ...meta });
}
