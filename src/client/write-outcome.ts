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
import type { Frame } from "./frames.ts";
import * as telemetry from "./telemetry.ts";
import type { ClientMeta } from "./telemetry.ts";

/** What `Connection.write` calls back with: nothing once written, the error that stopped it otherwise. */
export type WriteDone = (err?: Error | null) => void;

/**
 * The callback for a frame about to be written: it answers a `sendFrame` caller (`from`), and
 * publishes `sent` or `dropped` ("connection_lost": the socket died before it took the frame).
 * Undefined for a frame without a caller while nobody observes either channel: nothing to do then.
 */
export function writeDone(meta: ClientMeta, frame: Frame, from: From | undefined): WriteDone | undefined {
  if (from !== undefined) {
    return (err) => {
      if (err != null) return replyError(from, lost(err));
      telemetry.publishFrame("frameSent", meta, frame);
      replyValue(from);
    };
  }
  if (!channels.frameSent.hasSubscribers && !channels.frameDropped.hasSubscribers) return undefined;
  return (err) => {
    if (err == null) telemetry.publishFrame("frameSent", meta, frame);
    else telemetry.publishDropped(meta, frame, "connection_lost");
  };
}

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
