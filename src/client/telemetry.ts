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

export function publishDropped(meta: ClientMeta, frame: Frame | unknown, why: string): void {
  const ch = channels.frameDropped;
  if (!ch.hasSubscribers) return;
  const valid = Array.isArray(frame) && typeof frame[0] === "string";
  const type = valid ? (frame[0] as string) : "invalid";
  let size = 0;
  try {
    size = valid ? frameSize(frame as unknown as Frame) : 0;
  } catch {
    size = 0;
  }
  ch.publish({ ...meta, type, size, why });
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
