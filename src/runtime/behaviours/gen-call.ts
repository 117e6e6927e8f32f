/**
 * Requests to behaviours: `call` (with its reply), `cast`, and the request records a behaviour's
 * loop recognises. A reply settles the caller's promise directly; once the call has timed out or
 * its target died, a late reply finds nothing to settle and is dropped (what OTP's aliases do).
 */
import { ExitError, NoProcError, OptionsError, TimeoutError } from "../errors.ts";
import { addDeadline, type Expirable, trimDeadlines } from "../process/deadlines.ts";
import { type Dest, resolveProc, send } from "../names/names.ts";
import { CALL_SLOT, isPid, isRef, makeRef, type Pid, type Ref } from "../process/pid.ts";
import { guarded } from "../unreadable.ts";
import { currentProc, deliver, OUTSIDE, type Proc } from "../process/process.ts";
import { checkTimeout } from "../process/deadlines.ts";

/**
 * Who made a call, as `handleCall` and GenStatem's `["call", from]` event receive it: keep it and
 * pass it to `reply` (`GenServer.reply`, `GenStatem.reply`, `Parley.reply`) to answer later. It may
 * be copied or stored in state; any copy with the same `pid` and `tag` reaches the call. Replying
 * after the caller gave up (timeout, exit) does nothing.
 */
export interface From {
  /** The calling process; for a call made outside any process, a placeholder Pid that no process has. */
  readonly pid: Pid;
  /** Unique to this call: what a reply is matched against. */
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

/**
 * A call in flight. It is also the call's From (what the server replies to), its deadline and its
 * exit hook on the target, so a call costs one object besides its promise.
 */
class PendingCall implements From, Expirable {
  deadline = 0;
  settled = false;
  readonly #resolve: (value: unknown) => void;
  readonly #reject: (err: unknown) => void;
  readonly #target: Proc;
  readonly #dest: Dest;
  readonly #timeoutMs: number;

  constructor(
    readonly pid: Pid,
    readonly tag: Ref,
    resolve: (value: unknown) => void,
    reject: (err: unknown) => void,
    target: Proc,
    dest: Dest,
    timeoutMs: number,
  ) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#target = target;
    this.#dest = dest;
    this.#timeoutMs = timeoutMs;
  }

  settle(value: unknown): void {
    if (this.#finish()) this.#resolve(value);
  }

  expire(): void {
    if (this.#finish()) this.#reject(new TimeoutError(this.#timeoutMs, "call", this.#dest));
  }

  procExited(_proc: Proc, reason: unknown): void {
    if (this.#finish()) this.#reject(new ExitError(reason, this.#dest));
  }

  #finish(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.tag[CALL_SLOT] = undefined;
    this.#target.offExit(this);
    if (this.#timeoutMs !== Infinity) trimDeadlines(this.#timeoutMs);
    return true;
  }
}

/**
 * Sends `request` to the behaviour at `dest` and waits for its reply.
 * @throws NoProcError when no process answers to `dest`.
 * @throws TimeoutError when no reply came within `timeoutMs`.
 * @throws ExitError when the target exited before replying (`reason` is its exit reason), or with
 *   reason `["calling_self", dest]` when a process calls itself.
 */
export function call(dest: Dest, request: unknown, timeoutMs = 5000, kind: typeof CallRequest | typeof SystemRequest = CallRequest): Promise<unknown> {
  let target: Proc | undefined;
  try {
    checkTimeout(timeoutMs);
    target = resolveProc(dest);
  } catch (err) {
    return Promise.reject(err);
  }
  if (target === undefined) {
    return Promise.reject(new NoProcError(dest, isPid(dest) ? "no process is alive at" : undefined));
  }
  const proc = target;
  const caller = currentProc();
  // The caller would wait for itself for ever: OTP exits with calling_self instead.
  if (caller === proc) return Promise.reject(new ExitError(["calling_self", dest], dest));
  return new Promise((resolve, reject) => {
    const tag = makeRef();
    const from = new PendingCall(caller?.pid ?? OUTSIDE, tag, resolve, reject, proc, dest, timeoutMs);
    tag[CALL_SLOT] = from;
    if (timeoutMs !== Infinity) addDeadline(from, timeoutMs);
    proc.onExit(from);
    deliver(proc, new kind(from, request));
  });
}

/**
 * Answers a call. Replying twice, or after the caller gave up, does nothing.
 * @throws OptionsError when `from` is not a From.
 */
export function reply(from: From, value: unknown): void {
  const call = guarded(() => pendingCallOf(from), (unreadable) => new OptionsError("from", unreadable, FROM));
  if (call instanceof PendingCall) call.settle(value);
}

const FROM = "the From of a call ({ pid, tag })";

function pendingCallOf(from: From): unknown {
  if (from === null || typeof from !== "object" || !isPid(from.pid)) throw new OptionsError("from", from, FROM);
  const tag: unknown = from.tag;
  if (!isRef(tag)) throw new OptionsError("from", from, FROM);
  // Through the tag, so the From a callback got and any copy of it ({ ...from }) both reach the call.
  return tag[CALL_SLOT];
}

/**
 * The one answer shape of the internal calls that can fail (`sys`, supervisor requests, the
 * client's own requests): `["ok", value]` or `["error", err]`, made by `replyChecked` /
 * `replyError` in the served process and opened by `callChecked` in the caller.
 */
type CheckedAnswer = readonly ["ok", unknown] | readonly ["error", unknown];

/**
 * Calls `dest` like `call`, and resolves the value it answered with `replyChecked`, or rejects
 * with the error it answered with `replyError`.
 */
export async function callChecked(dest: Dest, request: unknown, timeoutMs: number, kind: typeof CallRequest | typeof SystemRequest = CallRequest): Promise<unknown> {
  const answer = (await call(dest, request, timeoutMs, kind)) as CheckedAnswer;
  if (answer[0] === "error") throw answer[1];
  return answer[1];
}

/** Answers a `callChecked` with a value: its caller resolves `value`. */
export function replyValue(from: From, value?: unknown): void {
  reply(from, ["ok", value] satisfies CheckedAnswer);
}

/** Answers a `callChecked` with an error: its caller rejects with `err`. */
export function replyError(from: From, err: unknown): void {
  reply(from, ["error", err] satisfies CheckedAnswer);
}

/** Answers a `callChecked` with what `answer` returns, or with what it throws. */
export function replyChecked(from: From, answer: () => unknown): void {
  let value: unknown;
  try {
    value = answer();
  } catch (err) {
    return replyError(from, err);
  }
  replyValue(from, value);
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
