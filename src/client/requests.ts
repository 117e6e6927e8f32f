/**
 * The client's own requests, as they travel through its mailbox. User calls and casts are anything
 * else, so these private classes can never collide with a user's messages.
 */
import { registerCrossing } from "../runtime/process/crossing.ts";
import { type Frame, validateCloseFrame, validateFrame } from "./frames.ts";

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

// A client on another node gets these through distribution; rebuilt with the checks the sender made.
registerCrossing({ name: "SendFrame", type: SendFrame, parts: (r) => [r.frame], rebuild: ([frame]) => new SendFrame(validateFrame(frame)) });
registerCrossing({ name: "SendFrameAsync", type: SendFrameAsync, parts: (r) => [r.frame], rebuild: ([frame]) => new SendFrameAsync(frame) });
registerCrossing({
  name: "Disconnect",
  type: Disconnect,
  parts: (r) => [r.code, r.reason],
  rebuild: ([code, reason]) => new Disconnect(...validateCloseFrame(code, reason)),
});
registerCrossing({ name: "Connect", type: Connect, parts: () => [], rebuild: () => new Connect() });
registerCrossing({ name: "Status", type: Status, parts: () => [], rebuild: () => new Status() });
