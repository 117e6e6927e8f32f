// Loopback servers for client tests: a scriptable `ws` server, plus raw TCP/HTTP servers that
// misbehave in the ways a WebSocket client must survive. Everything binds 127.0.0.1, port 0.
import { createHash } from "node:crypto";
import http from "node:http";
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { RawData, VerifyClientCallbackAsync, VerifyClientCallbackSync, WebSocket } from "ws";

/** A refused upgrade: the server answers this HTTP status instead of 101. */
export interface Refusal {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface ServerOptions {
  /** Echo frames that are not commands: text as text, binary as binary. Default true. */
  echo?: boolean;
  /** Treat text frames such as `"close:1001:bye"` as commands (see `runCommand`). Default true. */
  commands?: boolean;
  /** `ws`'s own option: answer pings automatically. Default true. */
  autoPong?: boolean;
  /** Text sent right after the upgrade, in the same TCP write as the 101 response. */
  greeting?: string;
  /** Subprotocols the server accepts (first client offer found wins), or a `handleProtocols`. */
  protocols?: readonly string[] | ((offered: ReadonlySet<string>, req: IncomingMessage) => string | false);
  /** Refuse upgrades with this answer; a function may decide per request (undefined = accept). */
  refuse?: Refusal | ((req: IncomingMessage) => Refusal | undefined);
  /** Passed to `ws` as is, for refusals that need its callback form. */
  verifyClient?: VerifyClientCallbackAsync | VerifyClientCallbackSync;
  /** false: never answer the client's close frame, so the client's closeTimeout must fire. */
  closeReply?: boolean;
  /** Hold every upgrade this long (ms) before answering: keeps the client in "connecting". */
  upgradeDelay?: number;
  maxPayload?: number;
  perMessageDeflate?: boolean;
  onConnection?: (socket: WebSocket, req: IncomingMessage) => void;
}

export type ReceivedFrame =
  | { id: number; kind: "text"; data: string }
  | { id: number; kind: "binary"; data: Buffer };

/** Everything the server saw, in order. `id` numbers upgrade requests from 1, across restarts. */
export type ServerEvent =
  | { type: "upgrade"; id: number; path: string; headers: IncomingHttpHeaders; refused: number | undefined }
  | { type: "connection"; id: number; socket: WebSocket; protocol: string; headers: IncomingHttpHeaders }
  | { type: "message"; id: number; frame: ReceivedFrame }
  | { type: "ping"; id: number; data: Buffer }
  | { type: "pong"; id: number; data: Buffer }
  | { type: "close"; id: number; code: number; reason: string }
  | { type: "error"; id: number; error: Error };

export type EventOf<T extends ServerEvent["type"]> = Extract<ServerEvent, { type: T }>;

export interface TestServer {
  readonly url: string;
  readonly port: number;
  /** The `ws` server (noServer mode: it outlives restarts). */
  readonly server: WebSocketServer;
  /** Server-side sockets currently open. */
  readonly connections: Set<WebSocket>;
  readonly received: ReceivedFrame[];
  readonly events: ServerEvent[];
  /** First event of this type (past or future) that matches; rejects after timeoutMs (default 2000). */
  waitFor<T extends ServerEvent["type"]>(type: T, match?: (e: EventOf<T>) => boolean, timeoutMs?: number): Promise<EventOf<T>>;
  /** Send to every open connection. */
  broadcast(data: string | Buffer): void;
  /** Drop every connection and stop listening. Idempotent; `restart()` may follow. */
  close(): Promise<void>;
  /** Drop everything and listen again on the same port, as a restarted server would. */
  restart(): Promise<void>;
}

/** The text frames `server` received, oldest first. */
export const texts = (server: TestServer): string[] => server.received.flatMap((f) => (f.kind === "text" ? [f.data] : []));

/** A `ws` server on `ws://127.0.0.1:<port>`. */
export function startServer(opts: ServerOptions = {}): Promise<TestServer> {
  return serveWebSocket(() => http.createServer(), "ws", "127.0.0.1", opts);
}

/**
 * The engine behind `startServer` and `startTlsServer`: `createListener` makes a fresh (unbound)
 * http or https server for each listen, so `restart()` can rebind the same port.
 */
export async function serveWebSocket(
  createListener: () => net.Server,
  scheme: "ws" | "wss",
  urlHost: string,
  opts: ServerOptions,
): Promise<TestServer> {
  const wss = new WebSocketServer({
    noServer: true,
    autoPong: opts.autoPong ?? true,
    perMessageDeflate: opts.perMessageDeflate ?? false,
    ...(opts.maxPayload !== undefined && { maxPayload: opts.maxPayload }),
    ...(opts.verifyClient && { verifyClient: opts.verifyClient }),
    ...(opts.protocols && { handleProtocols: protocolPicker(opts.protocols) }),
  });
  const connections = new Set<WebSocket>();
  const received: ReceivedFrame[] = [];
  const events: ServerEvent[] = [];
  const watchers = new Set<(e: ServerEvent) => void>();
  const sockets = new Set<Duplex>();
  const timers = new Set<NodeJS.Timeout>();
  let nextId = 0;

  const log = (e: ServerEvent): void => {
    events.push(e);
    for (const w of watchers) w(e);
  };

  const attach = (ws: WebSocket, req: IncomingMessage, id: number): void => {
    const conn = newConn(ws, id, req.headers);
    connections.add(ws);
    if (opts.closeReply === false) ignoreCloseFrames(conn);
    log({ type: "connection", id, socket: ws, protocol: ws.protocol, headers: req.headers });
    ws.on("message", (data: RawData, isBinary: boolean) => {
      const buf = toBuffer(data);
      const frame: ReceivedFrame = isBinary ? { id, kind: "binary", data: buf } : { id, kind: "text", data: buf.toString() };
      received.push(frame);
      log({ type: "message", id, frame });
      if (frame.kind === "text" && opts.commands !== false && runCommand(conn, frame.data)) return;
      if (opts.echo !== false) ws.send(buf, { binary: isBinary });
    });
    ws.on("ping", (data: Buffer) => log({ type: "ping", id, data }));
    ws.on("pong", (data: Buffer) => log({ type: "pong", id, data }));
    ws.on("error", (error: Error) => log({ type: "error", id, error }));
    ws.on("close", (code: number, reason: Buffer) => {
      connections.delete(ws);
      log({ type: "close", id, code, reason: reason.toString() });
    });
    if (opts.greeting !== undefined) ws.send(opts.greeting);
    opts.onConnection?.(ws, req);
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const id = ++nextId;
    track(sockets, socket);
    const refusal = typeof opts.refuse === "function" ? opts.refuse(req) : opts.refuse;
    log({ type: "upgrade", id, path: req.url ?? "/", headers: req.headers, refused: refusal?.status });
    if (refusal) return refuseUpgrade(socket, refusal);
    const proceed = (): void => {
      if (socket.destroyed) return;
      // Corked, the 101 and the greeting leave in one write, so the client gets a frame in the
      // same chunk as the response (ws hands it over as the upgrade `head`).
      // A refusal from `verifyClient` ends the socket, and `end()` uncorks it too.
      const cork = opts.greeting !== undefined;
      if (cork) socket.cork();
      wss.handleUpgrade(req, socket, head, (ws) => {
        attach(ws, req, id);
        if (cork) socket.uncork();
      });
    };
    if (!opts.upgradeDelay) return proceed();
    const t = setTimeout(() => {
      timers.delete(t);
      proceed();
    }, opts.upgradeDelay);
    timers.add(t);
  };

  let listener: net.Server | undefined;
  let port = 0;
  const listen = async (): Promise<void> => {
    const l = createListener();
    l.on("connection", (s: net.Socket) => track(sockets, s));
    l.on("upgrade", onUpgrade);
    l.on("request", (_req: IncomingMessage, res: http.ServerResponse) => res.writeHead(426).end());
    port = await listenLoopback(l, port);
    listener = l;
  };
  const close = async (): Promise<void> => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
    for (const ws of connections) ws.terminate();
    if (listener) await closeListener(listener, sockets);
  };
  await listen();

  return {
    url: `${scheme}://${urlHost}:${port}`,
    port,
    server: wss,
    connections,
    received,
    events,
    waitFor(type, match, timeoutMs = 2000) {
      type E = EventOf<typeof type>;
      const hit = (e: ServerEvent): e is E => e.type === type && (match === undefined || match(e as E));
      const past = events.find(hit);
      if (past) return Promise.resolve(past);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          watchers.delete(watch);
          const seen = events.map((e) => `${e.type}#${e.id}`).join(", ");
          reject(new Error(`no matching "${type}" event within ${timeoutMs} ms; seen: [${seen}]`));
        }, timeoutMs);
        const watch = (e: ServerEvent): void => {
          if (!hit(e)) return;
          clearTimeout(timer);
          watchers.delete(watch);
          resolve(e);
        };
        watchers.add(watch);
      });
    },
    broadcast(data) {
      for (const ws of connections) ws.send(data);
    },
    close,
    async restart() {
      await close();
      await listen();
    },
  };
}

// --- per-connection commands --------------------------------------------------------------

interface Conn {
  id: number;
  ws: WebSocket;
  headers: IncomingHttpHeaders;
  /** The real methods, kept because `ignoreCloseFrames` / `stop-pong` shadow them. */
  close: (code?: number, reason?: string) => void;
  pong: (data?: string | Buffer) => void;
  /** Set once the server itself starts a close, so the shadowed close lets ws finish it. */
  closing: boolean;
}

function newConn(ws: WebSocket, id: number, headers: IncomingHttpHeaders): Conn {
  return { id, ws, headers, close: ws.close.bind(ws), pong: ws.pong.bind(ws), closing: false };
}

/**
 * Commands a test sends as text frames; returns false for anything else (which is then echoed):
 * - `close:<code>:<reason>`: close with that code and reason; `close-nocode`: close frame without
 *   a code (the client sees 1005); `terminate`: destroy the socket (the client sees 1006).
 * - `ping[:payload]` / `pong[:payload]`: send a ping (or an unsolicited pong) to the client.
 * - `send-big:<n>`: n bytes of "x" as one binary frame; `send-many:<n>`: texts "1" .. "n".
 * - `echo-headers`: JSON of the upgrade request's headers.
 * - `stop-pong`: leave later pings unanswered; `ignore-close`: behave as `closeReply: false`.
 */
function runCommand(c: Conn, text: string): boolean {
  const colon = text.indexOf(":");
  const name = colon < 0 ? text : text.slice(0, colon);
  const arg = colon < 0 ? "" : text.slice(colon + 1);
  switch (name) {
    case "close": {
      if (colon < 0) return false;
      const sep = arg.indexOf(":");
      c.closing = true;
      c.close(Number(sep < 0 ? arg : arg.slice(0, sep)), sep < 0 ? "" : arg.slice(sep + 1));
      return true;
    }
    case "close-nocode":
      c.closing = true;
      c.close();
      return true;
    case "terminate":
      c.ws.terminate();
      return true;
    case "ping":
      c.ws.ping(arg);
      return true;
    case "pong":
      c.pong(arg);
      return true;
    case "send-big":
      c.ws.send(Buffer.alloc(Number(arg), 0x78), { binary: true });
      return true;
    case "send-many":
      for (let i = 1; i <= Number(arg); i++) c.ws.send(String(i));
      return true;
    case "echo-headers":
      c.ws.send(JSON.stringify(c.headers));
      return true;
    case "stop-pong":
      // ws answers pings by calling `websocket.pong(data, mask, done)` on the instance, so an own
      // property shadows it. `done` still runs: ws counts unfinished auto-pongs and would
      // terminate the connection after 60 of them.
      c.ws.pong = (_data?: unknown, _mask?: boolean, done?: (err: Error) => void) => {
        // Success, as ws reports it: the callback without an error.
        if (done) process.nextTick(done as () => void);
      };
      return true;
    case "ignore-close":
      ignoreCloseFrames(c);
      return true;
    default:
      return false;
  }
}

/**
 * ws replies to a close frame by calling `websocket.close(code, reason)` on the instance (its
 * `receiverOnConclude`), so an own `close` that does nothing swallows the reply. ws still resumes
 * the socket, so when the client gives up and ends TCP the server sees 'end' and cleans up.
 * Closes the server starts itself go through `Conn.close`, and once it has sent its close
 * frame the shadow passes ws's follow-up call through.
 */
function ignoreCloseFrames(c: Conn): void {
  c.ws.close = (code?: number, reason?: string | Buffer) => {
    if (c.closing) c.close(code, reason?.toString());
  };
}

// --- raw TCP / HTTP misbehaving servers ---------------------------------------------------

export interface RawServer {
  readonly url: string;
  readonly port: number;
  /** TCP connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

/** Accepts TCP but never answers the upgrade request: for connectTimeout. */
export function startSilentServer(): Promise<RawServer> {
  return rawServer(net.createServer(), () => {});
}

/** Answers the upgrade request with bytes that are not HTTP, then closes. */
export function startGarbageServer(): Promise<RawServer> {
  return rawServer(net.createServer(), (socket) => {
    socket.once("data", () => socket.end("SSH-2.0-not-http\r\n\0\0\xff garbage\r\n\r\n"));
  });
}

/**
 * Completes the upgrade, then neither reads nor writes nor closes: pings go unanswered and the
 * client's data piles up in the kernel. For heartbeat tests. The first offered subprotocol is
 * accepted so clients that offer some still connect.
 */
export function startHalfOpenServer(): Promise<RawServer> {
  const server = http.createServer();
  server.on("upgrade", (req: IncomingMessage, socket: Duplex) => {
    const accept = createHash("sha1")
      .update(`${String(req.headers["sec-websocket-key"])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest("base64");
    const protocol = req.headers["sec-websocket-protocol"]?.split(",")[0]?.trim();
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${accept}\r\n${protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : ""}\r\n`,
    );
    socket.pause();
  });
  return rawServer(server, () => {});
}

/** A loopback port with nothing listening: bound, then released. */
export async function startRefusingPort(): Promise<{ url: string; port: number }> {
  const server = net.createServer();
  const port = await listenLoopback(server, 0);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { url: `ws://127.0.0.1:${port}`, port };
}

async function rawServer(server: net.Server, onSocket: (s: net.Socket) => void): Promise<RawServer> {
  const sockets = new Set<Duplex>();
  let accepted = 0;
  server.on("connection", (s: net.Socket) => {
    accepted++;
    track(sockets, s);
    onSocket(s);
  });
  const port = await listenLoopback(server, 0);
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    get accepted() {
      return accepted;
    },
    close: () => closeListener(server, sockets),
  };
}

// --- shared plumbing ----------------------------------------------------------------------

export function listenLoopback(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function track(sockets: Set<Duplex>, s: Duplex): void {
  sockets.add(s);
  // Clients vanish abruptly in these tests; an unhandled 'error' would crash the worker.
  s.on("error", () => {});
  s.once("close", () => sockets.delete(s));
}

async function closeListener(server: net.Server, sockets: Set<Duplex>): Promise<void> {
  for (const s of sockets) s.destroy();
  if (!server.listening) return;
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function refuseUpgrade(socket: Duplex, r: Refusal): void {
  const body = r.body ?? http.STATUS_CODES[r.status] ?? "";
  const headers = { connection: "close", "content-length": String(Buffer.byteLength(body)), ...r.headers };
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  socket.end(`HTTP/1.1 ${r.status} ${http.STATUS_CODES[r.status] ?? "Refused"}\r\n${lines}\r\n${body}`);
}

function protocolPicker(p: NonNullable<ServerOptions["protocols"]>) {
  if (typeof p === "function") return p;
  return (offered: Set<string>): string | false => [...offered].find((o) => p.includes(o)) ?? false;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
