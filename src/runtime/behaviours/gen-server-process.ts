/**
 * What runs inside a GenServer's process: each call, cast or plain message goes to its callback,
 * and the callback's result (checked against its union) updates the state, replies or stops. A
 * result's optional last element (Elixir's `{:continue, c}`, timeout or `:hibernate`) is applied
 * here too: a continue runs `handleContinue` before the next message, a timeout arms an idle timer.
 */
import { BadReturnError } from "../errors.ts";
import { asBadReturn } from "../unreadable.ts";
import { CallRequest, CastRequest, type From, reply } from "./gen-call.ts";
import { BehaviourProcess, type StepResult, type Stop } from "./behaviour-process.ts";
import type { MaybePromise } from "./maybe-promise.ts";
import { isPlainObject, isPromiseLike } from "../predicates.ts";
import { cancelTimer, sendAfter } from "../process/timers.ts";
import type { TimerRef } from "../process/pid.ts";

/**
 * The callbacks the process runs: what a GenServer subclass provides. The results are checked
 * here, whatever their static type says, so the engine does not depend on the public class.
 */
export interface ServerCallbacks {
  init(arg: unknown): MaybePromise<unknown>;
  handleCall(request: unknown, from: From, state: unknown): MaybePromise<unknown>;
  handleCast(msg: unknown, state: unknown): MaybePromise<unknown>;
  handleInfo(msg: unknown, state: unknown): MaybePromise<unknown>;
  handleContinue(cont: unknown, state: unknown): MaybePromise<unknown>;
  terminate(reason: unknown, state: unknown): unknown;
}

/** What a result may end with, checked: run a continue, arm an idle timeout, or nothing. */
type Next = { readonly continue: unknown } | number | "hibernate" | undefined;

/** The message an idle timeout sends the process; only the one armed last counts. */
class IdleTimeout {}

/**
 * A GenServer's process: its state and the application of each callback's result. Its helpers
 * are `private` methods, not #methods: a class with one stores a brand in every instance.
 */
export class ServerProcess extends BehaviourProcess {
  state: unknown = undefined;
  /** What init's result asked for, applied once `start` has resolved. */
  initNext: Next = undefined;
  /** The idle timeout armed by the last result, if any. */
  idle: { readonly marker: IdleTimeout; readonly timer: TimerRef } | undefined = undefined;

  constructor(
    module: { readonly name: string },
    readonly server: ServerCallbacks,
  ) {
    super(module);
  }

  async init(arg: unknown): Promise<Stop | undefined> {
    this.callback = "init";
    const v: unknown = this.server.init(arg);
    // Only a promise is awaited: await reads `then`, which a hostile result turns into a raw throw.
    const r: unknown = isPromiseLike(v) ? await v : v;
    return read("init", r, () => this.takeInit(r));
  }

  private takeInit(r: unknown): Stop | undefined {
    if (Array.isArray(r)) {
      if (r[0] === "ok" && (r.length === 2 || r.length === 3)) {
        this.initNext = nextOf("init", r, 2);
        this.state = r[1];
        return undefined;
      }
      if (r[0] === "stop" && r.length === 2) return { reason: r[1] };
    }
    throw new BadReturnError("init", r);
  }

  /** init's continue runs here, after `start` resolved and before any message, as in Elixir. */
  override begin(): StepResult {
    const next = this.initNext;
    this.initNext = undefined;
    return this.apply(next);
  }

  // Casts first: the one-way path is the hottest. Each result is read where it is applied,
  // without a closure or a record per message.
  dispatch(msg: unknown): StepResult {
    if (msg instanceof IdleTimeout) return this.timedOut(msg);
    if (msg instanceof CastRequest) return this.dispatchCast(msg.msg);
    this.cancelIdle();
    if (msg instanceof CallRequest) {
      this.callback = "handleCall";
      const r = this.server.handleCall(msg.request, msg.from, this.state);
      return isPromiseLike(r) ? Promise.resolve(r).then((v) => this.afterCall(v, msg.from)) : this.afterCall(r, msg.from);
    }
    return this.info(msg);
  }

  override dispatchCast(msg: unknown): StepResult {
    this.cancelIdle();
    this.callback = "handleCast";
    const r = this.server.handleCast(msg, this.state);
    return isPromiseLike(r) ? Promise.resolve(r).then((v) => this.afterNoreply(v)) : this.afterNoreply(r);
  }

  /** Any message but the idle timeout itself cancels the idle timeout. */
  private cancelIdle(): void {
    if (this.idle === undefined) return;
    cancelTimer(this.idle.timer);
    this.idle = undefined;
  }

  /** Only the timeout armed last counts: an older one that fired before it was cancelled is dropped. */
  private timedOut(marker: IdleTimeout): StepResult {
    if (marker !== this.idle?.marker) return undefined;
    this.idle = undefined;
    this.lastEvent = "timeout";
    return this.info("timeout");
  }

  info(msg: unknown): StepResult {
    this.callback = "handleInfo";
    const r = this.server.handleInfo(msg, this.state);
    return isPromiseLike(r) ? Promise.resolve(r).then((v) => this.afterNoreply(v)) : this.afterNoreply(r);
  }

  /**
   * Applies handleCall's result. It is read inside a guard, each element once (a getter or a Proxy
   * that throws makes it a BadReturnError); what it asks next (a continue, a timeout) runs
   * outside, as user code.
   */
  afterCall(r: unknown, from: From): StepResult {
    let next: Next;
    try {
      if (!Array.isArray(r)) throw new BadReturnError("handleCall", r);
      const tag: unknown = r[0];
      const length = r.length;
      if (tag === "reply" && (length === 3 || length === 4)) {
        next = length === 3 ? undefined : nextOf("handleCall", r, 3);
        const value: unknown = r[1];
        this.state = r[2];
        this.countOut();
        reply(from, value);
      } else if (tag === "noreply" && (length === 2 || length === 3)) {
        next = length === 2 ? undefined : nextOf("handleCall", r, 2);
        this.state = r[1];
      } else if (tag === "stop" && length === 4) {
        const reason: unknown = r[1];
        const value: unknown = r[2];
        this.state = r[3];
        reply(from, value);
        return { reason };
      } else if (tag === "stop" && length === 3) {
        const reason: unknown = r[1];
        this.state = r[2];
        return { reason };
      } else {
        throw new BadReturnError("handleCall", r);
      }
    } catch (err) {
      throw asBadReturn(err, "handleCall", r);
    }
    return next === undefined ? undefined : this.apply(next);
  }

  /** The result of handleCast, handleInfo or handleContinue (`this.callback` names which), as {@link afterCall}. */
  afterNoreply(r: unknown): StepResult {
    const callback = this.callback;
    let next: Next;
    try {
      if (!Array.isArray(r)) throw new BadReturnError(callback, r);
      const tag: unknown = r[0];
      const length = r.length;
      if (tag === "noreply" && (length === 2 || length === 3)) {
        next = length === 2 ? undefined : nextOf(callback, r, 2);
        this.state = r[1];
      } else if (tag === "stop" && length === 3) {
        const reason: unknown = r[1];
        this.state = r[2];
        return { reason };
      } else {
        throw new BadReturnError(callback, r);
      }
    } catch (err) {
      throw asBadReturn(err, callback, r);
    }
    return next === undefined ? undefined : this.apply(next);
  }

  /**
   * Does what a result's last element asked: a continue runs handleContinue now (its result may
   * chain another), a finite timeout arms the idle timer; `"hibernate"` has nothing to do in V8.
   */
  apply(next: Next): StepResult {
    if (next === undefined || next === "hibernate" || next === Infinity) return undefined;
    if (typeof next === "number") {
      const marker = new IdleTimeout();
      this.idle = { marker, timer: sendAfter(this.proc.pid, marker, next) };
      return undefined;
    }
    this.callback = "handleContinue";
    const r = this.server.handleContinue(next.continue, this.state);
    return isPromiseLike(r) ? Promise.resolve(r).then((v) => this.afterNoreply(v)) : this.afterNoreply(r);
  }

  terminate(reason: unknown): unknown {
    return this.server.terminate(reason, this.state);
  }

  getState(): unknown {
    return this.state;
  }

  setState(state: unknown): void {
    this.state = state;
  }

  status(): { state: unknown; data: unknown } {
    return { state: undefined, data: this.state };
  }
}

/**
 * The last element of `r` when it is longer than its plain form (`plainLength`): a continue
 * (`{ continue: c }`), a timeout (a non-negative number of ms, or Infinity for none) or
 * `"hibernate"`. Anything else makes the whole result a BadReturnError of `callback`.
 */
function nextOf(callback: string, r: readonly unknown[], plainLength: number): Next {
  if (r.length === plainLength) return undefined;
  const extra = r[plainLength];
  if (extra === "hibernate") return extra;
  if (typeof extra === "number" && extra >= 0) return extra;
  // A fresh object: the continue term is read here, once, inside the caller's guard.
  if (isPlainObject(extra) && Object.keys(extra).length === 1 && "continue" in extra) return { continue: extra["continue"] };
  throw new BadReturnError(callback, r);
}

/**
 * Runs `take`, which reads a callback's result `r` and applies it: what a getter or a Proxy trap
 * in `r` throws becomes a BadReturnError naming the callback.
 */
function read<T>(callback: string, r: unknown, take: () => T): T {
  try {
    return take();
  } catch (err) {
    throw asBadReturn(err, callback, r);
  }
}
