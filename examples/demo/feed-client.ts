/**
 * The demo's feed client: one supervised WebSocket client per symbol. It subscribes in
 * `handleConnect` (so every reconnect resubscribes), asks for the ticks from the last one it saw
 * plus one, and reports every frame to the aggregator.
 */
import { type ConnectOptions, type Frame, GenServer, Parley, Registry } from "../../src/index.ts";
import { AGGREGATOR, type AggregatorCast } from "./aggregator.ts";
import type { Tick } from "./market-server.ts";

/** The Registry the feed clients are named through. */
export const FEEDS = "feeds";

interface FeedState {
  readonly symbol: string;
  /** The last sequence number seen: resubscriptions ask for `lastSeq + 1`. */
  readonly lastSeq: number;
  /** Connections this process has made (0 before the first). */
  readonly connects: number;
}

/** The name a feed client registers under: `{ via: [Registry, ["feeds", symbol]] }`. */
export function feedName(symbol: string) {
  return { via: [Registry, [FEEDS, symbol]] } as const;
}

/** The client options the demo uses for `symbol`. */
export function feedOptions(symbol: string, url: string): ConnectOptions {
  return {
    url,
    name: feedName(symbol),
    reconnect: { baseDelay: 200, maxDelay: 2000 },
    connectTimeout: 2000,
  };
}

export class FeedClient extends Parley<FeedState> {
  /** Starts from the last sequence number the aggregator saw, so a restarted client resumes. */
  override async init(symbol: string) {
    const lastSeq = (await GenServer.call(AGGREGATOR, ["hello", symbol])) as number;
    return ["ok", { symbol, lastSeq, connects: 0 }] as const;
  }

  /** Runs on every successful upgrade, the first and each reconnect: (re)subscribe. */
  override handleConnect(s: FeedState) {
    const fromSeq = s.lastSeq + 1;
    report(["subscribed", s.symbol, fromSeq, s.connects > 0]);
    const subscribe = JSON.stringify({ op: "subscribe", symbol: s.symbol, fromSeq });
    return ["push", ["text", subscribe], { ...s, connects: s.connects + 1 }] as const;
  }

  override handleFrame(frame: Frame, s: FeedState) {
    const tick = frame[0] === "text" ? parseTick(frame[1], s.symbol) : undefined;
    report(["frame", s.symbol, tick]);
    if (tick === undefined || tick.seq <= s.lastSeq) return ["ok", s] as const;
    return ["ok", { ...s, lastSeq: tick.seq }] as const;
  }
}

function report(msg: AggregatorCast): void {
  GenServer.cast(AGGREGATOR, msg);
}

function parseTick(text: string, symbol: string): Tick | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object") return undefined;
  const t = value as Partial<Tick>;
  if (t.symbol !== symbol || !Number.isInteger(t.seq) || typeof t.price !== "number") return undefined;
  return { symbol, seq: t.seq!, price: t.price };
}
