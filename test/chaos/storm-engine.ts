// The restart storm with frame accounting, shared by the test (a CI-sized storm) and
// `npm run bench -- storm` (the full one). Clients keep sending while the server is killed with
// RSTs and restarted on the same port; afterwards every frame accepted is accounted for:
// sendFrameAsync frames as exactly one parley:frame:sent or parley:frame:dropped each, sendFrame
// calls as a resolution (matched by a parley:frame:sent) or a typed rejection.
import diagnostics_channel from "node:diagnostics_channel";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { WebSocketServer } from "ws";
import { Inbox, isAlive, exit, ParleyError, Parley, type Pid } from "../../src/index.ts";
import type { FrameDroppedMessage, FrameMessage } from "../../src/client/telemetry.ts";

export interface StormOptions {
  readonly clients: number;
  readonly rounds: number;
  /** sendFrameAsync frames and sendFrame calls per client per wave (each); a round has four waves. */
  readonly perRound: number;
  /** How long a round may take to see every client connected again. */
  readonly reconnectTimeoutMs?: number;
}

export interface StormReport {
  readonly asyncAccepted: number;
  readonly asyncSent: number;
  readonly asyncDropped: number;
  readonly dropReasons: Readonly<Record<string, number>>;
  readonly syncCalls: number;
  readonly syncResolved: number;
  readonly syncSentEvents: number;
  readonly syncRejected: Readonly<Record<string, number>>;
  /** Rejections that were not a ParleyError: must be none. */
  readonly untyped: readonly unknown[];
  /** Per round: ms from the kill until every client was connected again. */
  readonly recoveryMs: readonly number[];
}

/** Waves of frames per round (see the round's loop). */
const WAVES = 4;

/** Reports each connection to the storm's Inbox. */
class StormClient extends Parley<Pid> {
  override handleConnect(to: Pid) {
    Parley.cast(to, undefined);
    return ["ok", to] as const;
  }
}

export async function runStorm(opts: StormOptions): Promise<StormReport> {
  const server = await stormServer();
  const box = new Inbox();
  const pids: Pid[] = [];
  const mine = new Set<Pid>();
  let asyncSent = 0;
  let syncSentEvents = 0;
  let asyncDropped = 0;
  const dropReasons: Record<string, number> = {};
  const onSent = (m: unknown): void => {
    const msg = m as FrameMessage;
    if (!mine.has(msg.pid)) return;
    if (msg.type === "binary") asyncSent++;
    else if (msg.type === "text") syncSentEvents++;
  };
  const onDropped = (m: unknown): void => {
    const msg = m as FrameDroppedMessage;
    if (!mine.has(msg.pid)) return;
    asyncDropped += msg.type === "binary" ? 1 : 0;
    dropReasons[`${msg.type}:${msg.why}`] = (dropReasons[`${msg.type}:${msg.why}`] ?? 0) + 1;
  };
  diagnostics_channel.subscribe("parley:frame:sent", onSent);
  diagnostics_channel.subscribe("parley:frame:dropped", onDropped);
  const calls: Promise<unknown>[] = [];
  const recoveryMs: number[] = [];
  const timeout = opts.reconnectTimeoutMs ?? 20_000;
  try {
    for (let i = 0; i < opts.clients; i++) {
      const pid = await StormClient.start(box.pid, { url: server.url, reconnect: { baseDelay: 10, maxDelay: 200 } });
      pids.push(pid);
      mine.add(pid);
    }
    await connected(box, opts.clients, timeout);
    const payload = Buffer.alloc(5);
    const wave = (): void => {
      for (const pid of pids) {
        for (let i = 0; i < opts.perRound; i++) {
          Parley.sendFrameAsync(pid, ["binary", payload]);
          calls.push(Parley.sendFrame(pid, ["text", "s"]).then(() => "ok", (e: unknown) => e));
        }
      }
    };
    const turn = (): Promise<unknown> => new Promise((resolve) => setImmediate(resolve));
    for (let round = 0; round < opts.rounds; round++) {
      // A wave while connected, one as the resets land, one while the server is down, one as it
      // comes back: frames meet every state of the client and of its socket.
      wave();
      await turn();
      const killedAt = performance.now();
      const killed = server.kill();
      wave();
      await killed;
      await turn();
      wave();
      await server.restart();
      wave();
      await connected(box, opts.clients, timeout);
      recoveryMs.push(performance.now() - killedAt);
    }
    const outcomes = await Promise.all(calls);
    // Every client has handled everything in its mailbox once it answers a status call.
    for (const pid of pids) await Parley.status(pid);
    const syncRejected: Record<string, number> = {};
    const untyped: unknown[] = [];
    for (const o of outcomes) {
      if (o === "ok") continue;
      if (o instanceof ParleyError) {
        const key = `${o.name}:${(o as { state?: string }).state ?? ""}`;
        syncRejected[key] = (syncRejected[key] ?? 0) + 1;
      } else untyped.push(o);
    }
    return {
      asyncAccepted: opts.clients * opts.rounds * opts.perRound * WAVES,
      asyncSent,
      asyncDropped,
      dropReasons,
      syncCalls: outcomes.length,
      syncResolved: outcomes.filter((o) => o === "ok").length,
      syncSentEvents,
      syncRejected,
      untyped,
      recoveryMs,
    };
  } finally {
    diagnostics_channel.unsubscribe("parley:frame:sent", onSent);
    diagnostics_channel.unsubscribe("parley:frame:dropped", onDropped);
    for (const pid of pids) if (isAlive(pid)) exit(pid, "kill");
    box.close();
    await server.kill();
  }
}

/** Waits for `n` connections reported by the clients (a cast each). */
async function connected(box: Inbox, n: number, timeoutMs: number): Promise<void> {
  for (let i = 0; i < n; i++) await box.receive(undefined, timeoutMs);
}

interface StormServer {
  readonly url: string;
  /** Resets every connection (RST) and stops listening. */
  kill(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
}

async function stormServer(): Promise<StormServer> {
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<Socket>();
  let listener: http.Server | undefined;
  let port = 0;
  const listen = async (): Promise<void> => {
    const srv = http.createServer();
    srv.on("connection", (s: Socket) => {
      sockets.add(s);
      s.on("error", () => {});
      s.once("close", () => sockets.delete(s));
    });
    srv.on("upgrade", (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => ws.on("error", () => {})));
    await new Promise<void>((resolve) => srv.listen(port, "127.0.0.1", resolve));
    port = (srv.address() as AddressInfo).port;
    listener = srv;
  };
  await listen();
  return {
    url: `ws://127.0.0.1:${port}`,
    async kill() {
      for (const s of sockets) s.resetAndDestroy();
      sockets.clear();
      const srv = listener;
      listener = undefined;
      if (srv !== undefined) await new Promise<void>((resolve) => srv.close(() => resolve()));
    },
    restart: listen,
  };
}
