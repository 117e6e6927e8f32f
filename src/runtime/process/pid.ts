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
 * (`String`, `JSON.stringify`, `console.log`). Each subclass declares a private brand of its own
 * (a declaration only, no field in the instance), so TypeScript never takes one kind for another.
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

/**
 * A process identifier. Printed as `#PID<0.N.0>` like Elixir; a process on another node prints
 * `#PID<I.N.0>` where `I` is that node's local index (`nodeOf` gives its name).
 */
export class Pid extends Identifier {
  // A TypeScript-private member makes the class nominal as an ECMAScript #field would, without a
  // field in every instance: `declare` emits nothing.
  declare private readonly brand: "Pid";
  /** @internal */
  constructor(
    id: number,
    /**
     * The node this process lives on, when it is not this one: where its signals are routed.
     * @internal
     */
    readonly home: Home | undefined = undefined,
  ) {
    super(id);
  }
  override toString(): string {
    return `#PID<${this.home?.index ?? 0}.${this.id}.0>`;
  }
  /** `"Pid"`, for `Object.prototype.toString`. */
  get [Symbol.toStringTag](): string {
    return "Pid";
  }
}

/**
 * The slot of a call's tag that holds the call it answers, so a reply reaches it through any copy
 * of the From. A module symbol, not a property: only gen-call.ts and the distribution seam (a reply
 * or a DOWN arriving from another node) read or set it.
 * @internal
 */
export const CALL_SLOT: unique symbol = Symbol("call");

/** A unique reference: monitors, calls. Printed as `#Reference<N>`. */
export class Ref extends Identifier {
  declare private readonly brand: "Ref";
  /** @internal */
  constructor(
    id: number,
    /**
     * The node that made this reference, when it is not this one: where a reply to it goes.
     * @internal
     */
    readonly home: Home | undefined = undefined,
  ) {
    super(id);
  }
  /** @internal */
  [CALL_SLOT]: CallWatch | undefined = undefined;
  override toString(): string {
    return this.home === undefined ? `#Reference<${this.id}>` : `#Reference<${this.home.index}.${this.id}>`;
  }
  /** `"Ref"`, for `Object.prototype.toString`. */
  get [Symbol.toStringTag](): string {
    return "Ref";
  }
}

/** A reference to a timer made by `sendAfter`. */
export class TimerRef extends Identifier {
  declare private readonly brand: "TimerRef";
  override toString(): string {
    return `#TimerRef<${this.id}>`;
  }
  /** `"TimerRef"`, for `Object.prototype.toString`. */
  get [Symbol.toStringTag](): string {
    return "TimerRef";
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

/**
 * Another node, as the Pids and Refs it made name it: the runtime's one seam to distribution.
 * Every signal the runtime cannot deliver in this process (its target lives on that node) goes
 * through `route`; what arrives from that node comes back through the functions of `home.ts`.
 * Without distribution no Home exists except unreachable ones (see `home.ts`).
 * @internal
 */
export interface Home {
  /** The node's name. */
  readonly node: string;
  /** A small number unique to this node and incarnation in this Node process, printed in its Pids. */
  readonly index: number;
  /** Sends one signal to that node. Never throws: a node that is down answers as Erlang's do. */
  route(signal: Signal): void;
}

/**
 * A signal for a process on another node. `to` is a Pid or, for `{ name, node }`, a name
 * registered there. `link` is true for an exit propagated through a link, false for `exit(pid, r)`.
 * @internal
 */
export type Signal =
  | readonly ["send", to: Pid | string, msg: unknown]
  | readonly ["link", from: Pid, to: Pid]
  | readonly ["unlink", from: Pid, to: Pid]
  | readonly ["exit", from: Pid, to: Pid, reason: unknown, link: boolean]
  | readonly ["monitor", watcher: Pid, to: Pid | string, ref: Ref]
  | readonly ["demonitor", watcher: Pid, ref: Ref]
  | readonly ["down", watcher: Pid, ref: Ref, reason: unknown]
  | readonly ["reply", to: Pid, tag: Ref, value: unknown];

/**
 * A call waiting for its answer, reached through its tag: a reply settles it, and so does the end
 * of its target (`down`, with the exit reason, or `"noconnection"` when the target's node went down)
 * or a reply that could not be sent (`fail`).
 * @internal
 */
export interface CallWatch {
  settle(value: unknown): void;
  down(reason: unknown): void;
  /** The reply could not be sent (it cannot cross from the target's node): the call rejects `err`. */
  fail(err: unknown): void;
}
