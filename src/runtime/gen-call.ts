/**
 * Requests to behaviours: `call` (with its reply), `cast`, and the request records a behaviour's
 * loop recognises. A reply settles the caller's promise directly; once the call has timed out or
 * its target died, a late reply finds nothing to settle and is dropped (what OTP's aliases do).
 */
import { ExitError, NoProcError, OptionsError, TimeoutError } from "./errors.ts";
import { startTimer, type LongTimer } from "./long-timer.ts";
import { type Dest, resolveProc, send } from "./names.ts";
import { makeRef, Pid, type Ref } from "./pid.ts";
import { currentProc, deliver, type ExitHook, OUTSIDE, type Proc } from "./process.ts";
import { checkTimeout } from "./receive.ts";

/** Who made a call: pass it to `reply` to answer later. */
export interface From {
  readonly pid: Pid;
  readonly tag: Ref;
}

/** A call waiting in a behaviour's mailbox. */
export class CallRequest {
  constructor(
    readonly from: From,
    readonly request: unknown,
  ) {}
}

/** A cast waiting in a behaviour's mailbox. */
export class CastRequest {
  constructor(readonly msg: unknown) {}
}

/** A `sys` request: served in every state, even while suspended. */
export class SystemRequest {
  constructor(
    readonly from: From,
    readonly request: unknown,
  ) {}
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
  readonly target: Proc;
  readonly hook: ExitHook;
  timer: LongTimer<Ref> | undefined;
}

const pending = new Map<Ref, Pending>();

/**
 * Sends `request` to the behaviour at `dest` and waits for its reply.
 * @throws NoProcError when no process answers to `dest`.
 * @throws TimeoutError when no reply came within `timeoutMs`.
 * @throws ExitError when the target exited before replying (`reason` is its exit reason).
 */
export function call(dest: Dest, request: unknown, timeoutMs = 5000, kind: typeof CallRequest | typeof SystemRequest = CallRequest): Promise<unknown> {
  try {
    checkTimeout(timeoutMs);
  } catch (err) {
    return Promise.reject(err);
  }
  let target: Proc | undefined;
  try {
    target = resolveProc(dest);
  } catch (err) {
    return Promise.reject(err);
  }
  if (target === undefined) {
    return Promise.reject(new NoProcError(dest, dest instanceof Pid ? "no process is alive at" : undefined));
  }
  const proc = target;
  const tag = makeRef();
  return new Promise((resolve, reject) => {
    const hook: ExitHook = (_, reason) => {
      forget(tag);
      reject(new ExitError(reason, dest));
    };
    const entry: Pending = { resolve, reject, target: proc, hook, timer: undefined };
    if (timeoutMs !== Infinity) {
      entry.timer = startTimer(timeoutMs, (t) => {
        if (forget(t)) reject(new TimeoutError(timeoutMs, "call", dest));
      }, tag);
    }
    pending.set(tag, entry);
    proc.onExit(hook);
    deliver(proc, new kind({ pid: currentProc()?.pid ?? OUTSIDE, tag }, request));
  });
}

/**
 * Answers a call. Replying twice, or after the caller gave up, does nothing.
 * @throws OptionsError when `from` is not a From.
 */
export function reply(from: From, value: unknown): void {
  if (from === null || typeof from !== "object" || !(from.pid instanceof Pid)) {
    throw new OptionsError("from", from, "the From of a call ({ pid, tag })");
  }
  const entry = pending.get(from.tag);
  if (entry === undefined) return;
  forget(from.tag);
  entry.resolve(value);
}

/**
 * Sends `msg` as a cast to the behaviour at `dest`. Like Elixir's `GenServer.cast`, it never fails:
 * a cast to a name nobody holds is dropped.
 */
export function cast(dest: Dest, msg: unknown): void {
  try {
    send(dest, new CastRequest(msg));
  } catch (err) {
    if (!(err instanceof NoProcError)) throw err;
  }
}

/**
 * Stops any behaviour with `reason` through a system request (its `terminate` runs) and waits
 * until it exited.
 * @throws NoProcError when nothing answers to `dest`.
 * @throws TimeoutError when it did not exit within `timeoutMs`.
 */
export async function stopServer(dest: Dest, reason: unknown, timeoutMs: number): Promise<void> {
  try {
    await call(dest, ["stop", reason], timeoutMs, SystemRequest);
  } catch (err) {
    // The reply never comes: the server exits while handling the request, which is the success case.
    if (!(err instanceof ExitError)) throw err;
  }
}

function forget(tag: Ref): boolean {
  const entry = pending.get(tag);
  if (entry === undefined) return false;
  pending.delete(tag);
  entry.timer?.cancel();
  entry.target.offExit(entry.hook);
  return true;
}
