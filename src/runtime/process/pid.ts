/**
 * Identifiers: process ids, references and timer references.
 *
 * Each is a class with an ECMAScript private field, so TypeScript treats them nominally (a `Ref`
 * is never accepted where a `Pid` is expected) and one value exists per process, compared with `===`.
 */
import { inspect } from "node:util";

let nextPid = 1;
let nextRef = 1;

/**
 * What every identifier shares: a number unique within this Node process, and how it prints
 * (`String`, `JSON.stringify`, `console.log`). Each subclass keeps a private brand of its own, so
 * TypeScript never takes one kind for another.
 */
export abstract class Identifier {
  /** @internal */
  constructor(
    /** Unique among identifiers of its kind in this Node process. */
    readonly id: number,
  ) {}
  /** The Elixir-style text of the identifier, e.g. `#PID<0.12.0>`. */
  abstract toString(): string;
  /** Serialises as its text, so logs and JSON show `#PID<0.12.0>`. */
  toJSON(): string {
    return this.toString();
  }
  /** How `console.log` and `util.inspect` show it. */
  [inspect.custom](): string {
    return this.toString();
  }
}

/** A process identifier. Printed as `#PID<0.N.0>`, like Elixir. */
export class Pid extends Identifier {
  readonly #brand = "Pid";
  override toString(): string {
    return `#PID<0.${this.id}.0>`;
  }
  /** `"Pid"`, for `Object.prototype.toString`. */
  get [Symbol.toStringTag](): string {
    return this.#brand;
  }
}

/**
 * The slot of a call's tag that holds the call it answers, so a reply reaches it through any copy
 * of the From. A module symbol, not a property: nothing outside gen-call.ts can read or set it.
 * @internal
 */
export const CALL_SLOT: unique symbol = Symbol("call");

/** A unique reference: monitors, calls. Printed as `#Reference<N>`. */
export class Ref extends Identifier {
  readonly #brand = "Ref";
  /** @internal */
  [CALL_SLOT]: unknown = undefined;
  override toString(): string {
    return `#Reference<${this.id}>`;
  }
  /** `"Ref"`, for `Object.prototype.toString`. */
  get [Symbol.toStringTag](): string {
    return this.#brand;
  }
}

/** A reference to a timer made by `sendAfter`. */
export class TimerRef extends Identifier {
  readonly #brand = "TimerRef";
  override toString(): string {
    return `#TimerRef<${this.id}>`;
  }
  /** `"TimerRef"`, for `Object.prototype.toString`. */
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

/** True when `value` is a process identifier; false for anything else, a revoked Proxy included. */
export function isPid(value: unknown): value is Pid {
  try {
    return value instanceof Pid;
  } catch {
    // instanceof asks a Proxy for its prototype, and a revoked one throws: it is no Pid.
    return false;
  }
}

/** True when `value` is a reference; false for anything else, a revoked Proxy included. */
export function isRef(value: unknown): value is Ref {
  try {
    return value instanceof Ref;
  } catch {
    return false;
  }
}
