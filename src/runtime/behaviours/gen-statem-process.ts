/**
 * The engine behind GenStatem: turns mailbox messages into events, runs `handleEvent`, and applies
 * transitions with gen_statem's ordering of inserted, postponed and timeout events.
 */
import { BadReturnError } from "../errors.ts";
import { CallRequest, CastRequest, reply } from "./gen-call.ts";
import { BehaviourProcess, type Stop } from "./behaviour-process.ts";
import type { MaybePromise } from "./maybe-promise.ts";
import { startTimer } from "../process/long-timer.ts";
import { deliver } from "../process/process.ts";
import {
  type EventType,
  NO_ACTIONS,
  parseInitResult,
  parseResult,
  type ParsedActions,
  sameState,
  type StatemEvent,
  type TimeoutAction,
  type Transition,
  validForEnter,
} from "./statem-actions.ts";
import { isPromiseLike } from "../predicates.ts";

type Step = Stop | undefined | Promise<Stop | undefined>;

/**
 * The callbacks the engine runs once the machine started: what a GenStatem subclass provides, and
 * the client's machine. `R` is what `handleEvent` returns: whatever a user module returns (so the
 * engine does not depend on the public class), or a Transition from a machine the runtime trusts.
 */
export interface StatemCallbacks<R = unknown> {
  handleEvent(type: EventType, content: unknown, state: unknown, data: unknown): MaybePromise<R>;
  terminate(reason: unknown, state: unknown, data: unknown): unknown;
}

/** A GenStatem subclass as its process sees it: the callbacks and `init`. */
export interface GenStatemCallbacks extends StatemCallbacks {
  init(arg: unknown): MaybePromise<unknown>;
}

/** A timer's expiry, as it arrives in the mailbox; stale when the timer was cancelled or restarted. */
class TimeoutFired {
  constructor(
    readonly key: string,
    readonly id: number,
  ) {}
}

interface ActiveTimer {
  readonly id: number;
  readonly type: EventType;
  readonly content: unknown;
  /** Undefined for a zero timeout, which waits in the zero queue instead. */
  readonly handle: { cancel(): void } | undefined;
}

const ENTER: EventType = "enter";
/**
 * Numbers timers, so the expiry of a cancelled or restarted timer is told from the current one's.
 * One counter for every machine: unique per machine is all it needs, and it is a field less each.
 */
let timerSeq = 0;
/** The queues of every machine with nothing queued; see StatemProcess. */
const NO_EVENTS: StatemEvent[] = [];
const NO_KEYS: string[] = [];

/**
 * A state machine's process: state, data, the event queues and the timers of one machine. Its
 * host says how the machine's `init` is called and how its results become transitions:
 * GenStatemProcess parses a GenStatem's results (statem-actions.ts), the client's process takes
 * the transitions its machine builds as they are. Either way each result is validated once.
 * Its helpers are `private` methods, not #methods: a class with one stores a brand in every
 * instance, 8 bytes per machine.
 */
export abstract class StatemProcess<R = unknown, M extends StatemCallbacks<R> = StatemCallbacks<R>> extends BehaviourProcess {
  state: unknown = undefined;
  data: unknown = undefined;
  // The three queues below are shared empty arrays until something is queued (an idle machine
  // holds none of its own): replaced on first use, never mutated while shared.
  /** Events inserted by `next_event` and postponed events being retried: before the mailbox. */
  #queue: StatemEvent[] = NO_EVENTS;
  /** Timeouts of zero time: after the queue, before the mailbox. */
  #zeroQueue: string[] = NO_KEYS;
  #postponed: StatemEvent[] = NO_EVENTS;
  /** Created with the first timer; also the cue to cancel timers when the process exits. */
  #timers: Map<string, ActiveTimer> | undefined = undefined;
  /** An event timeout asked for by the current transition, started once it is complete. */
  #pendingEventTimeout: TimeoutAction | undefined = undefined;
  #initActions: ParsedActions | undefined = undefined;

  /** The callbacks the engine runs: a field of each GenStatem, one shared machine for every client. */
  protected abstract readonly machine: M;

  async init(arg: unknown): Promise<Stop | undefined> {
    this.callback = "init";
    const t = await this.initMachine(arg);
    if (t.kind === "stop") return { reason: t.reason };
    this.state = t.state;
    this.data = t.data;
    this.#initActions = t.actions;
    return undefined;
  }

  /**
   * The name crash reports give `handleEvent`; undefined when the machine names its own callbacks.
   * A getter, not a field: it is the same for every process of a class.
   */
  protected get eventCallback(): string | undefined {
    return "handleEvent";
  }

  /** Calls the machine's `init`: a "next" to the initial state, or a "stop". */
  protected abstract initMachine(arg: unknown): MaybePromise<Transition>;

  /** A result of the machine's `handleEvent` as a transition: the one place it is validated, if at all. */
  protected abstract transitionOf(result: R): Transition;

  /** The initial state's enter call, init's actions, and what they queued. */
  override begin(): Step {
    const actions = this.#initActions!;
    this.#initActions = undefined;
    return this.thenDrain(this.transition({ kind: "repeat", state: undefined, data: this.data, keepData: true, actions }, undefined, undefined));
  }

  // Every step below stays synchronous while the callbacks are, so a busy machine pays no
  // promise per event; an async callback turns the rest of its step into a promise chain.
  // A mailbox message becomes an event without an event object: one is only made if it is postponed.
  dispatch(msg: unknown): Step {
    if (msg instanceof CallRequest) return this.thenDrain(this.process(["call", msg.from], msg.request));
    if (msg instanceof CastRequest) return this.dispatchCast(msg.msg);
    if (!(msg instanceof TimeoutFired)) return this.thenDrain(this.process("info", msg));
    const event = this.takeTimer(msg.key, msg.id);
    return event === undefined ? undefined : this.thenDrain(this.process(event.type, event.content));
  }

  override dispatchCast(msg: unknown): Step {
    return this.thenDrain(this.process("cast", msg));
  }

  terminate(reason: unknown): unknown {
    return this.machine.terminate(reason, this.state, this.data);
  }

  getState(): unknown {
    return [this.state, this.data];
  }

  setState(value: unknown): void {
    if (!Array.isArray(value) || value.length !== 2) throw new BadReturnError("sys.replaceState", value);
    this.state = value[0];
    this.data = value[1];
  }

  status(): { state: unknown; data: unknown } {
    return { state: this.state, data: this.data };
  }

  private thenDrain(step: Step): Step {
    if (step === undefined) return this.#queue.length === 0 && this.#zeroQueue.length === 0 ? undefined : this.drain();
    if (isPromiseLike(step)) return step.then((stop) => stop ?? this.drain());
    return step;
  }

  /** Runs the inserted, postponed and zero-timeout events queued before the mailbox. */
  private drain(): Step {
    for (;;) {
      const event = (this.#queue.length === 0 ? undefined : this.#queue.shift()) ?? this.nextZeroTimeout();
      if (event === undefined) return undefined;
      this.lastEvent = event;
      const step = this.process(event.type, event.content);
      if (isPromiseLike(step)) return step.then((stop) => stop ?? this.drain());
      if (step !== undefined) return step;
    }
  }

  private process(type: EventType, content: unknown): Step {
    if (this.#timers !== undefined) this.cancelTimer("timeout"); // an event timeout is cancelled by any event
    if (this.eventCallback !== undefined) this.callback = this.eventCallback;
    const r = this.machine.handleEvent(type, content, this.state, this.data);
    if (isPromiseLike(r)) return Promise.resolve(r).then((result) => this.transition(this.transitionOf(result), type, content));
    return this.transition(this.transitionOf(r), type, content);
  }

  /**
   * Applies a transition, then starts the event timeout it asked for. Every transition goes
   * through here, the initial one included, so an event timeout set by init starts as the
   * machine begins instead of lingering until (and wrongly outliving) the first event.
   */
  private transition(t: Transition, type: EventType | undefined, content: unknown): Step {
    const step = this.apply(t, type, content);
    if (step === undefined) return this.#pendingEventTimeout === undefined ? undefined : this.afterTransition(undefined);
    if (isPromiseLike(step)) return step.then((stop) => this.afterTransition(stop));
    return this.afterTransition(step);
  }

  private afterTransition(stop: Stop | undefined): Stop | undefined {
    if (stop === undefined) this.startPendingEventTimeout();
    return stop;
  }

  /** Applies a transition; `type` and `content` are the event that caused it (no type: the initial one). */
  private apply(t: Transition, type: EventType | undefined, content: unknown): Step {
    // The common transition (keep the state, no actions) has nothing to apply but its data.
    if (t.kind === "keep" && t.actions === NO_ACTIONS) {
      if (!t.keepData) this.data = t.data;
      return undefined;
    }
    this.sendReplies(t.actions);
    if (!t.keepData) this.data = t.data;
    if (t.kind === "stop") return { reason: t.reason };
    if (t.actions.postpone && type !== undefined) {
      if (this.#postponed === NO_EVENTS) this.#postponed = [];
      this.#postponed.push({ type, content });
    }
    const old = this.state;
    const changed = t.kind === "next" && !sameState(old, t.state);
    if (t.kind === "next") this.state = t.state;
    if (changed) this.cancelTimer("state_timeout");
    let front = t.actions.nextEvents;
    if (changed && this.#postponed.length > 0) {
      front = [...front, ...this.#postponed];
      this.#postponed = NO_EVENTS;
    }
    if (front.length > 0) {
      if (this.#queue === NO_EVENTS) this.#queue = [...front];
      else this.#queue.unshift(...front);
    }
    this.setTimeouts(t.actions.timeouts);
    if (changed || t.kind === "repeat") return this.enter(type === undefined ? this.state : old);
    return undefined;
  }

  /** The state enter call: may keep or repeat the state, set timeouts and reply, nothing else. */
  private enter(oldState: unknown): Step {
    if (this.eventCallback !== undefined) this.callback = this.eventCallback;
    const r = this.machine.handleEvent(ENTER, oldState, this.state, this.data);
    if (isPromiseLike(r)) return Promise.resolve(r).then((result) => this.afterEnter(result));
    return this.afterEnter(r);
  }

  private afterEnter(result: R): Stop | undefined {
    const t = this.transitionOf(result);
    if (t.kind !== "stop" && (!validForEnter(t.actions) || (t.kind === "next" && !sameState(t.state, this.state)))) {
      throw new BadReturnError("handleEvent", result);
    }
    this.sendReplies(t.actions);
    if (!t.keepData) this.data = t.data;
    if (t.kind === "stop") return { reason: t.reason };
    this.setTimeouts(t.actions.timeouts);
    return undefined;
  }

  private sendReplies(actions: ParsedActions): void {
    for (const [from, value] of actions.replies) {
      this.countOut();
      reply(from, value);
    }
  }

  private setTimeouts(timeouts: readonly TimeoutAction[]): void {
    for (const action of timeouts) {
      if (action.kind === "timeout") {
        this.#pendingEventTimeout = action;
        continue;
      }
      const key = action.kind === "generic" ? `g:${action.key}` : action.kind;
      const type: EventType = action.kind === "generic" ? ["timeout", action.name!] : action.kind;
      this.startTimer(key, type, action);
    }
  }

  private startPendingEventTimeout(): void {
    const action = this.#pendingEventTimeout;
    if (action === undefined) return;
    this.#pendingEventTimeout = undefined;
    // Queued events would cancel it at once, so gen_statem does not start it then.
    if (this.#queue.length === 0) this.startTimer("timeout", "timeout", action);
  }

  private startTimer(key: string, type: EventType, action: TimeoutAction): void {
    this.cancelTimer(key);
    if (action.ms === Infinity) return;
    const id = ++timerSeq;
    const timers = this.ownTimers();
    if (action.ms === 0) {
      timers.set(key, { id, type, content: action.content, handle: undefined });
      if (this.#zeroQueue === NO_KEYS) this.#zeroQueue = [key];
      else this.#zeroQueue.push(key);
      return;
    }
    const handle = startTimer(action.ms, fireTimer, [this, key, id] as const);
    timers.set(key, { id, type, content: action.content, handle });
  }

  /** The timer table, created with the first timer together with the hook that clears it on exit. */
  private ownTimers(): Map<string, ActiveTimer> {
    if (this.#timers === undefined) {
      this.#timers = new Map();
      this.proc.onExit(this);
    }
    return this.#timers;
  }

  /** Removes a timer; an empty table goes away with its exit hook, as idle machines are many. */
  private forgetTimer(key: string): void {
    const timers = this.#timers!;
    timers.delete(key);
    if (timers.size === 0) {
      this.#timers = undefined;
      this.proc.offExit(this);
    }
  }

  /** The process exited: no timer of it may fire or keep Node running. */
  procExited(): void {
    if (this.#timers !== undefined) for (const timer of this.#timers.values()) timer.handle?.cancel();
    this.#timers = undefined;
    this.#zeroQueue = NO_KEYS;
  }

  private cancelTimer(key: string): void {
    const timer = this.#timers?.get(key);
    if (timer === undefined) return;
    this.forgetTimer(key);
    if (timer.handle !== undefined) timer.handle.cancel();
    else this.#zeroQueue = this.#zeroQueue.filter((k) => k !== key);
  }

  /** The event of a timer that fired, or undefined when it was cancelled or restarted since. */
  private takeTimer(key: string, id: number): StatemEvent | undefined {
    const timer = this.#timers?.get(key);
    if (timer === undefined || timer.id !== id) return undefined;
    this.forgetTimer(key);
    return { type: timer.type, content: timer.content };
  }

  private nextZeroTimeout(): StatemEvent | undefined {
    const key = this.#zeroQueue.length === 0 ? undefined : this.#zeroQueue.shift();
    if (key === undefined) return undefined;
    const timer = this.#timers!.get(key)!;
    this.forgetTimer(key);
    return { type: timer.type, content: timer.content };
  }
}

function fireTimer([bp, key, id]: readonly [StatemProcess, string, number]): void {
  deliver(bp.proc, new TimeoutFired(key, id));
}

/** The process of a GenStatem subclass: its results are parsed, once, by statem-actions.ts. */
export class GenStatemProcess extends StatemProcess<unknown, GenStatemCallbacks> {
  constructor(
    module: { readonly name: string },
    protected readonly machine: GenStatemCallbacks,
  ) {
    super(module);
  }

  protected async initMachine(arg: unknown): Promise<Transition> {
    const r: unknown = this.machine.init(arg);
    // Only a promise is awaited: await reads `then`, which a hostile result turns into a raw throw.
    return parseInitResult(isPromiseLike(r) ? await r : r);
  }

  protected transitionOf(result: unknown): Transition {
    return parseResult(result, "handleEvent");
  }
}
