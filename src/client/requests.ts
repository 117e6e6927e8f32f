/**
 * The client's own requests, as they travel through its mailbox. User calls and casts are anything
 * else, so these private classes can never collide with a user's messages.
 */
import { registerCrossing } from "../runtime/process/crossing.ts";
import { type Frame, validateCloseFrame, validateFrame } from "./frames.ts";

export class SendFrame {
  constructor(
    readonly frame: Frame,
    /** `performance.now()` when the caller's timeout runs out (Infinity for none): a queued frame is not sent past it. */
    readonly deadline: number,
  ) {}
}

/** A `Parley.send` message, for the client's codec to encode (without one, it is a frame). */
export class Send {
  constructor(
    readonly msg: unknown,
    /** As {@link SendFrame}'s. */
    readonly deadline: number,
  ) {}
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

// A client on another node gets these through distribution; rebuilt with the checks the sender made.
// A deadline is a point on this process's clock: it crosses as the time left, and lands on the receiver's.
registerCrossing({
  name: "SendFrame",
  type: SendFrame,
  parts: (r) => [r.frame, r.deadline - performance.now()],
  rebuild: ([frame, left]) => new SendFrame(validateFrame(frame), performance.now() + (typeof left === "number" ? left : Infinity)),
});
registerCrossing({
  name: "Send",
  type: Send,
  parts: (r) => [r.msg, r.deadline - performance.now()],
  rebuild: ([msg, left]) => new Send(msg, performance.now() + (typeof left === "number" ? left : Infinity)),
});
registerCrossing({ name: "SendFrameAsync", type: SendFrameAsync, parts: (r) => [r.frame], rebuild: ([frame]) => new SendFrameAsync(validateFrame(frame)) });
registerCrossing({
  name: "InvalidFrameAsync",
  type: InvalidFrameAsync,
  parts: (r) => [r.type, r.size],
  rebuild: ([type, size]) => new InvalidFrameAsync(String(type), Number(size)),
});
registerCrossing({
  name: "Disconnect",
  type: Disconnect,
  parts: (r) => [r.code, r.reason],
  rebuild: ([code, reason]) => new Disconnect(...validateCloseFrame(code, reason)),
});
registerCrossing({ name: "Connect", type: Connect, parts: () => [], rebuild: () => new Connect() });
registerCrossing({ name: "Status", type: Status, parts: () => [], rebuild: () => new Status() });
