// The four WebSocket clients the peers bench compares, behind one small shape so every workload
// is written once: raw `ws`, parley-ts, partysocket 1.x and reconnecting-websocket 4.x (both with
// `ws` as their WebSocket class). The reconnecting clients get settings as close to parley's
// default reconnect policy (first retry after about 1 s, nominal delay capped at 30 s) as their
// options allow; neither can jitter.
import { createRequire } from "node:module";
import PartySocket from "partysocket/ws";
import WebSocket from "ws";
import { type Frame, Parley, type Pid } from "../src/index.ts";

/** The clients under comparison, in the order they are printed. */
export const KINDS = ["raw", "parley", "partysocket", "rws"] as const;
export type Kind = (typeof KINDS)[number];

/** How each kind is named in printed figures. */
export const KIND_LABEL: Readonly<Record<Kind, string>> = {
  raw: "raw ws",
  parley: "parley-ts",
  partysocket: "partysocket",
  rws: "reconnecting-websocket",
};

export interface Handlers {
  /** Runs on every echo; a string returned is sent back at once (from inside the client). */
  readonly onMessage?: () => string | undefined;
  /** Runs on every open, the first and each reconnect. */
  readonly onOpen?: () => void;
}

export interface Conn {
  /** Sends one text frame from outside the client (as an application would). */
  send(text: string): void;
  /** Closes for good (no reconnect) and resolves once done. */
  close(): Promise<void>;
}

/**
 * The peers' options closest to parley's default `reconnect: true` (baseDelay 1000, maxDelay
 * 30000, ×2 per retry, equal jitter): first retry after 1000 ms, ×2, capped at 30000 ms, and
 * their connect timeout raised to parley's 10 s. They have no jitter option.
 */
export const PEER_RECONNECT = {
  minReconnectionDelay: 1_000,
  maxReconnectionDelay: 30_000,
  reconnectionDelayGrowFactor: 2,
  connectionTimeout: 10_000,
} as const;

/** Opens a client of `kind` and resolves at its first open. */
export function connect(kind: Kind, url: string, handlers: Handlers = NO_HANDLERS): Promise<Conn> {
  switch (kind) {
    case "raw":
      return rawConnect(url, handlers);
    case "parley":
      return parleyConnect(url, handlers);
    case "partysocket":
      return peerConnect(new PartySocket(url, undefined, { WebSocket, ...PEER_RECONNECT }), handlers);
    case "rws":
      return peerConnect(new ReconnectingWebSocket(url, undefined, { WebSocket, ...PEER_RECONNECT }), handlers);
  }
}

/** Shared by every client given none, so an idle client keeps no handlers object of its own. */
const NO_HANDLERS: Handlers = {};

// reconnecting-websocket's CommonJS build sets `module.exports` to the class while its types
// declare a default export, so an ESM default import would be typed as the namespace.
const ReconnectingWebSocket = createRequire(import.meta.url)("reconnecting-websocket") as typeof import("reconnecting-websocket").default;

function rawConnect(url: string, handlers: Handlers): Promise<Conn> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const { onMessage, onOpen } = handlers;
  if (onMessage !== undefined) {
    ws.on("message", () => {
      const reply = onMessage();
      if (reply !== undefined) ws.send(reply);
    });
  }
  // An idle socket dropped by the server must not crash the bench with an unhandled error.
  ws.on("error", () => {});
  return new Promise((resolve, reject) => {
    ws.once("error", reject);
    ws.once("open", () => {
      ws.off("error", reject);
      onOpen?.();
      resolve({
        send: (text) => ws.send(text),
        close: () =>
          new Promise((done) => {
            if (ws.readyState === WebSocket.CLOSED) return done();
            ws.once("close", () => done());
            ws.terminate();
          }),
      });
    });
  });
}

/** The shape partysocket and reconnecting-websocket share (a WHATWG WebSocket that reconnects). */
interface ReconnectingSocket {
  send(data: string): unknown;
  close(): void;
  addEventListener(type: "open" | "message", listener: () => void): void;
}

function peerConnect(socket: ReconnectingSocket, handlers: Handlers): Promise<Conn> {
  const { onMessage, onOpen } = handlers;
  if (onMessage !== undefined) {
    socket.addEventListener("message", () => {
      const reply = onMessage();
      if (reply !== undefined) socket.send(reply);
    });
  }
  if (onOpen !== undefined) socket.addEventListener("open", onOpen);
  return new Promise((resolve) => {
    let first = true;
    socket.addEventListener("open", () => {
      if (!first) return;
      first = false;
      resolve({
        send: (text) => void socket.send(text),
        close: async () => socket.close(),
      });
    });
  });
}

interface ParleyState {
  readonly handlers: Handlers;
  /** Resolves parleyConnect at the first open; then a shared no-op, so the promise is not kept. */
  opened: () => void;
  /** The last frame pushed, reused while the handler returns the same text. */
  frame: Frame;
}

const NOTHING = (): void => undefined;
/** The frame a client holds until it first sends: one for all of them. */
const NO_FRAME: Frame = ["text", ""];

/** The parley-ts client: callbacks in its state, echoes answered by a push. */
class PeerParley extends Parley<ParleyState> {
  override handleConnect(s: ParleyState) {
    s.opened();
    s.opened = NOTHING;
    s.handlers.onOpen?.();
    return ["ok", s] as const;
  }

  override handleFrame(_frame: Frame, s: ParleyState) {
    const reply = s.handlers.onMessage?.();
    if (reply === undefined) return ["ok", s] as const;
    if (s.frame[1] !== reply) s.frame = ["text", reply];
    return ["push", s.frame, s] as const;
  }
}

async function parleyConnect(url: string, handlers: Handlers): Promise<Conn> {
  let opened!: () => void;
  const first = new Promise<void>((resolve) => {
    opened = resolve;
  });
  const state: ParleyState = { handlers, opened, frame: NO_FRAME };
  const pid: Pid = await PeerParley.start(state, { url, reconnect: true });
  await first;
  let frame = NO_FRAME;
  return {
    send: (text) => {
      if (frame[1] !== text) frame = ["text", text];
      Parley.sendFrameAsync(pid, frame);
    },
    close: () => Parley.stop(pid),
  };
}
