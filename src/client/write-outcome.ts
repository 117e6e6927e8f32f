/**
 * The fate of every frame the client hands to its socket. The rule: a frame accepted by
 * `sendFrame`, `sendFrameAsync` or a `["push", ...]` result is written, or its caller gets a typed
 * rejection, or it is published on `parley:frame:dropped`. `parley:frame:sent` is published once a
 * frame is written (the socket took it), never before, so `sent` plus `dropped` is exactly what was
 * accepted without a caller to answer.
 */
import { type From, replyError, replyValue } from "../runtime/behaviours/gen-call.ts";
import { channels } from "../runtime/telemetry.ts";
import { NotConnectedError } from "./errors.ts";
import type { FrameSettler } from "./frame-writer.ts";
import type { Frame } from "./frames.ts";
import * as telemetry from "./telemetry.ts";
import type { ClientMeta } from "./telemetry.ts";

/**
 * Whether a frame about to be written needs its fate told: always for a `sendFrame` (`from`, a
 * caller to answer), otherwise only while someone observes `sent` or `dropped`. When it does not,
 * the frame is written and forgotten: nothing is kept or allocated for it.
 */
export function needsOutcome(from: From | undefined): boolean {
  return from !== undefined || channels.frameSent.hasSubscribers || channels.frameDropped.hasSubscribers;
}

/**
 * What becomes of a written frame, handed over with its client's meta and its caller (`from`):
 * it answers a `sendFrame` caller, and publishes `sent` or `dropped` ("connection_lost": the
 * socket died before it took the frame). One object for every frame of every client.
 */
export const FRAME_OUTCOME: FrameSettler = {
  settled(frame: Frame, meta: unknown, caller: unknown, err: Error | null | undefined): void {
    const from = caller as From | undefined;
    if (err != null) {
      if (from !== undefined) replyError(from, lost(err));
      else telemetry.publishDropped(meta as ClientMeta, frame, "connection_lost");
      return;
    }
    telemetry.publishFrame("frameSent", meta as ClientMeta, frame);
    if (from !== undefined) replyValue(from);
  },
};

/**
 * A frame the socket refused at once: it is closing (the server's close frame arrived, or it
 * failed) though the client has not yet seen it end. The caller gets a NotConnectedError
 * ("closing"); a frame without one is published dropped ("closing").
 */
export function writeRefused(meta: ClientMeta, frame: Frame, from: From | undefined): void {
  if (from !== undefined) replyError(from, new NotConnectedError("closing", "the connection is closing"));
  else telemetry.publishDropped(meta, frame, "closing");
}

function lost(err: Error): NotConnectedError {
  return new NotConnectedError("closing", `the connection was lost before the frame was written: ${err.message}`);
}
