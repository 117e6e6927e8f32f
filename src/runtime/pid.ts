/**
 * Identifiers: process ids, references and timer references.
 *
 * Each is a class with an ECMAScript private field, so TypeScript treats them nominally (a `Ref`
 * is never accepted where a `Pid` is expected) and one value exists per process, compared with `===`.
 */
import { inspect } from "node:util";

let nextPid = 1;
let nextRef = 1;

/** A process identifier. Printed as `#PID<0.N.0>`, like Elixir. */
export class Pid {
  readonly #brand = "Pid";
  /** @internal */
  constructor(readonly id: number) {}
  toString(): string {
    return `#PID<0.${this.id}.0>`;
  }
  /** How `console.log` and `util.inspect` show it. */
  [inspect.custom](): string {
    return this.toString();
  }
  toJSON(): string {
    return this.toString();
  }
  get [Symbol.toStringTag](): string {
    return this.#brand;
  }
}

/** A unique reference: monitors, calls. Printed as `#Reference<N>`. */
export class Ref {
  readonly #brand = "Ref";
  /**
   * For a call's tag: the call it answers, so a reply reaches it through any copy of the From.
   * @internal
   */
  call: unknown = undefined;
  /** @internal */
  constructor(readonly id: number) {}
  toString(): string {
    return `#Reference<${this.id}>`;
  }
  /** How `console.log` and `util.inspect` show it. */
  [inspect.custom](): string {
    return this.toString();
  }
  toJSON(): string {
    return this.toString();
  }
  get [Symbol.toStringTag](): string {
    return this.#brand;
  }
}

/** A reference to a timer made by `sendAfter`. */
export class TimerRef {
  readonly #brand = "TimerRef";
  /** @internal */
  constructor(readonly id: number) {}
  toString(): string {
    return `#TimerRef<${this.id}>`;
  }
  /** How `console.log` and `util.inspect` show it. */
  [inspect.custom](): string {
    return this.toString();
  }
  toJSON(): string {
    return this.toString();
  }
  get [Symbol.toStringTag](): string {
    return this.#brand;
  }
}

/** @internal */
export function makePid(): Pid {
  return new Pid(nextPid++);
}

/** @internal */
export function makeRef(): Ref {
  return new Ref(nextRef++);
}

/** @internal */
export function makeTimerRef(): TimerRef {
  return new TimerRef(nextRef++);
}

/** True when `value` is a process identifier. */
export function isPid(value: unknown): value is Pid {
  return value instanceof Pid;
}

/** True when `value` is a reference. */
export function isRef(value: unknown): value is Ref {
  return value instanceof Ref;
}
