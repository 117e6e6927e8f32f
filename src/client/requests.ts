/**
 * The client's own requests, as they travel through its mailbox. User calls and casts are anything
 * else, so these private classes can never collide with a user's messages.
 */
import type { Frame } from "./frames.ts";

export class SendFrame {
  constructor(readonly frame: Frame) {}
}

/** A `sendFrameAsync` frame, checked and copied on the caller's side (see `readFrame`). */
export class SendFrameAsync {
  constructor(readonly frame: Frame) {}
}

/**
 * A `sendFrameAsync` value that is not a frame: only its claimed tag and payload size travel, read
 * on the caller's side, so nothing of a hostile value ever reaches the client.
 */
export class InvalidFrameAsync {
  constructor(
    readonly type: string,
    readonly size: number,
  ) {}
}

export class Disconnect {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {}
}

export class Connect {}

export class Status {}
