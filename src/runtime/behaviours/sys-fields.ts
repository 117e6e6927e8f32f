/**
 * The part of a behaviour process that `sys` debugging and the end of the process set: suspended,
 * traced, counting statistics, and what ended it when no callback did. Most processes never have
 * any of these, so they live in one record made when the first is set, behind accessors, instead
 * of four fields in every process.
 */

/** `sys.statistics` counters, while counting. */
export interface SysStats {
  startTime: number;
  messagesIn: number;
  messagesOut: number;
}

/**
 * BehaviourProcess extends this: its `sys` fields, allocated on first use. No private methods
 * here: a class with one stores a brand in every instance.
 */
export abstract class SysFields {
  #sys: SysState | undefined = undefined;

  /** While suspended, only `sys` requests are taken from the mailbox. */
  get suspended(): boolean {
    return this.#sys?.suspended === true;
  }
  set suspended(on: boolean) {
    if (on || this.#sys !== undefined) (this.#sys ??= new SysState()).suspended = on;
  }

  /** Every event handled is logged (`sys.trace`). */
  get tracing(): boolean {
    return this.#sys?.tracing === true;
  }
  set tracing(on: boolean) {
    if (on || this.#sys !== undefined) (this.#sys ??= new SysState()).tracing = on;
  }

  /** `sys.statistics` counters while counting, else undefined. */
  get stats(): SysStats | undefined {
    return this.#sys?.stats;
  }
  set stats(stats: SysStats | undefined) {
    if (stats !== undefined || this.#sys !== undefined) (this.#sys ??= new SysState()).stats = stats;
  }

  /** What is ending the process when no callback is: a stop request, the parent's exit signal. */
  get endedBy(): string | undefined {
    return this.#sys?.endedBy;
  }
  set endedBy(what: string | undefined) {
    if (what !== undefined || this.#sys !== undefined) (this.#sys ??= new SysState()).endedBy = what;
  }
}

class SysState {
  suspended = false;
  tracing = false;
  stats: SysStats | undefined = undefined;
  endedBy: string | undefined = undefined;
}
