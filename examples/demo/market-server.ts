/**
 * The demo's market feed: a small WebSocket server on 127.0.0.1 that streams sequenced price ticks.
 * It is part of the demo, not of the library: any server that speaks this protocol would do.
 *
 * Protocol (JSON text frames):
 * - client → server `{"op":"subscribe","symbol":"BTC","fromSeq":17}`: replay every tick of BTC from
 *   seq 17 on, then stream live ticks. Without `fromSeq`, only live ticks are streamed.
 * - server → client `{"op":"subscribed","symbol":"BTC","fromSeq":17,"headSeq":42}`, then the ticks
 *   `{"symbol":"BTC","seq":17,"price":64012.5}`, `{"symbol":"BTC","seq":18,...}`, ...
 * - server → client `{"op":"error","reason":"unknown_symbol" | "too_old" | "bad_request", ...}`.
 *
 * Sequence numbers start at 1 and grow by one per tick, per symbol. The market keeps ticking while
 * the network side is down (`kill()` ... `restart()`): like an exchange whose gateway restarts, the
 * history survives, so a client that resubscribes with `fromSeq = lastSeen + 1` misses nothing.
 *
 * Run on its own to point clients at it: `npx tsx examples/demo/market-server.ts --port 4000`, then
 * `npm run demo -- --url ws://127.0.0.1:4000/feed`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { WebSocketServer, type WebSocket } from "ws";

/** Options of {@link MarketServer.start}. */
export interface MarketServerOptions {
  /** The symbols to quote, e.g. `["BTC", "ETH"]`. */
  readonly symbols: readonly string[];
  /** Milliseconds between two ticks of one symbol. Default 50. */
  readonly tickMs?: number;
  /** Port on 127.0.0.1; 0 (the default) lets the OS pick a free one. */
  readonly port?: number;
  /**
   * Instead of `port`, try random ports in `[min, max]` until one is free. The demo uses a range
   * below the OS's ephemeral ports, so that while the server is down no outgoing connection can be
   * given its port and the restart always finds it free.
   */
  readonly portRange?: readonly [min: number, max: number];
  /** Seed of the price random walk, so every run quotes the same prices. Default 1. */
  readonly seed?: number;
  /** Ticks kept per symbol for replays. Default 100000. */
  readonly historySize?: number;
}

/** One price tick as it goes over the wire. */
export interface Tick {
  readonly symbol: string;
  readonly seq: number;
  readonly price: number;
}

const START_PRICES: Readonly<Record<string, number>> = { BTC: 64000, ETH: 3400, SOL: 150, ADA: 0.45, DOT: 7.2 };

export class MarketServer {
  readonly #symbols: readonly string[];
  readonly #history = new Map<string, Tick[]>();
  readonly #prices = new Map<string, number>();
  readonly #subscribers = new Map<string, Set<WebSocket>>();
  readonly #historySize: number;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #ticker: NodeJS.Timeout;
  #http: http.Server | undefined;
  #port: number;
  #random: () => number;
  #connections = 0;

  private constructor(options: MarketServerOptions) {
    this.#symbols = [...options.symbols];
    this.#historySize = options.historySize ?? 100_000;
    this.#port = options.port ?? 0;
    this.#random = mulberry32(options.seed ?? 1);
    for (const symbol of this.#symbols) {
      this.#history.set(symbol, []);
      this.#prices.set(symbol, START_PRICES[symbol] ?? 100);
      this.#subscribers.set(symbol, new Set());
    }
    this.#wss.on("connection", (ws) => this.#onConnection(ws));
    this.#ticker = setInterval(() => this.#tick(), options.tickMs ?? 50);
  }

  /** Starts ticking and listening; resolves once the port is bound. */
  static async start(options: MarketServerOptions): Promise<MarketServer> {
    const server = new MarketServer(options);
    const range = options.portRange;
    for (let tries = 1; ; tries++) {
      if (range !== undefined) server.#port = range[0] + Math.floor(Math.random() * (range[1] - range[0] + 1));
      try {
        await server.#listen();
        return server;
      } catch (err) {
        if (range === undefined || tries >= 50 || (err as NodeJS.ErrnoException).code !== "EADDRINUSE") {
          clearInterval(server.#ticker);
          throw err;
        }
      }
    }
  }

  /** `ws://127.0.0.1:<port>/feed`. */
  get url(): string {
    return `ws://127.0.0.1:${this.#port}/feed`;
  }

  get port(): number {
    return this.#port;
  }

  /** True while the network side accepts connections. */
  get up(): boolean {
    return this.#http !== undefined;
  }

  /** Connections accepted since the start, across restarts. */
  get connections(): number {
    return this.#connections;
  }

  /** The last sequence number issued for `symbol` (0 before the first tick). */
  headSeq(symbol: string): number {
    return this.#history.get(symbol)?.at(-1)?.seq ?? 0;
  }

  /**
   * Kills the network side abruptly, as a crashed process would: every socket is destroyed without
   * a close frame and the listener stops. The market itself keeps ticking.
   */
  async kill(): Promise<void> {
    const server = this.#http;
    if (server === undefined) return;
    this.#http = undefined;
    for (const subs of this.#subscribers.values()) subs.clear();
    for (const ws of this.#wss.clients) ws.terminate();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port (retrying for up to 2 s while it is still taken). */
  async restart(): Promise<void> {
    for (let tries = 1; this.#http === undefined; tries++) {
      try {
        await this.#listen();
      } catch (err) {
        if (tries >= 20 || (err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Stops ticking and closes everything. */
  async close(): Promise<void> {
    clearInterval(this.#ticker);
    await this.kill();
    this.#wss.close();
  }

  #listen(): Promise<void> {
    const server = http.createServer((_req, res) => {
      res.writeHead(426, { "content-type": "text/plain" }).end("this is a WebSocket endpoint\n");
    });
    server.on("upgrade", (req, socket, head) => {
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#wss.emit("connection", ws, req));
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, "127.0.0.1", () => {
        server.off("error", reject);
        this.#port = (server.address() as AddressInfo).port;
        this.#http = server;
        resolve();
      });
    });
  }

  #onConnection(ws: WebSocket): void {
    this.#connections++;
    ws.on("error", () => {}); // a killed peer is expected here
    ws.on("close", () => {
      for (const subs of this.#subscribers.values()) subs.delete(ws);
    });
    ws.on("message", (data, isBinary) => {
      const request = isBinary ? undefined : parseJson(data.toString());
      if (request === undefined || request["op"] !== "subscribe" || typeof request["symbol"] !== "string") {
        ws.send(JSON.stringify({ op: "error", reason: "bad_request" }));
        return;
      }
      this.#subscribe(ws, request["symbol"], request["fromSeq"]);
    });
  }

  #subscribe(ws: WebSocket, symbol: string, fromSeq: unknown): void {
    const history = this.#history.get(symbol);
    const subs = this.#subscribers.get(symbol);
    if (history === undefined || subs === undefined) {
      ws.send(JSON.stringify({ op: "error", reason: "unknown_symbol", symbol }));
      return;
    }
    const headSeq = this.headSeq(symbol);
    const oldest = history[0]?.seq ?? headSeq + 1;
    if (typeof fromSeq === "number" && Number.isInteger(fromSeq) && fromSeq >= 1) {
      if (fromSeq < oldest) {
        ws.send(JSON.stringify({ op: "error", reason: "too_old", symbol, fromSeq, oldestSeq: oldest }));
        return;
      }
      ws.send(JSON.stringify({ op: "subscribed", symbol, fromSeq, headSeq }));
      for (let i = fromSeq - oldest; i < history.length; i++) ws.send(JSON.stringify(history[i]));
    } else {
      ws.send(JSON.stringify({ op: "subscribed", symbol, fromSeq: headSeq + 1, headSeq }));
    }
    subs.add(ws);
  }

  #tick(): void {
    for (const symbol of this.#symbols) {
      const history = this.#history.get(symbol)!;
      const last = this.#prices.get(symbol)!;
      const price = round(last * (1 + (this.#random() - 0.5) * 0.002), last < 1 ? 4 : 2);
      this.#prices.set(symbol, price);
      const tick: Tick = { symbol, seq: (history.at(-1)?.seq ?? 0) + 1, price };
      history.push(tick);
      if (history.length > this.#historySize) history.shift();
      const subs = this.#subscribers.get(symbol)!;
      if (subs.size === 0) continue;
      const frame = JSON.stringify(tick);
      for (const ws of subs) ws.send(frame);
    }
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** A small seeded PRNG, so the demo quotes the same prices on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { port: { type: "string" } } });
  const server = await MarketServer.start({ symbols: Object.keys(START_PRICES), port: Number(values.port ?? 0) });
  console.log(`market feed on ${server.url} (symbols ${Object.keys(START_PRICES).join(", ")}); Ctrl-C stops it`);
  process.once("SIGINT", () => void server.close());
}
