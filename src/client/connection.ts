/**
 * One `ws` socket, turned into process messages for the client that owns it. Each message carries
 * its Connection, so the client can drop anything from a socket it has already given up on.
 *
 * A socket produces exactly one `Opened` (or none) and exactly one `Closed`, whatever mix of
 * `error`, `unexpected-response` and `close` events `ws` emits on the way.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import WebSocket from "ws";
import { formatTerm } from "../runtime/format-term.ts";
import { deliver, type Proc } from "../runtime/process/process.ts";
import { UpgradeError } from "./errors.ts";
import type { Frame } from "./frames.ts";
import { type ClientOptions, redactHeaders } from "./options.ts";
import { MAX_TIMER_MS } from "../runtime/predicates.ts";

/** What `handleConnect` learns about the upgrade. */
export interface ConnectInfo {
  /** Response headers of the upgrade, lower-case names. */
  readonly headers: Record<string, string | string[]>;
  /** The subprotocol the server chose, `""` when none. */
  readonly protocol: string;
}

/** Why a socket ended, as `handleDisconnect` sees it (the client adds its own local reasons). */
export type SocketEndReason = readonly ["remote_close", number, string] | readonly ["error", Error];

/** The upgrade succeeded. */
export class Opened {
  constructor(
    readonly conn: Connection,
    readonly info: ConnectInfo,
  ) {}

  /**
   * How traces and crash reports show it (formatTerm uses it): response headers such as
   * `set-cookie` may carry secrets, so their values are redacted here; `handleConnect` gets them all.
   */
  toString(): string {
    const { headers, protocol } = this.info;
    return `Opened ${formatTerm({ conn: this.conn, info: { headers: redactHeaders(headers), protocol } })}`;
  }
}

/** A text, binary or pong frame arrived. */
export class FrameIn {
  constructor(
    readonly conn: Connection,
    readonly frame: Frame,
  ) {}
}

/** A ping arrived; `ws` has already answered it with a pong of the same payload. */
export class PingIn {
  constructor(
    readonly conn: Connection,
    readonly payload: Buffer,
  ) {}
}

/** The socket is gone. `reachedServer` is false when no HTTP response ever arrived. */
export class Closed {
  constructor(
    readonly conn: Connection,
    readonly reason: SocketEndReason,
    readonly reachedServer: boolean,
  ) {}
}

/**
 * The `ws` socket of one Connection. `ws` reports every event through `emit`; overriding it hands
 * each event straight to the Connection, so a socket registers no listeners at all. With eight
 * listeners, the emitter's table becomes a hash table of about 600 bytes per idle connection, and
 * every frame would go through a listener lookup.
 */
class ClientSocket extends WebSocket {
  conn!: Connection;

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const conn = this.conn;
    switch (event) {
      case "message":
        conn.received(args[0] as Buffer, args[1] as boolean);
        return true;
      case "ping":
        conn.pinged(args[0] as Buffer);
        return true;
      case "pong":
        conn.ponged(args[0] as Buffer);
        return true;
      case "upgrade":
        conn.upgraded(args[0] as IncomingMessage);
        return true;
      case "unexpected-response":
        conn.refuse(args[1] as IncomingMessage);
        return true;
      case "open":
        conn.opened();
        return true;
      case "error":
        conn.fail(args[0] as Error);
        return true;
      case "close":
        conn.end(args[0] as number, args[1] as Buffer);
        return true;
      default:
        return super.emit(event, ...args);
    }
  }
}

let connections = 0;

export class Connection {
  /** Numbers the sockets of this Node process, to tell them apart in traces. */
  readonly id = ++connections;
  readonly ws: ClientSocket;
  /** When the dial started (performance.now()), for telemetry. */
  readonly startedAt = performance.now();
  /** When the last frame of any kind arrived (performance.now()), for the heartbeat. */
  lastInbound = 0;
  /** The upgrade response's headers (`ws` only shows the response during its `upgrade` event). */
  headers: Record<string, string | string[]> = {};
  #reachedServer = false;
  #failure: Error | undefined = undefined;
  #closed = false;
  /** Writes in this tick: the first goes out at once, later ones are corked until the next tick. */
  #writes = 0;
  /** The socket corked for this tick's later writes. */
  #corked: Duplex | undefined = undefined;

  constructor(
    readonly owner: Proc,
    options: ClientOptions,
  ) {
    const ws = new ClientSocket(options.url, [...options.protocols], {
      ...options.transportOpts,
      headers: { ...options.headers },
      perMessageDeflate: options.perMessageDeflate,
      maxPayload: options.maxPayload,
      closeTimeout: Math.min(options.closeTimeout, MAX_TIMER_MS),
      followRedirects: false,
      autoPong: true,
    } as WebSocket.ClientOptions);
    ws.conn = this;
    this.ws = ws;
  }

  /**
   * How traces and crash reports show a connection (formatTerm uses it): an opaque handle. The
   * socket behind it holds the owner's whole state and, while dialing, the request with its
   * headers, which may carry tokens; the URL may too (a query string), so it is left out.
   */
  toString(): string {
    return `#Connection<${this.id}>`;
  }

  /** True while frames can be written. */
  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Writes a frame; `cb` runs once it is written (or failed). The first frame of a tick goes out at
   * once, so a lone reply pays no delay; the frames after it in the same tick are corked and leave
   * in one vectored write. The client drains its mailbox in batches and yields to I/O between
   * them, so without the cork the kernel buffer never fills and every frame of a burst would cost
   * its own syscall.
   */
  write(frame: Frame, cb?: (err?: Error | null) => void): void {
    const ws = this.ws;
    if (this.#writes++ === 0) {
      process.nextTick(endTick, this);
    } else if (this.#corked === undefined) {
      const socket = (ws as unknown as { _socket?: Duplex })._socket;
      if (socket !== undefined) {
        this.#corked = socket;
        socket.cork();
      }
    }
    switch (frame[0]) {
      case "text":
        ws.send(frame[1], cb);
        return;
      case "binary":
        ws.send(frame[1], { binary: true }, cb);
        return;
      case "ping":
        ws.ping(frame[1], undefined, cb);
        return;
      case "pong":
        ws.pong(frame[1], undefined, cb);
        return;
    }
  }

  /** Starts the close handshake; `ws` ends the socket after `closeTimeout` without a reply. */
  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  /** Ends the socket now, without a close handshake. */
  terminate(): void {
    this.ws.terminate();
  }

  /** @internal */
  opened(): void {
    this.lastInbound = performance.now();
    deliver(this.owner, new Opened(this, { headers: this.headers, protocol: this.ws.protocol }));
    // The handshake is over: an idle connection does not keep the headers.
    this.headers = NO_HEADERS;
  }

  /** @internal */
  received(data: Buffer, isBinary: boolean): void {
    this.lastInbound = performance.now();
    deliver(this.owner, new FrameIn(this, isBinary ? ["binary", data] : ["text", data.toString()]));
  }

  /** @internal */
  pinged(payload: Buffer): void {
    this.lastInbound = performance.now();
    deliver(this.owner, new PingIn(this, payload));
  }

  /** @internal */
  ponged(payload: Buffer): void {
    this.lastInbound = performance.now();
    deliver(this.owner, new FrameIn(this, ["pong", payload]));
  }

  /** The tick's writes are done: uncork what was corked. @internal */
  endTick(): void {
    this.#writes = 0;
    const socket = this.#corked;
    this.#corked = undefined;
    socket?.uncork();
  }

  /** @internal */
  upgraded(res: IncomingMessage): void {
    this.#reachedServer = true;
    this.headers = { ...res.headers } as Record<string, string | string[]>;
  }

  /** @internal */
  fail(err: Error): void {
    this.#failure ??= err;
    // Node's HTTP parser errors mean the server answered something, just not HTTP.
    if ((err as NodeJS.ErrnoException).code?.startsWith("HPE_")) this.#reachedServer = true;
  }

  /** @internal */
  refuse(res: IncomingMessage): void {
    this.#reachedServer = true;
    this.#failure = new UpgradeError(res.statusCode ?? 0, { ...res.headers } as Record<string, string | string[]>);
    res.resume();
    this.ws.terminate();
  }

  /** @internal */
  end(code: number, reason: Buffer): void {
    if (this.#closed) return;
    this.#closed = true;
    let why: SocketEndReason;
    if (this.#failure !== undefined) why = ["error", this.#failure];
    // 1006 is never sent on the wire: ws reports it when the socket ended without a close frame.
    else if (code !== 1006) why = ["remote_close", code, reason.toString()];
    else why = ["error", abruptError(code)];
    deliver(this.owner, new Closed(this, why, this.#reachedServer));
  }
}

function endTick(conn: Connection): void {
  conn.endTick();
}

function abruptError(code: number): Error {
  const err = new Error(`connection closed abruptly (close code ${code}, no close frame)`) as NodeJS.ErrnoException;
  err.code = "ECONNRESET";
  return err;
}

const NO_HEADERS: Record<string, string | string[]> = Object.freeze({}) as Record<string, string | string[]>;
