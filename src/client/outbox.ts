/**
 * Frames the client cannot write now (API §8a): kept for the next connection while it is
 * connecting or waiting to retry, in one queue bounded by `maxQueue`; refused or reported dropped
 * otherwise; sent after `handleConnect`'s own push when the connection opens, unless stale; failed
 * when the client gives up. The machine writes what is connected; everything else comes here.
 */
import { type From, replyError } from "../runtime/behaviours/gen-call.ts";
import { formatTerm } from "../runtime/format-term.ts";
import { getLogger } from "../runtime/logger.ts";
import type { ClientData, ConnState } from "./client-data.ts";
import { NotConnectedError, QueueFullError } from "./errors.ts";
import type { Frame } from "./frames.ts";
import * as telemetry from "./telemetry.ts";
import type { FrameDropReason } from "./telemetry.ts";

/** A `sendFrame` while not connected: queued until `deadline`, or refused. */
export function holdSend(frame: Frame, from: From, deadline: number, state: Exclude<ConnState, "connected">, data: ClientData): void {
  if (!keepsFrames(state, data)) replyError(from, new NotConnectedError(state));
  else if (!enqueue(data, frame, from, deadline)) replyError(from, new QueueFullError(data.queue.max));
}

/**
 * A `sendFrameAsync`, or a push from `callback`, while not connected: queued, or reported dropped
 * (a push also logged, as the one trace a literal port of a reply would otherwise leave).
 */
export function holdFrame(frame: Frame, state: ConnState, data: ClientData, callback?: string): void {
  if (keepsFrames(state, data)) {
    if (!enqueue(data, frame, undefined, Infinity)) telemetry.publishDropped(data.meta, frame, "queue_full");
    return;
  }
  if (callback !== undefined) {
    getLogger().warn({ process: String(data.meta.pid), callback, frame: formatTerm(frame, 2), state }, "push outside connected dropped");
  }
  telemetry.publishDropped(data.meta, frame, state === "closing" && callback === undefined ? "closing" : "not_connected");
}

/** The queue once connected, oldest first, to `write`; a frame whose `sendFrame` timed out is dropped. */
export function flush(data: ClientData, write: (frame: Frame, from: From | undefined) => void): void {
  if (data.queued === 0) return; // without creating a queue for a client that never had one
  const now = performance.now();
  for (const q of data.queue.takeAll()) {
    // Its caller already got a TimeoutError: too stale to send now.
    if (q.deadline <= now) telemetry.publishDropped(data.meta, q.frame, "expired");
    else write(q.frame, q.from);
  }
}

/** Everything queued for a connection that will not come: `why` for telemetry, `detail` for callers. */
export function failQueue(data: ClientData, why: FrameDropReason, detail: string): void {
  if (data.queued === 0) return;
  for (const q of data.queue.takeAll()) {
    if (q.from !== undefined) replyError(q.from, new NotConnectedError("connecting", `the client gave up: ${detail}`));
    else telemetry.publishDropped(data.meta, q.frame, why);
  }
}

/** In `disconnected`, the retry is called off: nothing queued will ever go out. */
export function callOffRetry(data: ClientData, detail: string): void {
  data.retrying = false;
  failQueue(data, "connect_failed", detail);
}

/** Queues a frame; when the queue is full, the frames gone stale make room first. */
function enqueue(data: ClientData, frame: Frame, from: From | undefined, deadline: number): boolean {
  if (data.queue.push(frame, from, deadline)) return true;
  for (const q of data.queue.takeExpired(performance.now())) telemetry.publishDropped(data.meta, q.frame, "expired");
  return data.queue.push(frame, from, deadline);
}

/** While connecting, and while disconnected with a retry scheduled. */
function keepsFrames(state: ConnState, data: ClientData): boolean {
  return state === "connecting" || (state === "disconnected" && data.retrying);
}
