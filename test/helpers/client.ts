// A scriptable client for the client tests. `Probe` reports every callback to a test Inbox as a
// tagged message, then runs the test's hook for that callback (or returns the default). A
// `ClientHarness` owns the Inbox, the clients, the servers and a memory logger for one test, and
// tears all of it down in `cleanup()`.
import {
  exit,
  Inbox,
  isAlive,
  monitor,
  Parley,
  send,
  self,
  type CallReplyResult,
  type ClientResult,
  type ConnectInfo,
  type ConnectOptions,
  type DisconnectResult,
  type Frame,
  type From,
  type Pid,
  type Ref,
} from "../../src/index.ts";
import diagnostics_channel from "node:diagnostics_channel";
import { afterEach, beforeEach } from "vitest";
import { lookup } from "../../src/runtime/process/process.ts";
import { captureLogs, type LogCapture } from "./logs.ts";
import { startServer, type TestServer } from "./ws-server.ts";

type MaybePromise<T> = T | Promise<T>;

/** What a Probe's callbacks may do besides reporting; each gets the probe's state first. */
export interface Hooks {
  init?(arg: ProbeState): MaybePromise<unknown>;
  connect?(s: ProbeState, info: ConnectInfo): MaybePromise<ClientResult<ProbeState>>;
  frame?(s: ProbeState, frame: Frame): MaybePromise<ClientResult<ProbeState>>;
  ping?(s: ProbeState, payload: Uint8Array): MaybePromise<ClientResult<ProbeState>>;
  info?(s: ProbeState, msg: unknown): MaybePromise<ClientResult<ProbeState>>;
  cast?(s: ProbeState, msg: unknown): MaybePromise<ClientResult<ProbeState>>;
  call?(s: ProbeState, req: unknown, from: From): MaybePromise<CallReplyResult<ProbeState>>;
  disconnect?(s: ProbeState, reason: unknown, attempt: number): MaybePromise<DisconnectResult<ProbeState>>;
  terminate?(s: ProbeState, reason: unknown): unknown;
}

/** A Probe's state: where to report, the hooks, and free room for a test's own data. */
export interface ProbeState {
  readonly to: Pid;
  readonly hooks: Hooks;
  readonly [key: string]: unknown;
}

/** The messages a Probe sends to its Inbox, one per callback run. */
export type ProbeEvent =
  | readonly ["connect", Pid, ConnectInfo]
  | readonly ["frame", Pid, Frame]
  | readonly ["ping", Pid, Uint8Array]
  | readonly ["info", Pid, unknown]
  | readonly ["cast", Pid, unknown]
  | readonly ["call", Pid, unknown, From]
  | readonly ["disconnect", Pid, unknown, number]
  | readonly ["terminate", Pid, unknown];

export type ProbeTag = ProbeEvent[0];
export type EventFor<T extends ProbeTag> = Extract<ProbeEvent, readonly [T, ...unknown[]]>;

export class Probe extends Parley<ProbeState> {
  override init(arg: unknown) {
    const s = arg as ProbeState;
    if (s.hooks.init) return s.hooks.init(s) as never;
    return ["ok", s] as const;
  }
  override handleConnect(s: ProbeState, info: ConnectInfo) {
    send(s.to, ["connect", self(), info]);
    return s.hooks.connect ? s.hooks.connect(s, info) : (["ok", s] as const);
  }
  override handleFrame(frame: Frame, s: ProbeState) {
    send(s.to, ["frame", self(), frame]);
    return s.hooks.frame ? s.hooks.frame(s, frame) : (["ok", s] as const);
  }
  override handlePing(payload: Uint8Array, s: ProbeState) {
    send(s.to, ["ping", self(), payload]);
    return s.hooks.ping ? s.hooks.ping(s, payload) : (["ok", s] as const);
  }
  override handleInfo(msg: unknown, s: ProbeState) {
    send(s.to, ["info", self(), msg]);
    return s.hooks.info ? s.hooks.info(s, msg) : (["ok", s] as const);
  }
  override handleCast(msg: unknown, s: ProbeState) {
    send(s.to, ["cast", self(), msg]);
    return s.hooks.cast ? s.hooks.cast(s, msg) : (["ok", s] as const);
  }
  override handleCall(req: unknown, from: From, s: ProbeState) {
    send(s.to, ["call", self(), req, from]);
    return s.hooks.call ? s.hooks.call(s, req, from) : (["reply", req, s] as const);
  }
  override handleDisconnect(reason: unknown, s: ProbeState, info: { readonly attempt: number }) {
    send(s.to, ["disconnect", self(), reason, info.attempt]);
    return s.hooks.disconnect ? s.hooks.disconnect(s, reason, info.attempt) : (["ok", s] as const);
  }
  override terminate(reason: unknown, s: ProbeState) {
    send(s.to, ["terminate", self(), reason]);
    return s.hooks.terminate?.(s, reason);
  }
}

/** How long a test waits for one expected event. */
export const WAIT = 3000;

export interface StartProbeOptions {
  hooks?: Hooks;
  /** Extra fields of the probe's state. */
  extra?: Record<string, unknown>;
  /** Start linked to the harness's Inbox (which traps exits) instead of monitored by it. */
  link?: boolean;
  /** The class to start; Probe by default. */
  module?: typeof Probe;
}

/** One test's world: an Inbox (trapping exits), clients, servers, and captured logs. */
export class ClientHarness {
  readonly inbox = new Inbox({ trapExit: true });
  readonly logs: LogCapture = captureLogs();
  readonly #pids: Pid[] = [];
  readonly #cleanups: Array<() => unknown> = [];

  /** Starts a Probe reporting to this harness's Inbox; monitored (or linked) by it. */
  async start(options: ConnectOptions, probe: StartProbeOptions = {}): Promise<Pid> {
    const state: ProbeState = { to: this.inbox.pid, hooks: probe.hooks ?? {}, ...probe.extra };
    const module = probe.module ?? Probe;
    const pid = probe.link
      ? await this.inbox.run(() => module.startLink(state, options))
      : await module.start(state, options);
    this.#pids.push(pid);
    if (!probe.link) await this.monitor(pid);
    return pid;
  }

  /** Remembers a pid started some other way, so cleanup kills it. */
  track(pid: Pid): Pid {
    this.#pids.push(pid);
    return pid;
  }

  /**
   * Subscribes to a `parley:*` channel until cleanup; the returned array fills with its messages,
   * and `onMessage`, when given, sees each as it is published (synchronously, inside the client).
   */
  telemetry<T = Record<string, unknown>>(channel: string, onMessage?: (msg: T) => void): T[] {
    const seen: T[] = [];
    const listener = (msg: unknown): void => {
      seen.push(msg as T);
      onMessage?.(msg as T);
    };
    diagnostics_channel.subscribe(channel, listener);
    this.#cleanups.push(() => diagnostics_channel.unsubscribe(channel, listener));
    return seen;
  }

  /** Runs `fn` (closing a server, a proxy ...) in cleanup, before the Inbox closes. */
  defer<T extends { close(): unknown }>(thing: T): T {
    this.#cleanups.push(() => thing.close());
    return thing;
  }

  monitor(pid: Pid): Promise<Ref> {
    return this.inbox.run(() => monitor(pid));
  }

  /** The next Probe event with this tag (from `pid`, when given) that `match` accepts. */
  next<T extends ProbeTag>(tag: T, pid?: Pid, match?: (e: EventFor<T>) => boolean, timeoutMs = WAIT): Promise<EventFor<T>> {
    return this.inbox.receive((m) => {
      if (!Array.isArray(m) || m[0] !== tag) return undefined;
      if (pid !== undefined && m[1] !== pid) return undefined;
      return match === undefined || match(m as unknown as EventFor<T>) ? (m as unknown as EventFor<T>) : undefined;
    }, timeoutMs);
  }

  /** The next message `match` accepts (any message). */
  receive<T>(match: (m: unknown) => T | undefined, timeoutMs = WAIT): Promise<T> {
    return this.inbox.receive(match, timeoutMs);
  }

  /** The reason `pid` exited with: its DOWN (monitored) or EXIT (linked) message. */
  exitReason(pid: Pid, timeoutMs = WAIT): Promise<unknown> {
    return this.inbox.receive((m) => {
      if (!Array.isArray(m)) return undefined;
      if (m[0] === "DOWN" && m[3] === pid) return { reason: m[4] };
      if (m[0] === "EXIT" && m[1] === pid) return { reason: m[2] };
      return undefined;
    }, timeoutMs).then((r) => r.reason);
  }

  /** Messages waiting in the Inbox that carry this Probe tag (nothing is removed). */
  pending(tag: ProbeTag, pid?: Pid): unknown[] {
    return this.inbox.peek().filter((m) => Array.isArray(m) && m[0] === tag && (pid === undefined || m[1] === pid));
  }

  async cleanup(): Promise<void> {
    for (const pid of this.#pids.splice(0)) if (isAlive(pid)) exit(pid, "kill");
    for (const c of this.#cleanups.splice(0).reverse()) await c();
    this.inbox.close();
    this.logs.restore();
  }
}

/** Resolves after `ms`; only for asserting that something does NOT happen within a window. */
export function quiet(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves once `cond()` holds, polling every millisecond; rejects after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs = WAIT): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * How many messages wait in a process's mailbox (runtime internals: for tests that line up events
 * in a suspended client's mailbox before letting it run).
 */
export function mailboxSize(pid: Pid): number {
  return lookup(pid)?.mailbox.length ?? 0;
}

/**
 * Gives each test of the file a fresh ClientHarness and an echo server that the harness closes
 * afterwards, handing both to `set` before the test runs.
 */
export function useEchoHarness(set: (h: ClientHarness, srv: TestServer) => void): void {
  let harness: ClientHarness | undefined;
  beforeEach(async () => {
    harness = new ClientHarness();
    set(harness, harness.defer(await startServer()));
  });
  afterEach(() => harness?.cleanup());
}

/** How many upgrade requests a test server has seen. */
export const upgrades = (s: TestServer): number => s.events.filter((e) => e.type === "upgrade").length;
