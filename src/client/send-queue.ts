/**
 * Frames waiting for a connection: from `sendFrame` (with the caller to answer) and
 * `sendFrameAsync` (without), in one FIFO bounded by `maxQueue`.
 */
import type { From } from "../runtime/behaviours/gen-call.ts";
import type { Frame } from "./frames.ts";

export interface QueuedFrame {
  readonly frame: Frame;
  /** The `sendFrame` caller to answer once written; undefined for `sendFrameAsync`. */
  readonly from: From | undefined;
}

export class SendQueue {
  #items: QueuedFrame[] = [];

  constructor(readonly max: number) {}

  get length(): number {
    return this.#items.length;
  }

  /** Adds a frame; false when the queue is full. */
  push(frame: Frame, from: From | undefined): boolean {
    if (this.#items.length >= this.max) return false;
    this.#items.push({ frame, from });
    return true;
  }

  /** Removes and returns every waiting frame, oldest first. */
  takeAll(): QueuedFrame[] {
    const items = this.#items;
    this.#items = [];
    return items;
  }
}
