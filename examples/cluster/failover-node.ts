/**
 * One node of the failover example, in its own process: `npx tsx examples/cluster/failover-node.ts ROLE`
 * with PARLEY_NATS_URL and MARKET_URL set (failover.ts starts three). Every node starts the same
 * ClusterSupervisor of market-feed clients; each feed runs on one node, forwards its ticks to the
 * aggregator `{ global: "aggregator" }` and, when it connects (on any node, after a failover too),
 * asks the aggregator for the last tick it saw, so it resubscribes from the next one.
 */
import { ClusterSupervisor, GenServer, Node, Parley, send, type ChildSpec, type Frame } from "../../src/index.ts";
import type { Tick } from "../demo/market-server.ts";

const SYMBOLS = ["BTC", "DOT", "LTC", "DOGE"];

/** A feed client: resubscribes from the aggregator's last seq, forwards every tick to it. */
class Feed extends Parley<string> {
  override init(symbol: string) {
    return ["ok", symbol] as const;
  }
  override async handleConnect(symbol: string) {
    const last = (await GenServer.call({ global: "aggregator" }, ["last", symbol])) as number;
    process.send?.({ say: `feed ${symbol} connected on ${Node.self()}, resuming after seq ${last}` });
    return ["push", ["text", JSON.stringify({ op: "subscribe", symbol, fromSeq: last + 1 })], symbol] as const;
  }
  override handleFrame(frame: Frame, symbol: string) {
    if (frame[0] === "text") {
      const tick = JSON.parse(frame[1]) as Partial<Tick>;
      if (typeof tick.seq === "number") send({ global: "aggregator" }, ["tick", tick.symbol, tick.seq]);
    }
    return ["ok", symbol] as const;
  }
}

const FeedChild = {
  name: "FeedChild",
  childSpec: (symbol: string): ChildSpec => ({
    id: symbol,
    start: () => Parley.startLink(Feed, symbol, { url: process.env["MARKET_URL"] ?? "", name: { global: ["feed", symbol] } }),
  }),
};

const role = process.argv[2] ?? "";
await Node.start(role, { heartbeatMs: 200, nodedownAfterMs: 1000 });
await ClusterSupervisor.startLink(SYMBOLS.map((s) => [FeedChild, s] as const), { name: "feeds" });
process.send?.({ ready: role });
process.on("disconnect", () => process.exit(0));
