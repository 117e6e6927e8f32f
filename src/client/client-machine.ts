/**
 * The client's connection rules as a GenStatem machine: states `disconnected` → `connecting` →
 * `connected` → `closing` → `disconnected`. User callbacks run in event handlers (never in enter
 * calls), so whatever they return can change state. client-process.ts hosts it.
 */
import { type From, reply, replyValue } from "../runtime/behaviours/gen-call.ts";
import type { MaybePromise } from "../runtime/behaviours/maybe-promise.ts";
import type { Proc } from "../runtime/process/process.ts";
import type { Name } from "../runtime/names/names-types.ts";
import { type EventType, genericTimeout, KEEP, keepWith, nextState, type ParsedActions, stateTimeout, stopWith, timeoutsOnly, type Transition } from "../runtime/behaviours/statem-actions.ts";
import type { StatemCallbacks } from "../runtime/behaviours/gen-statem-process.ts";
import { Closed, Connection, type ConnectInfo, dial, FrameIn, Opened, PingIn } from "./connection.ts";
import { closeCodeFor, type Frame } from "./frames.ts";
import { HANDLED, pullInfo, received, recvCall, Undecodable, UNDECODABLE_CLOSE } from "./pull.ts";
import { PullBuffer, Recv } from "./pull-buffer.ts";
import { encodeSend } from "./codec.ts";
import { HEARTBEAT, peerAlive, PING_FRAME, startHeartbeat, STOP_HEARTBEAT, tick } from "./heartbeat.ts";
import { mergeConnectOverrides } from "./options.ts";
import { redactUrl } from "../runtime/secrets.ts";
import { Connect, Disconnect, InvalidFrameAsync, Send, SendFrame, SendFrameAsync, Status } from "./requests.ts";
import { acceptClientResult, acceptDisconnectResult, acceptInitResult, type CallReplyResult, type ClientCallbacks, keptState, NOT_OK, outcome } from "./results.ts";
import { decide } from "./reconnect-decision.ts";
import { FRAME_OUTCOME, needsOutcome, writeRefused } from "./write-outcome.ts";
import { type ClientData, type ConnState, NO_CALLERS, statusOf } from "./client-data.ts";
import { behaviourOf } from "../runtime/behaviours/behaviour-process.ts";
import { callOffRetry, failQueue, flush, holdFrame, holdSend } from "./outbox.ts";
import * as telemetry from "./telemetry.ts";
import { isPromiseLike } from "../runtime/predicates.ts";

/** What every event handler returns: a transition the engine applies as it is (results.ts checked the user's). */
type Result = Transition;

const RECONNECT = "reconnect";
const CANCEL_RECONNECT: ParsedActions = timeoutsOnly(Object.freeze([genericTimeout(RECONNECT, Infinity, null)]));

/**
 * The process that hosts the machine, as the machine sees it: handed to `init` and, as the
 * machine's data, to every event (client-process.ts). It holds the user's module instance. The
 * machine names the user callback it runs in `callback`, once per event, for crash reports.
 */
export interface MachineHost extends ClientData {
  readonly proc: Proc;
  readonly name: Name | undefined;
  readonly client: ClientCallbacks;
  callback: string;
  pull: PullBuffer | undefined;
}

/**
 * The machine holds nothing of its own: everything is in the host it is given, so one machine
 * serves every client (CLIENT_MACHINE).
 */
export class ClientMachine implements StatemCallbacks<Result> {
  async init(arg: unknown, host: MachineHost): Promise<Result> {
    const proc = host.proc;
    proc.trapExit = true;
    host.callback = "init";
    const r = await outcome(host.client.init(arg), acceptInitResult);
    if (r[0] === "stop") return stopWith(r[1]);
    host.user = r[1];
    if (!host.options.active) host.pull = new PullBuffer(proc.pid);
    proc.onExit(this);
    return nextState("connecting", host);
  }

  /** Whatever ends the process (a kill included), its socket must not outlive it. */
  procExited(proc: Proc): void {
    const conn = (behaviourOf(proc) as Partial<MachineHost> | undefined)?.conn;
    if (conn !== undefined && (conn.open || conn.readyState === Connection.CONNECTING)) conn.terminate();
  }

  handleEvent(type: EventType, content: unknown, state: ConnState, data: MachineHost): MaybePromise<Result> {
    if (type === "info") return this.#info(content, state, data);
    if (type === "cast") {
      data.callback = "handleCast";
      return this.#user(data.client.handleCast(content, data.user), state, data);
    }
    if (Array.isArray(type)) {
      if (type[0] === "call") return this.#call(type[1] as From, content, state, data);
      return this.#timeout(type[1], state, data);
    }
    if (type === "enter") return this.#enter(state, data);
    if (type === "state_timeout") return this.#connectTimeout(data);
    return KEEP;
  }

  terminate(reason: unknown, _state: ConnState, data: MachineHost): unknown {
    const conn = data.conn;
    if (conn !== undefined) this.#abandoned(conn, data, reason);
    if (conn?.open) conn.closeHandshake(closeCodeFor(reason), "");
    failQueue(data, "closing", "the client stopped");
    for (const from of data.waiters) replyValue(from);
    data.waiters = NO_CALLERS;
    return data.client.terminate(reason, data.user);
  }

  #enter(state: ConnState, data: MachineHost): Result {
    switch (state) {
      case "connecting": {
        data.since = performance.now();
        data.upgraded = false;
        data.conn = dial(data.proc, data.options);
        telemetry.publishConnectStart(data.meta, data.attempt);
        const timeout = data.options.connectTimeout;
        return timeout === Infinity ? KEEP : keepWith(timeoutsOnly([stateTimeout(timeout, "connect_timeout")]));
      }
      case "connected": {
        const hb = data.options.heartbeat;
        return hb === false ? KEEP : keepWith(startHeartbeat(hb, data));
      }
      default:
        return keepWith(STOP_HEARTBEAT);
    }
  }

  #info(msg: unknown, state: ConnState, data: MachineHost): MaybePromise<Result> {
    if (msg instanceof SendFrameAsync) return this.#sendAsync(msg.frame, state, data);
    if (msg instanceof InvalidFrameAsync) {
      telemetry.publishInvalid(data.meta, msg.type, msg.size);
      return KEEP;
    }
    if (msg instanceof FrameIn) {
      const value = received(msg, data);
      if (value === HANDLED) return KEEP;
      if (value instanceof Undecodable) return this.#disconnectResult(["error", value.error], UNDECODABLE_CLOSE, state, data);
      data.callback = "handleFrame";
      return this.#user(data.client.handleFrame(value as Frame, data.user), state, data);
    }
    if (msg instanceof PingIn) {
      msg.conn.taken();
      if (msg.conn !== data.conn) return KEEP;
      data.framesIn++;
      data.framesOut++;
      telemetry.publishPing(data.meta, msg.payload);
      data.callback = "handlePing";
      return this.#user(data.client.handlePing(msg.payload, data.user), state, data);
    }
    if (pullInfo(msg, data)) return KEEP;
    if (msg instanceof Opened) return msg.conn === data.conn ? this.#opened(msg.info, data) : KEEP;
    if (msg instanceof Closed) {
      if (msg.conn !== data.conn) return KEEP;
      return this.#ended(state, data, msg.reason, !msg.reachedServer);
    }
    data.callback = "handleInfo";
    return this.#user(data.client.handleInfo(msg, data.user), state, data);
  }

  async #opened(info: ConnectInfo, data: MachineHost): Promise<Result> {
    const conn = data.conn!;
    telemetry.publishConnectStop(data.meta, data.attempt, "ok", data.since);
    data.attempt = 0;
    data.firstDial = false;
    data.since = performance.now();
    data.upgraded = true;
    data.callback = "handleConnect";
    const r = await outcome(data.client.handleConnect(data.user, info), (v) => acceptClientResult(v, "handleConnect", false, data.options.codec));
    // The push of handleConnect goes first, then what waited for the connection, in order.
    if (r[0] === "ok" || r[0] === "push") {
      data.user = r[0] === "ok" ? r[1] : r[2];
      if (r[0] === "push") this.#write(conn, r[1], undefined, data);
      flush(data, (frame, from) => this.#write(conn, frame, from, data));
      return nextState("connected", data);
    }
    return this.#apply(r, "connected", data); // the queue waits for the decision after this connection
  }

  /** The socket of the current attempt or connection is gone. */
  #ended(state: ConnState, data: MachineHost, why: unknown, unreachable: boolean): MaybePromise<Result> {
    data.conn = undefined;
    if (state === "connecting") {
      telemetry.publishConnectStop(data.meta, data.attempt, "error", data.since, why);
      return this.#decide(why, data, unreachable);
    }
    const reason = state === "closing" ? data.closingReason : why;
    telemetry.publishConnectionStop(data.meta, reason, data.since);
    // Frames still queued here waited through a connection handleConnect closed.
    return this.#decide(reason, data, false, "closing");
  }

  #connectTimeout(data: MachineHost): MaybePromise<Result> {
    // A server that answered part of a response (slow headers) was reached: API §5.
    return this.#giveUp(data, "connect_timeout", "error", !data.conn!.reachedServer);
  }

  /**
   * Drops the current socket without waiting for it to close (connect timeout, local abort, dead
   * peer): ends its telemetry span, fails what waited for it, and goes on to the decision.
   */
  #giveUp(data: MachineHost, reason: unknown, outcome: "error" | "aborted", unreachable: boolean): MaybePromise<Result> {
    const conn = data.conn!;
    conn.terminate();
    data.conn = undefined;
    this.#abandoned(conn, data, reason, outcome);
    return this.#decide(reason, data, unreachable);
  }

  /**
   * After a failed attempt or a lost connection: ask handleDisconnect, then reconnect, stay down or
   * stop. Only a retry keeps the frames queued for the next connection: any other outcome gives up.
   */
  async #decide(reason: unknown, data: MachineHost, unreachable: boolean, dropped: telemetry.FrameDropReason = "connect_failed"): Promise<Result> {
    const attempt = data.attempt;
    const local = data.localClose;
    const firstDial = data.firstDial;
    data.localClose = false;
    data.firstDial = false;
    data.closingReason = undefined;
    data.lastDisconnect = reason;
    data.callback = "handleDisconnect";
    const r = await outcome(data.client.handleDisconnect(reason, data.user, { attempt }), acceptDisconnectResult);
    data.user = r[0] === "stop" ? r[2] : r[1];
    for (const from of data.waiters) replyValue(from);
    data.waiters = NO_CALLERS;
    if (r[0] === "stop") {
      failQueue(data, dropped, "handleDisconnect stopped the client");
      return stopWith(r[1], data);
    }
    if (r[0] === "reconnect" && r.length === 3) {
      data.options = mergeConnectOverrides(data.options, r[2]);
      data.url = redactUrl(data.options.url);
    }
    const d = decide(r[0], { reason, attempt, reconnect: data.options.reconnect, local, firstDial, unreachable });
    switch (d[0]) {
      case "stop":
        failQueue(data, dropped, "the first dial could not reach the server");
        return stopWith(d[1], data);
      case "exhausted":
        failQueue(data, dropped, "the retries are exhausted");
        telemetry.publishExhausted(data.meta, attempt);
        return stopWith(["error", "max_retries_exceeded"], data);
      case "down":
        failQueue(data, dropped, "no retry follows");
        return nextState("disconnected", data);
      case "retry":
        data.retrying = true;
        data.attempt = d[2];
        telemetry.publishReconnect(data.meta, d[2], d[1]);
        return nextState("disconnected", data, timeoutsOnly([genericTimeout(RECONNECT, d[1], null)]));
    }
  }

  #call(from: From, req: unknown, state: ConnState, data: MachineHost): MaybePromise<Result> {
    if (req instanceof Recv) return recvCall(req, from, state, data);
    const send = req instanceof Send ? encodeSend(req, from, data.options.codec) : req;
    if (send === undefined) return KEEP;
    if (send instanceof SendFrame) return this.#send(send, from, state, data);
    if (req instanceof Disconnect) return this.#disconnect(req, from, state, data);
    if (req instanceof Connect) {
      replyValue(from);
      if (state !== "disconnected") return KEEP;
      data.attempt = 0;
      data.retrying = false;
      return nextState("connecting", data, CANCEL_RECONNECT);
    }
    if (req instanceof Status) {
      replyValue(from, statusOf(state, data));
      return KEEP;
    }
    data.callback = "handleCall";
    return this.#user(data.client.handleCall(req, from, data.user), state, data, from);
  }

  #send(req: SendFrame, from: From, state: ConnState, data: MachineHost): Result {
    if (state === "connected") this.#write(data.conn!, req.frame, from, data);
    else holdSend(req.frame, from, req.deadline, state, data);
    return KEEP;
  }

  #sendAsync(valid: Frame, state: ConnState, data: MachineHost): Result {
    if (state === "connected") this.#write(data.conn!, valid, undefined, data);
    else holdFrame(valid, state, data);
    return KEEP;
  }

  #disconnect(req: Disconnect, from: From, state: ConnState, data: MachineHost): MaybePromise<Result> {
    switch (state) {
      case "connected":
        data.waiters = [...data.waiters, from];
        data.localClose = true;
        data.closingReason = "closed";
        data.conn!.closeHandshake(req.code, req.reason);
        return nextState("closing", data);
      case "closing":
        data.waiters = [...data.waiters, from];
        data.localClose = true;
        return KEEP;
      case "connecting":
        data.waiters = [...data.waiters, from];
        data.localClose = true;
        return this.#giveUp(data, "closed", "aborted", false);
      default:
        replyValue(from);
        callOffRetry(data, "Parley.disconnect called the retry off");
        return keepWith(CANCEL_RECONNECT);
    }
  }

  #timeout(name: unknown, state: ConnState, data: MachineHost): MaybePromise<Result> {
    if (name === RECONNECT) {
      if (state !== "disconnected") return KEEP;
      data.retrying = false;
      return nextState("connecting", data);
    }
    const conn = data.conn;
    const hb = data.options.heartbeat;
    if (state !== "connected" || conn === undefined || hb === false) return KEEP;
    if (name === HEARTBEAT[1]) {
      this.#write(conn, PING_FRAME, undefined, data);
      return keepWith(tick(hb, data));
    }
    if (peerAlive(conn, data)) return KEEP;
    telemetry.publishHeartbeatTimeout(data.meta);
    return this.#giveUp(data, "heartbeat_timeout", "error", false);
  }

  /** Applies the result of the user callback the host names (sync or async). */
  #user(r: MaybePromise<unknown>, state: ConnState, data: MachineHost, from?: From): MaybePromise<Result> {
    const callback = data.callback;
    if (isPromiseLike(r)) return Promise.resolve(r).then((v) => this.#apply(acceptClientResult(v, callback, from !== undefined, data.options.codec), state, data, from));
    const kept = keptState(r, callback);
    if (kept === NOT_OK) return this.#apply(acceptClientResult(r, callback, from !== undefined, data.options.codec), state, data, from);
    data.user = kept;
    return KEEP;
  }

  #apply(r: CallReplyResult<unknown>, state: ConnState, data: MachineHost, from?: From): MaybePromise<Result> {
    switch (r[0]) {
      case "ok":
        data.user = r[1];
        return KEEP;
      case "reply":
        data.user = r[2];
        reply(from!, r[1]);
        return KEEP;
      case "push":
        data.user = r[2];
        if (state === "connected" && data.conn !== undefined) this.#write(data.conn, r[1], undefined, data);
        else holdFrame(r[1], state, data, data.callback);
        return KEEP;
      case "stop":
        data.user = r[2];
        return stopWith(r[1], data);
      case "disconnect":
        data.user = r[2];
        return this.#disconnectResult(r[1], r.length === 4 ? r[3] : undefined, state, data);
    }
  }

  #disconnectResult(reason: unknown, close: readonly [number, string] | undefined, state: ConnState, data: MachineHost): MaybePromise<Result> {
    const conn = data.conn;
    if ((state === "connected" || state === "connecting") && conn !== undefined) {
      if (state === "connecting" || !conn.open) return this.#giveUp(data, reason, "aborted", false);
      data.closingReason = reason;
      conn.closeHandshake(close?.[0] ?? 1000, close?.[1] ?? "");
      return nextState("closing", data);
    }
    // Already down or closing: only the state changes, and a pending retry is called off.
    if (state !== "disconnected") return KEEP;
    callOffRetry(data, "a disconnect result called the retry off");
    return keepWith(CANCEL_RECONNECT);
  }

  /**
   * Ends the telemetry span of a socket the client gives up on before its `Closed` arrives: the
   * dial's (`aborted`) until the upgrade, the connection's after it, so every start has its stop
   * even when the client exits or leaves a connection the server is already closing.
   */
  #abandoned(conn: Connection, data: MachineHost, reason: unknown, outcome: "error" | "aborted" = "aborted"): void {
    if (!data.upgraded) telemetry.publishConnectStop(data.meta, data.attempt, outcome, data.since, reason);
    else telemetry.publishConnectionStop(data.meta, reason, data.since);
  }

  /** Every frame the client writes goes through here; see write-outcome.ts for what becomes of it. */
  #write(conn: Connection, frame: Frame, from: From | undefined, data: MachineHost): void {
    if (!(needsOutcome(from) ? conn.write(frame, FRAME_OUTCOME, data.meta, from) : conn.write(frame))) return writeRefused(data.meta, frame, from);
    data.framesOut++;
  }
}

/** The one machine every client's process runs. */
export const CLIENT_MACHINE = new ClientMachine();
