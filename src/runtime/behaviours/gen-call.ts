/**
 * Requests to behaviours: `call` (with its reply), `cast`, and the request records a behaviour's
 * loop recognises. A reply settles the caller's promise directly; once the call has timed out or
 * its target died, a late reply finds nothing to settle and is dropped (what OTP's aliases do).
 * A call to another node goes through the target's Home as OTP's does: a monitor whose ref is the
 * call's tag, then the request; the reply comes back to the tag's node and settles it by the tag.
 */
import { ExitError, NoProcError, OptionsError, TimeoutError } from "../errors.ts";
import { addDeadline, type Expirable, trimDeadlines } from "../process/deadlines.ts";
import { type Dest, type RemoteAddress, resolveProc, resolveRemote, send } from "../names/names.ts";
import { CALL_SLOT, type CallWatch, type Home, isPid, isRef, makeRef, Pid, Ref } from "../process/pid.ts";
import { Unreadable } from "../unreadable.ts";
import { currentProc, deliver, deliverCast, OUTSIDE, Proc } from "../process/process.ts";
import { CastRequest } from "../process/mailbox.ts";
import { checkTimeout } from "../process/deadlines.ts";
import { putTogether, registerCrossing, takeApart } from "../process/crossing.ts";

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

// A cast waits in a mailbox as its bare message; the mailbox makes its CastRequest when looked at.
export { CastRequest };

/** A `sys` request: served in every state, even while suspended. */
export class SystemRequest {
  constructor(
    readonly from: From,
    readonly request: unknown,
  ) {}
}

// Requests cross to other nodes as [from pid, from tag, request] and [msg]; a nested crossing
// request (a client's SendFrame inside a call) crosses as its own [name, parts].
for (const type of [CallRequest, SystemRequest]) {
  registerCrossing({
    name: type.name,
    type,
    parts: (r) => [r.from.pid, r.from.tag, ...takeApart(r.request)],
    rebuild: ([pid, tag, name, request]) => {
      if (!(pid instanceof Pid) || !(tag instanceof Ref)) throw new TypeError(`a ${type.name} needs a Pid and a Ref, not ${String(pid)}, ${String(tag)}`);
      return new type({ pid, tag }, putTogether(name, request));
    },
  });
}
registerCrossing({
  name: "CastRequest",
  type: CastRequest,
  parts: (c) => [...takeApart(c.msg)],
  rebuild: ([name, msg]) => new CastRequest(putTogether(name, msg)),
});

/**
 * A call in flight. It is also the call's From (what the server replies to), its deadline and its
 * exit hook on the target, so a call costs one object besides its promise.
 */
class PendingCall implements From, Expirable, CallWatch {
  deadline = 0;
  settled = false;
  readonly #resolve: (value: unknown) => void;
  readonly #reject: (err: unknown) => void;
  /** The target, or the node of a target on another node. */
  readonly #target: Proc | Home;
  readonly #dest: Dest;
  readonly #timeoutMs: number;

  constructor(
    readonly pid: Pid,
    readonly tag: Ref,
    resolve: (value: unknown) => void,
    reject: (err: unknown) => void,
    target: Proc | Home,
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
    this.down(reason);
  }

  /**
   * The target ended before replying. As OTP's gen:call: a target on a node that went down is
   * `["nodedown", node]`, and one that was not alive is `NoProcError`, as for a local call.
   */
  down(reason: unknown): void {
    if (!this.#finish()) return;
    const target = this.#target;
    if (target instanceof Proc) this.#reject(new ExitError(reason, this.#dest));
    else if (reason === "noconnection") this.#reject(new ExitError(["nodedown", target.node], this.#dest));
    else if (reason === "noproc") this.#reject(new NoProcError(this.#dest, isPid(this.#dest) ? "no process is alive at" : undefined));
    else this.#reject(new ExitError(reason, this.#dest));
  }

  /** The request could not be sent: the call fails with why. */
  fail(err: unknown): void {
    if (this.#finish()) this.#reject(err);
  }

  #finish(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.tag[CALL_SLOT] = undefined;
    const target = this.#target;
    if (target instanceof Proc) target.offExit(this);
    else target.route(["demonitor", this.pid, this.tag]);
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
    const remote = resolveRemote(dest);
    if (remote !== undefined) return callRemote(remote, dest, request, timeoutMs, kind);
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
 * Answers a call. Replying twice, or after the caller gave up, does nothing. A call made on
 * another node is answered there, through the node that made the tag.
 * A reply that cannot cross to the caller's node rejects the call there with `EncodeError`
 * naming its path; the server goes on.
 * @throws OptionsError when `from` is not a From.
 */
export function reply(from: From, value: unknown): void {
  // Read once each (a hostile From may answer differently twice), without a closure or a tuple:
  // every call's reply comes through here.
  if (from === null || typeof from !== "object") throw new OptionsError("from", from, FROM);
  let pid: unknown;
  let tag: unknown;
  try {
    pid = from.pid;
    tag = from.tag;
  } catch (err) {
    throw new OptionsError("from", new Unreadable(err), FROM);
  }
  if (!isPid(pid) || !isRef(tag)) throw new OptionsError("from", from, FROM);
  // Through the tag, so the From a callback got and any copy of it ({ ...from }) both reach the call.
  if (tag.home === undefined) tag[CALL_SLOT]?.settle(value);
  else tag.home.route(["reply", pid, tag, value]);
}

const FROM = "the From of a call ({ pid, tag })";

/** A call to a process of another node: its node watches the target for the call's tag. */
function callRemote(
  [home, to]: RemoteAddress,
  dest: Dest,
  request: unknown,
  timeoutMs: number,
  kind: typeof CallRequest | typeof SystemRequest,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const tag = makeRef();
    const from = new PendingCall(currentProc()?.pid ?? OUTSIDE, tag, resolve, reject, home, dest, timeoutMs);
    tag[CALL_SLOT] = from;
    if (timeoutMs !== Infinity) addDeadline(from, timeoutMs);
    // Monitor first: on one connection the target's node sees it before the request.
    home.route(["monitor", from.pid, to, tag]);
    if (from.settled) return;
    try {
      home.route(["send", to, new kind({ pid: from.pid, tag }, request)]);
    } catch (err) {
      // The request cannot cross (EncodeError): nothing was sent, the call fails with it.
      from.fail(err);
    }
  });
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
 * Sends `msg` as a cast to the behaviour at `dest`. Like Elixir's `GenServer.cast`, it never fails
 * for want of a receiver: a cast to a name nobody holds, or to a node that is down, is dropped.
 * @throws EncodeError (from distribution) when `msg` cannot cross to the node of `dest`.
 */
export function cast(dest: Dest, msg: unknown): void {
  // A local process takes the bare message (no CastRequest per cast); other forms go through send.
  if (isPid(dest) || typeof dest === "string") {
    const proc = resolveProc(dest);
    if (proc !== undefined) return deliverCast(proc, msg);
  }
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
