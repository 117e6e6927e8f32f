/**
 * A process mailbox: a FIFO queue read from a moving head index, so taking the oldest message costs
 * the same whatever the backlog, and selective receive can remove one message from the middle.
 */

/** Compact the backing array once this many slots before the head are dead. */
const COMPACT_AT = 1024;

export class Mailbox {
  #items: unknown[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(message: unknown): void {
    this.#items.push(message);
  }

  /** The message at `index` positions from the oldest. */
  at(index: number): unknown {
    return this.#items[this.#head + index];
  }

  /** Removes and returns the message at `index`; later messages keep their order. */
  removeAt(index: number): unknown {
    const items = this.#items;
    if (index !== 0) return items.splice(this.#head + index, 1)[0];
    const message = items[this.#head];
    items[this.#head++] = undefined;
    if (this.#head === items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= COMPACT_AT && this.#head * 2 >= items.length) {
      this.#items = items.slice(this.#head);
      this.#head = 0;
    }
    return message;
  }

  /** A copy of the queued messages, oldest first, for introspection. */
  toArray(): unknown[] {
    return this.#items.slice(this.#head);
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}
