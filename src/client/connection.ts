/**
 * One `ws` socket, turned into process messages for the client that owns it. Each message carries
 * its Connection, so the client can drop anything from a socket it has already given up on.
 *
 * A socket produces exactly one `Opened` (or none) and exactly one `Closed`, whatever mix of
 * `error`, `unexpected-response` and `close` events `ws` emits on the way.
 */
import type { ClientRequest, IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import WebSocket from "ws";
import { formatTerm } from "../runtime/format-term.ts";
import { deliverFromIo, outsideProcess, type Proc } from "../runtime/process/process.ts";
import { UpgradeError } from "./errors.ts";
import type { Frame } from "./frames.ts";
import type { ClientOptions } from "./options.ts";
import { redactHeaders } from "../runtime/secrets.ts";
import { timerDelay } from "../runtime/process/long-timer.ts";
import type { Socket } from "node:net";
import { type Addresses, addressesOf, type SocketAddress } from "./addresses.ts";
import { flushFrames, type FrameSettler, writeFrame } from "./frame-writer.ts";
import { currentTurn } from "../runtime/process/scheduler.ts";

/**
 * What `handleConnect` learns about the upgrade. `peer` and `local` are read from the socket when
 * first read (then kept): asking the OS for them costs a connection about 180 bytes of Node's
 * cache for its lifetime, which a client that never looks does not pay.
 */
export interface ConnectInfo {
  /** Response headers of the upgrade, lower-case names. */
  readonly headers: Record<string, string | string[]>;
  /** The subprotocol the server chose, `""` when none. */
  readonly protocol: string;
  /**
   * The IP address and port the TCP connection reached (through a proxy `agent`: the proxy's);
   * undefined only when the socket was already gone when first read (`handleConnect` runs while
   * it is still there, unless the server closed it at once).
   */
  readonly peer: SocketAddress | undefined;
  /** The client's own end of the TCP connection; undefined as `peer` is. */
  readonly local: SocketAddress | undefined;
}

/** Why a socket ended, as `handleDisconnect` sees it (the client adds its own local reasons). */
export type SocketEndReason = readonly ["remote_close", number, string] | readonly ["error", Error];

/** A ConnectInfo whose addresses are read from the socket on first use. */
class UpgradeInfo implements ConnectInfo {
  readonly #conn: Connection;
  #addresses: Addresses | undefined = undefined;
  #read = false;

  constructor(
    readonly headers: Record<string, string | string[]>,
    readonly protocol: string,
    conn: Connection,
  ) {
    this.#conn = conn;
  }

  /** As a plain object would serialise: the addresses are getters, which JSON does not see. */
  toJSON(): ConnectInfo {
    return { headers: this.headers, protocol: this.protocol, peer: this.peer, local: this.local };
  }

  get peer(): SocketAddress | undefined {
    return this.#ends()?.peer;
  }

  get local(): SocketAddress | undefined {
    return this.#ends()?.local;
  }

  #ends(): Addresses | undefined {
    if (!this.#read) {
      this.#read = true;
      this.#addresses = this.#conn.addresses;
    }
    return this.#addresses;
  }
}

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

/** The socket is gone. `reachedServer` is false when no byte of an HTTP response ever arrived. */
export class Closed {
  constructor(
    readonly conn: Connection,
    readonly reason: SocketEndReason,
    readonly reachedServer: boolean,
  ) {}
}

let connections = 0;

/**
 * Dials `options.url` for `owner`: a Connection that delivers what happens on its socket to the
 * owner's mailbox. The socket's events only deliver messages, so its handles need not keep the
 * process that dials (see outsideProcess).
 */
export function dial(owner: Proc, options: ClientOptions): Connection {
  return outsideProcess(() => new Connection(owner, options));
}

/**
 * One `ws` socket and its bookkeeping, one object: the socket's class, extended. `ws` reports
 * every event through `emit`; overriding it hands each event straight to the handler below, so a
 * socket registers no listeners at all. With eight listeners, the emitter's table becomes a hash
 * table of about 600 bytes per idle connection, and every frame would go through a listener lookup.
 * Only new names are added: none of the socket's own methods is overridden but `emit`.
 */
export class Connection extends WebSocket {
  /** Numbers the sockets of this Node process, to tell them apart in traces. */
  readonly id = ++connections;
  /**
   * Counts what arrived (the upgrade, then frames of any kind), for the heartbeat: a count, not a
   * time, so an idle connection holds no boxed number and a frame costs no clock read.
   */
  inbound = 0;
  /** The upgrade response's headers (`ws` only shows the response during its `upgrade` event). */
  headers: Record<string, string | string[]> = {};
  /** REACHED_SERVER, CLOSED and DIRECT, packed. */
  #flags = 0;
  #failure: Error | undefined = undefined;
  /** Frames delivered to the owner and not yet taken from its mailbox (see `maxBuffered`). */
  #buffered = 0;
  readonly #maxBuffered: number;
  /** The scheduler's turn of this connection's last write: its first write of a turn goes out at once. */
  #turn = -1;

  /** Use `dial`, which creates the socket outside the owner's process. */
  constructor(
    readonly owner: Proc,
    options: ClientOptions,
  ) {
    super(options.url, [...options.protocols], {
      ...options.transportOpts,
      headers: { ...options.headers },
      perMessageDeflate: options.perMessageDeflate,
      maxPayload: options.maxPayload,
      closeTimeout: timerDelay(options.closeTimeout),
      followRedirects: false,
      autoPong: true,
    } as WebSocket.ClientOptions);
    this.#maxBuffered = options.maxBuffered;
    // Frames go through the frame writer, unless `ws` must encode them (permessage-deflate, a custom `generateMask`).
    if (options.perMessageDeflate === false && (options.transportOpts as WebSocket.ClientOptions).generateMask === undefined) this.#flags = DIRECT;
    // "Answered" starts at the first response byte (API §5): a server that sends half a response
    // head, or its headers slowly for ever, was reached, though `ws` reports nothing until the head
    // is complete. The listeners go away with the first byte.
    (this as unknown as { _req?: ClientRequest })._req?.once("socket", (socket: Duplex) => socket.once("data", () => this.answered()));
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    switch (event) {
      case "message":
        this.received(args[0] as Buffer, args[1] as boolean);
        return true;
      case "ping":
        this.pinged(args[0] as Buffer);
        return true;
      case "pong":
        this.ponged(args[0] as Buffer);
        return true;
      case "upgrade":
        this.upgraded(args[0] as IncomingMessage);
        return true;
      case "unexpected-response":
        this.refuse(args[1] as IncomingMessage);
        return true;
      case "open":
        this.opened();
        return true;
      case "error":
        this.fail(args[0] as Error);
        return true;
      case "close":
        this.end(args[0] as number, args[1] as Buffer);
        return true;
      default:
        return super.emit(event, ...args);
    }
  }

  /** True once any byte of the server's response arrived: the server was reached. */
  get reachedServer(): boolean {
    return (this.#flags & REACHED_SERVER) !== 0;
  }

  /** @internal */
  answered(): void {
    this.#flags |= REACHED_SERVER;
  }

  /**
   * How traces and crash reports show a connection (formatTerm uses it): an opaque handle. The
   * socket holds the owner's whole state and, while dialing, the request with its headers, which
   * may carry tokens; the URL may too (a query string), so it is left out.
   */
  override toString(): string {
    return `#Connection<${this.id}>`;
  }

  /**
   * Both ends of the socket (`Parley.status` shows them while connected); undefined before the
   * socket connected or once it is gone. Read from the socket each time, not kept: Node's socket
   * caches what it asked the OS, and an idle connection does not hold a copy.
   */
  get addresses(): Addresses | undefined {
    return addressesOf((this as unknown as { _socket?: Socket })._socket);
  }

  /** True while frames can be written. */
  get open(): boolean {
    return this.readyState === WebSocket.OPEN;
  }

  /**
   * Writes a frame, unless the socket is no longer open: then nothing is written and it returns
   * false. That covers the window in which the client still believes itself connected: the
   * server's close frame arrived (ws answers it and waits for the end of TCP), or the socket
   * failed (an RST), and `Closed` is not yet in the mailbox.
   *
   * `settler` learns once the frame is written to the socket, or the error that stopped it (the
   * socket died with the frame still in its hands), and gets `a` and `b` back.
   *
   * The first frame of an event-loop turn goes out at once, so a lone reply pays no delay; the
   * frames after it leave together at the end of the tick, encoded into one buffer (frame-writer.ts).
   */
  write(frame: Frame, settler?: FrameSettler, a?: unknown, b?: unknown): boolean {
    if (this.readyState !== WebSocket.OPEN) return false;
    if ((this.#flags & DIRECT) !== 0) {
      const turn = currentTurn();
      writeFrame((this as unknown as { _socket: Duplex })._socket, frame, this.#turn !== turn, settler, a, b);
      this.#turn = turn;
      return true;
    }
    const done = settler === undefined ? undefined : (err?: Error | null) => settler.settled(frame, a, b, err);
    switch (frame[0]) {
      case "text":
        this.send(frame[1], done);
        break;
      case "binary":
        this.send(frame[1], { binary: true }, done);
        break;
      case "ping":
        this.ping(frame[1], undefined, done);
        break;
      case "pong":
        this.pong(frame[1], undefined, done);
        break;
    }
    return true;
  }

  /**
   * The owner took one of this connection's frames from its mailbox. Reading resumes once half of
   * `maxBuffered` frames or fewer still wait, so a client at the limit does not pause and resume
   * the socket on every frame.
   */
  taken(): void {
    if (--this.#buffered <= this.#maxBuffered >> 1 && this.isPaused) this.resume();
  }

  /**
   * Starts the close handshake; `ws` ends the socket after `closeTimeout` without a reply. (Not
   * `close`: `ws` calls its own when the server's close frame arrives.)
   */
  closeHandshake(code: number, reason: string): void {
    // The close frame must follow every data frame written before it.
    flushFrames();
    this.close(code, reason);
  }

  /** @internal */
  opened(): void {
    this.inbound++;
    deliverFromIo(this.owner, new Opened(this, new UpgradeInfo(this.headers, this.protocol, this)));
    // The handshake is over: an idle connection does not keep the headers.
    this.headers = NO_HEADERS;
  }

  /** @internal */
  received(data: Buffer, isBinary: boolean): void {
    this.deliverFrame(new FrameIn(this, isBinary ? ["binary", data] : ["text", data.toString()]));
  }

  /** @internal */
  pinged(payload: Buffer): void {
    this.deliverFrame(new PingIn(this, payload));
  }

  /** @internal */
  ponged(payload: Buffer): void {
    this.deliverFrame(new FrameIn(this, ["pong", payload]));
  }

  /**
   * Hands a frame to the owner. At `maxBuffered` frames waiting, reading stops: the socket is
   * paused, the kernel's receive buffer fills, and TCP stalls the server's writes. `ws` still
   * emits what it already read (at most one socket chunk), so memory stays bounded. Not a
   * #method: a class with one stores a brand in every instance. @internal
   */
  deliverFrame(msg: FrameIn | PingIn): void {
    this.inbound++;
    if (++this.#buffered >= this.#maxBuffered && !this.isPaused) this.pause();
    deliverFromIo(this.owner, msg);
  }

  /** @internal */
  upgraded(res: IncomingMessage): void {
    this.#flags |= REACHED_SERVER;
    this.headers = { ...res.headers } as Record<string, string | string[]>;
  }

  /** @internal */
  fail(err: Error): void {
    this.#failure ??= err;
    // Node's HTTP parser errors mean the server answered something, just not HTTP.
    if ((err as NodeJS.ErrnoException).code?.startsWith("HPE_")) this.#flags |= REACHED_SERVER;
  }

  /** @internal */
  refuse(res: IncomingMessage): void {
    this.#flags |= REACHED_SERVER;
    this.#failure = new UpgradeError(res.statusCode ?? 0, { ...res.headers } as Record<string, string | string[]>);
    res.resume();
    this.terminate();
  }

  /** @internal */
  end(code: number, reason: Buffer): void {
    if ((this.#flags & CLOSED) !== 0) return;
    this.#flags |= CLOSED;
    let why: SocketEndReason;
    if (this.#failure !== undefined) why = ["error", this.#failure];
    // 1006 is never sent on the wire: ws reports it when the socket ended without a close frame.
    else if (code !== 1006) why = ["remote_close", code, reason.toString()];
    else why = ["error", abruptError(code)];
    deliverFromIo(this.owner, new Closed(this, why, this.reachedServer));
  }
}

const REACHED_SERVER = 1;
const CLOSED = 2;
const DIRECT = 4;

function abruptError(code: number): Error {
  const err = new Error(`connection closed abruptly (close code ${code}, no close frame)`) as NodeJS.ErrnoException;
  err.code = "ECONNRESET";
  return err;
}

const NO_HEADERS: Record<string, string | string[]> = Object.freeze({}) as Record<string, string | string[]>;
