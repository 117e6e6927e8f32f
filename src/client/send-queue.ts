/**
 * Frames waiting for a connection: from `sendFrame` (with the caller to answer), `sendFrameAsync`
 * and pushes (without), in one FIFO bounded by `maxQueue`, kept while the client is connecting or
 * waiting to retry.
 */
import type { From } from "../runtime/behaviours/gen-call.ts";
import type { Frame } from "./frames.ts";

export interface QueuedFrame {
  readonly frame: Frame;
  /** The `sendFrame` caller to answer once written; undefined for `sendFrameAsync` and pushes. */
  readonly from: From | undefined;
  /** `performance.now()` past which the frame is stale (its `sendFrame` timed out): never sent then. */
  readonly deadline: number;
}

export class SendQueue {
  /** NO_FRAMES until the first frame waits: most clients never queue one. */
  #items: QueuedFrame[] = NO_FRAMES;

  constructor(readonly max: number) {}

  get length(): number {
    return this.#items.length;
  }

  /** Adds a frame; false when the queue is full. */
  push(frame: Frame, from: From | undefined, deadline = Infinity): boolean {
    if (this.#items.length >= this.max) return false;
    if (this.#items === NO_FRAMES) this.#items = [];
    this.#items.push({ frame, from, deadline });
    return true;
  }

  /** Removes and returns the frames whose deadline is past `now`, oldest first. */
  takeExpired(now: number): QueuedFrame[] {
    const expired = this.#items.filter((q) => q.deadline <= now);
    if (expired.length > 0) this.#items = this.#items.filter((q) => q.deadline > now);
    return expired;
  }

  /** Removes and returns every waiting frame, oldest first. */
  takeAll(): QueuedFrame[] {
    const items = this.#items;
    this.#items = NO_FRAMES;
    return items;
  }
}

/** The frames of every empty queue; replaced, never mutated. */
const NO_FRAMES: QueuedFrame[] = [];
