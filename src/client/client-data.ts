/** The client machine's states, its data, and what `Parley.status` reports. */
import type { From } from "../runtime/behaviours/gen-call.ts";
import type { ClientMeta } from "./telemetry.ts";
import type { Connection } from "./connection.ts";
import type { ClientOptions } from "./options.ts";
import type { SendQueue } from "./send-queue.ts";
import type { SocketAddress } from "./addresses.ts";
import type { PullBuffer } from "./pull-buffer.ts";

/** The client's connection state. */
export type ConnState = "disconnected" | "connecting" | "connected" | "closing";

/** What `Parley.status` returns: a snapshot of the connection, taken between two events. */
export interface ClientStatus {
  /** The connection state now. */
  readonly state: ConnState;
  /**
   * The URL the client dials, with credentials and secret-looking query parameters replaced by
   * `redacted`; after a `["reconnect", s, { url }]` decision, the new URL.
   */
  readonly url: string;
  /**
   * The number of the dial in progress (`connecting`), of the retry scheduled (`disconnected`,
   * waiting to retry), or else of the last dial: 0 for the first dial after start or
   * `Parley.connect()`, n for the n-th retry. An upgrade resets it to 0.
   */
  readonly attempt: number;
  /**
   * Frames waiting for the connection to open (from `sendFrame`, `sendFrameAsync` and pushes):
   * while `connecting`, or `disconnected` with a retry scheduled; 0 otherwise.
   */
  readonly queued: number;
  /** While `connected`: the IP address and port the TCP connection reached (see `ConnectInfo.peer`); absent otherwise. */
  readonly peer?: SocketAddress;
  /** While `connected`: the client's own end of the TCP connection; absent otherwise. */
  readonly local?: SocketAddress;
}

/**
 * The machine's data: the user's state plus the connection's bookkeeping. The client's process
 * object holds it (client-process.ts), so a client is one object, not a process, a data record and
 * a telemetry record.
 */
export interface ClientData {
  user: unknown;
  options: ClientOptions;
  /** The number of the current dial: 0 for the first after start, connect() or a lost connection. */
  attempt: number;
  conn: Connection | undefined;
  /** performance.now() of the start of `conn`'s dial, then (once `upgraded`) of its upgrade. */
  since: number;
  /** `conn` completed its upgrade (false while it dials). */
  upgraded: boolean;
  readonly queue: SendQueue;
  /** `queue.length`, without creating a queue for a client that never queued a frame. */
  readonly queued: number;
  /** In `disconnected` with a retry scheduled: frames are kept for the next connection. */
  retrying: boolean;
  /** Why the connection is closing, once `closing`. */
  closingReason: unknown;
  /** The close was asked for by `Parley.disconnect()`. */
  localClose: boolean;
  /** `Parley.disconnect()` callers, answered once back in `disconnected`; NO_CALLERS when none. */
  waiters: readonly From[];
  /** Until the first dial after start has an outcome. */
  firstDial: boolean;
  /** The heartbeat's ping awaiting an answer: see HeartbeatState. */
  pingInbound: number;
  /** What every telemetry event of the client carries (the data itself: see ClientProcess). */
  readonly meta: ClientMeta;
  /** The redacted URL `meta` and `Parley.status` show; it follows a `url` a reconnect decision changed. */
  url: string;
  /** Frames received and sent since start (the Observer's rates), ping and pong included. */
  framesIn: number;
  framesOut: number;
  /** The reason of the last lost connection or failed dial, as `handleDisconnect` was given it. */
  lastDisconnect: unknown;
  /** Pull mode (`active: false`): the frames waiting for `Parley.recv`; undefined in active mode. */
  readonly pull: PullBuffer | undefined;
}

/** Shared by every client no `Parley.disconnect()` caller waits on; replaced, never mutated. */
export const NO_CALLERS: readonly From[] = Object.freeze([]);

/** What `Parley.status` answers, asked by a call or by the client itself. */
export function statusOf(state: ConnState, data: ClientData): ClientStatus {
  const status: ClientStatus = { state, url: data.url, attempt: data.attempt, queued: data.queued };
  const addresses = state === "connected" ? data.conn?.addresses : undefined;
  return state === "connected" && addresses !== undefined ? { ...status, peer: addresses.peer, local: addresses.local } : status;
}
