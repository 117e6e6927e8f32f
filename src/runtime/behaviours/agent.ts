/**
 * Agent: a process that holds one value, read and changed by functions sent to it, as Elixir's
 * `Agent`. It is a GenServer underneath: `sys`, names, links and supervision work as for one.
 */
import { BadReturnError, OptionsError } from "../errors.ts";
import { asBadReturn } from "../unreadable.ts";
import type { Dest } from "../names/names.ts";
import type { Pid } from "../process/pid.ts";
import { isPromiseLike } from "../predicates.ts";
import type { StartOptions } from "./start-options.ts";
import type { ChildSpec } from "./child-spec-types.ts";
import type { From } from "./gen-call.ts";
import { type CallResult, type CastResult, GenServer, type InitResult } from "./gen-server.ts";
import type { MaybePromise } from "./maybe-promise.ts";

/** A function an Agent runs on its state, inside the agent's process; it may be async. */
export type StateFn<S, R> = (state: S) => R | PromiseLike<R>;

/**
 * A process holding a value, as Elixir's `Agent`.
 *
 * @example
 * ```ts
 * const cache = await Agent.startLink(() => new Map<string, number>());
 * await Agent.update(cache, (m: Map<string, number>) => m.set("btc", 97_000));
 * await Agent.get(cache, (m: Map<string, number>) => m.get("btc")); // 97000
 * ```
 *
 * @remarks
 * Every function (`start`'s included) runs inside the agent's process, one at a time, so
 * `self()` there is the agent and a slow function holds up every other caller. Keep them short:
 * do expensive work in the caller and send the agent only the result.
 *
 * A function that throws crashes the agent with the thrown value as its reason (a crash report
 * names `handleCall` or `handleCast`, the GenServer callback that ran it), and a caller waiting on
 * `get`, `update` or `getAndUpdate` gets `ExitError`. Under a supervisor it is restarted with the
 * function given to `start` (see `childSpec`).
 */
export const Agent = {
  /**
   * Starts an agent whose state is what `fn` returns (or resolves to), run inside the new process;
   * not linked. `start` resolves once `fn` returned.
   * @param options - `name` and `timeout` as for a GenServer.
   * @throws OptionsError (rejection) when `fn` is not a function, or for a bad option.
   * @throws StartError (rejection) with the value `fn` threw, or `["already_started", pid]`.
   */
  start(fn: () => unknown, options?: StartOptions): Promise<Pid> {
    return startAgent(fn, options, false);
  },

  /** Like `start`, linked to the calling process (outside a process, unlinked). */
  startLink(fn: () => unknown, options?: StartOptions): Promise<Pid> {
    return startAgent(fn, options, true);
  },

  /**
   * A supervisor child spec that starts the agent with `startLink(fn, options)`: id `Agent` (set
   * `id` on the spec to run several), restart `"permanent"`.
   * @throws OptionsError when `fn` is not a function, at once.
   */
  childSpec(fn: () => unknown, options?: StartOptions): ChildSpec {
    checkFn(fn);
    return { id: Agent, start: () => Agent.startLink(fn, options) };
  },

  /**
   * Runs `fn(state)` in the agent and resolves what it returns; the state is unchanged.
   * @throws TimeoutError, NoProcError, ExitError (rejections) as for `GenServer.call`.
   * @throws OptionsError (rejection) when `fn` is not a function.
   */
  get<S, R>(agent: Dest, fn: StateFn<S, R>, timeoutMs = 5000): Promise<Awaited<R>> {
    return agentCall(agent, "get", fn, timeoutMs) as Promise<Awaited<R>>;
  },

  /**
   * Replaces the state with `fn(state)` and resolves once that is done (Elixir answers `:ok`).
   * @throws TimeoutError, NoProcError, ExitError (rejections) as for `GenServer.call`.
   * @throws OptionsError (rejection) when `fn` is not a function.
   */
  async update<S>(agent: Dest, fn: StateFn<S, S>, timeoutMs = 5000): Promise<void> {
    await agentCall(agent, "update", fn, timeoutMs);
  },

  /**
   * Runs `fn(state)`, which returns `[reply, newState]`: resolves `reply` and keeps `newState`.
   * Any other return crashes the agent with a `BadReturnError` naming `Agent.getAndUpdate`.
   * @throws TimeoutError, NoProcError, ExitError (rejections) as for `GenServer.call`.
   * @throws OptionsError (rejection) when `fn` is not a function.
   */
  getAndUpdate<S, R>(agent: Dest, fn: StateFn<S, readonly [R, S]>, timeoutMs = 5000): Promise<R> {
    return agentCall(agent, "get_and_update", fn, timeoutMs) as Promise<R>;
  },

  /**
   * Replaces the state with `fn(state)` without waiting; like `GenServer.cast` it never fails.
   * @throws OptionsError when `fn` is not a function.
   */
  cast<S>(agent: Dest, fn: StateFn<S, S>): void {
    checkFn(fn);
    GenServer.cast(agent, fn);
  },

  /**
   * Stops the agent with `reason` and waits until it exited.
   * @throws NoProcError when nothing answers to `agent`; TimeoutError when it has not exited within `timeoutMs`.
   */
  stop(agent: Dest, reason: unknown = "normal", timeoutMs = Infinity): Promise<void> {
    return GenServer.stop(agent, reason, timeoutMs);
  },
};

type Op = "get" | "update" | "get_and_update";

/** The agent's process: a GenServer whose requests are functions. Named Agent for crash reports. */
const AgentServer = class Agent extends GenServer<unknown> {
  override init(fn: () => unknown): MaybePromise<InitResult<unknown>> {
    const state = fn();
    return isPromiseLike(state) ? Promise.resolve(state).then((s) => ["ok", s] as const) : ["ok", state];
  }

  override handleCall(request: readonly [Op, StateFn<unknown, unknown>], _from: From, state: unknown): MaybePromise<CallResult<unknown>> {
    const [op, fn] = request;
    const r = fn(state);
    return isPromiseLike(r) ? Promise.resolve(r).then((v) => answer(op, v, state)) : answer(op, r, state);
  }

  override handleCast(fn: StateFn<unknown, unknown>, _state: unknown): MaybePromise<CastResult<unknown>> {
    const r = fn(_state);
    return isPromiseLike(r) ? Promise.resolve(r).then((s) => ["noreply", s] as const) : ["noreply", r];
  }
};

function answer(op: Op, value: unknown, state: unknown): CallResult<unknown> {
  switch (op) {
    case "get":
      return ["reply", value, state];
    case "update":
      return ["reply", "ok", value];
    case "get_and_update":
      try {
        if (Array.isArray(value) && value.length === 2) return ["reply", value[0], value[1]];
      } catch (err) {
        // Reading a hostile pair (a getter, a Proxy trap) threw: a bad return like any other.
        throw asBadReturn(err, "Agent.getAndUpdate", value);
      }
      throw new BadReturnError("Agent.getAndUpdate", value);
  }
}

function startAgent(fn: () => unknown, options: StartOptions | undefined, link: boolean): Promise<Pid> {
  try {
    checkFn(fn);
  } catch (err) {
    return Promise.reject(err);
  }
  return link ? GenServer.startLink(AgentServer, fn, options) : GenServer.start(AgentServer, fn, options);
}

function agentCall(agent: Dest, op: Op, fn: unknown, timeoutMs: number): Promise<unknown> {
  try {
    checkFn(fn);
  } catch (err) {
    return Promise.reject(err);
  }
  return GenServer.call(agent, [op, fn], timeoutMs);
}

function checkFn(fn: unknown): asserts fn is (...args: never[]) => unknown {
  if (typeof fn !== "function") throw new OptionsError("fn", fn, "a function");
}
