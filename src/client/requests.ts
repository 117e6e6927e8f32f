/**
 * The client's own requests, as they travel through its mailbox. User calls and casts are anything
 * else, so these private classes can never collide with a user's messages.
 */
import type { Frame } from "./frames.ts";

export class SendFrame {
  constructor(readonly frame: Frame) {}
}

export class SendFrameAsync {
  constructor(readonly frame: unknown) {}
}

export class Disconnect {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {}
}

export class Connect {}

export class Status {}
