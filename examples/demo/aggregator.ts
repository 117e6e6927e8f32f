/**
 * The demo's aggregator: a GenServer that every feed client reports to. It keeps the prices, counts
 * frames, subscriptions and restarts per symbol, and checks the one property the demo is about:
 * after every (re)subscription the ticks continue at exactly the sequence number asked for, with
 * no number skipped or repeated.
 *
 * It also remembers the last sequence number seen per symbol, so a feed client that crashed and
 * was restarted by its supervisor resumes where the old one stopped: state that must survive a
 * crash lives in another process.
 */
import { type From, GenServer } from "../../src/index.ts";
import type { Tick } from "./market-server.ts";

/** The aggregator's registered (local) name. */
export const AGGREGATOR = "aggregator";

/** Requests for `GenServer.call(AGGREGATOR, ...)`. */
export type AggregatorCall =
  /** A feed client starting for `symbol`; the reply is the last sequence number seen (0 if none). */
  | readonly ["hello", symbol: string]
  /** A copy of every symbol's {@link SymbolStats}. */
  | readonly ["snapshot"];

/** Messages for `GenServer.cast(AGGREGATOR, ...)`. */
export type AggregatorCast =
  /** A client subscribed from `fromSeq`; `reconnect` is true when this client process had been connected before. */
  | readonly ["subscribed", symbol: string, fromSeq: number, reconnect: boolean]
  /** A frame arrived for `symbol`; `tick` is set when it was a tick of that symbol. */
  | readonly ["frame", symbol: string, tick: Tick | undefined];

/** A subscription, and the first tick that followed it. */
export interface Resume {
  readonly fromSeq: number;
  firstSeq: number | undefined;
}

/** Everything the aggregator knows about one symbol. */
export interface SymbolStats {
  readonly symbol: string;
  /** Client processes started for this symbol (1 + supervisor restarts). */
  starts: number;
  /** Subscriptions made after a lost connection, by a client that had been connected before. */
  reconnects: number;
  frames: number;
  ticks: number;
  /** Ticks since the latest subscription. */
  ticksSinceSubscribe: number;
  lastSeq: number;
  price: number | undefined;
  min: number | undefined;
  max: number | undefined;
  /** Every subscription, oldest first. */
  resumes: Resume[];
  /** Ticks whose seq was not `lastSeq + 1`. */
  gaps: Array<{ readonly expected: number; readonly got: number }>;
  /** Ticks at or below `lastSeq` (ignored). */
  duplicates: number;
}

type State = Map<string, SymbolStats>;

export class Aggregator extends GenServer<State> {
  override init(symbols: readonly string[]) {
    return ["ok", new Map(symbols.map((s) => [s, emptyStats(s)]))] as const;
  }

  override handleCall(request: AggregatorCall, _from: From, state: State) {
    switch (request[0]) {
      case "hello": {
        const stats = statsOf(state, request[1]);
        stats.starts++;
        return ["reply", stats.lastSeq, state] as const;
      }
      case "snapshot":
        return ["reply", [...state.values()].map(copyStats), state] as const;
    }
  }

  override handleCast(msg: AggregatorCast, state: State) {
    switch (msg[0]) {
      case "subscribed": {
        const [, symbol, fromSeq, reconnect] = msg;
        const stats = statsOf(state, symbol);
        if (reconnect) stats.reconnects++;
        stats.resumes.push({ fromSeq, firstSeq: undefined });
        stats.ticksSinceSubscribe = 0;
        return ["noreply", state] as const;
      }
      case "frame": {
        const [, symbol, tick] = msg;
        const stats = statsOf(state, symbol);
        stats.frames++;
        if (tick !== undefined) recordTick(stats, tick);
        return ["noreply", state] as const;
      }
    }
  }
}

function recordTick(stats: SymbolStats, tick: Tick): void {
  if (tick.seq <= stats.lastSeq) {
    stats.duplicates++;
    return;
  }
  const resume = stats.resumes.at(-1);
  if (resume !== undefined && resume.firstSeq === undefined) resume.firstSeq = tick.seq;
  if (tick.seq !== stats.lastSeq + 1) stats.gaps.push({ expected: stats.lastSeq + 1, got: tick.seq });
  stats.lastSeq = tick.seq;
  stats.ticks++;
  stats.ticksSinceSubscribe++;
  stats.price = tick.price;
  stats.min = Math.min(stats.min ?? tick.price, tick.price);
  stats.max = Math.max(stats.max ?? tick.price, tick.price);
}

function statsOf(state: State, symbol: string): SymbolStats {
  let stats = state.get(symbol);
  if (stats === undefined) {
    stats = emptyStats(symbol);
    state.set(symbol, stats);
  }
  return stats;
}

function emptyStats(symbol: string): SymbolStats {
  return {
    symbol,
    starts: 0,
    reconnects: 0,
    frames: 0,
    ticks: 0,
    ticksSinceSubscribe: 0,
    lastSeq: 0,
    price: undefined,
    min: undefined,
    max: undefined,
    resumes: [],
    gaps: [],
    duplicates: 0,
  };
}

function copyStats(s: SymbolStats): SymbolStats {
  return { ...s, resumes: s.resumes.map((r) => ({ ...r })), gaps: [...s.gaps] };
}
