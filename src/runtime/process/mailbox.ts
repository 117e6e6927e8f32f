/**
 * A process mailbox: a FIFO queue read from a moving head index, so taking the oldest message costs
 * the same whatever the backlog, and selective receive can remove one message from the middle.
 * A cast to a local process is queued as its bare message and flagged: a behaviour's loop takes
 * it as such, so a cast allocates nothing on its way; anything else that looks at it (a receive,
 * a matcher, introspection) sees the CastRequest it stands for, made once, in its place.
 */

/** Compact the backing array once this many slots before the head are dead. */
const COMPACT_AT = 1024;

/** A cast waiting in a behaviour's mailbox. */
export class CastRequest {
  constructor(readonly msg: unknown) {}
}

/** The items of every empty mailbox; replaced on the first push, never mutated. */
const NO_MESSAGES: unknown[] = [];

export class Mailbox {
  /** NO_MESSAGES while empty (an idle process holds no array of its own). */
  #items: unknown[] = NO_MESSAGES;
  #head = 0;
  /** Which slots of `#items` hold a bare cast; made by the first cast, gone once the queue empties. */
  #casts: boolean[] | undefined = undefined;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(message: unknown): void {
    if (this.#items === NO_MESSAGES) this.#items = [message];
    else this.#items.push(message);
    this.#casts?.push(false);
  }

  /** Queues the message of a cast, bare. */
  pushCast(message: unknown): void {
    if (this.#casts === undefined) {
      const casts: boolean[] = [];
      for (let i = 0; i < this.#items.length; i++) casts.push(false);
      this.#casts = casts;
    }
    this.#casts.push(true);
    if (this.#items === NO_MESSAGES) this.#items = [message];
    else this.#items.push(message);
  }

  /** The message at `index` positions from the oldest. */
  at(index: number): unknown {
    const slot = this.#head + index;
    if (this.#casts?.[slot] === true) {
      this.#casts[slot] = false;
      this.#items[slot] = new CastRequest(this.#items[slot]);
    }
    return this.#items[slot];
  }

  /** True when the message at `index` is a bare cast: {@link removeBare} would give its message. */
  isCastAt(index: number): boolean {
    return this.#casts?.[this.#head + index] === true;
  }

  /** Removes and returns the message at `index`; later messages keep their order. */
  removeAt(index: number): unknown {
    this.at(index);
    return this.removeBare(index);
  }

  /** As {@link removeAt}, but a bare cast is returned as its message (see {@link isCastAt}). */
  removeBare(index: number): unknown {
    const items = this.#items;
    // Nothing to remove: the shared empty array must stay untouched.
    if (items === NO_MESSAGES) return undefined;
    const casts = this.#casts;
    if (index !== 0) {
      casts?.splice(this.#head + index, 1);
      return items.splice(this.#head + index, 1)[0];
    }
    const message = items[this.#head];
    items[this.#head++] = undefined;
    if (this.#head === items.length) {
      this.clear();
    } else if (this.#head >= COMPACT_AT && this.#head * 2 >= items.length) {
      this.#items = items.slice(this.#head);
      this.#casts = casts?.slice(this.#head);
      this.#head = 0;
    }
    return message;
  }

  /** A copy of the queued messages, oldest first, for introspection. */
  toArray(): unknown[] {
    for (let i = 0; i < this.length; i++) this.at(i);
    return this.#items.slice(this.#head);
  }

  clear(): void {
    this.#items = NO_MESSAGES;
    this.#head = 0;
    this.#casts = undefined;
  }
}
