/**
 * One node of the cluster example, in its own process: `npx tsx examples/cluster/node.ts ROLE`
 * with PARLEY_NATS_URL set (index.ts starts three). It talks to index.ts over IPC only to say
 * what it sees; everything between nodes goes through the library over NATS.
 *
 * - `a` runs the market: an embedded WebSocket feed server and one Parley client per symbol,
 *   each registered `{ global: ["feed", symbol] }` for the whole cluster.
 * - `b` aggregates: finds the feeds by their global names, monitors them, calls them for their
 *   last price.
 * - `c` watches the cluster with `Node.monitorNodes`.
 */
import { Global, GenServer, Inbox, monitor, Node, Parley, type Frame, type From, type Pid } from "../../src/index.ts";
import { MarketServer, type Tick } from "../demo/market-server.ts";

const SYMBOLS = ["BTC", "ETH", "SOL"];
const role = process.argv[2] ?? "";

/** A feed client: keeps the last tick of its symbol and answers `"last"` calls with it. */
class Feed extends Parley<{ readonly symbol: string; readonly last: Tick | undefined }> {
  override init(symbol: string) {
    return ["ok", { symbol, last: undefined }] as const;
  }
  override handleConnect(s: { readonly symbol: string; readonly last: Tick | undefined }) {
    return ["push", ["text", JSON.stringify({ op: "subscribe", symbol: s.symbol })], s] as const;
  }
  override handleFrame(frame: Frame, s: { readonly symbol: string; readonly last: Tick | undefined }) {
    if (frame[0] !== "text") return ["ok", s] as const;
    const tick = JSON.parse(frame[1]) as Partial<Tick>;
    return typeof tick.price === "number" ? (["ok", { ...s, last: tick as Tick }] as const) : (["ok", s] as const);
  }
  override handleCall(req: unknown, _from: From, s: { readonly symbol: string; readonly last: Tick | undefined }) {
    return ["reply", req === "last" ? (s.last ?? null) : ["unknown", req], s] as const;
  }
}

function say(line: string): void {
  process.send?.({ say: `${role.toUpperCase()}: ${line}` });
}

async function nodeA(): Promise<void> {
  const market = await MarketServer.start({ symbols: SYMBOLS, tickMs: 20 });
  for (const symbol of SYMBOLS) await Parley.start(Feed, symbol, { url: market.url, name: { global: ["feed", symbol] } });
  say(`market at ${market.url}, feeds registered: ${JSON.stringify(Global.registeredNames())}`);
}

async function nodeB(): Promise<void> {
  const inbox = new Inbox();
  const feeds = new Map<string, Pid>();
  // The names are in the cluster's table: wait until every feed is visible here.
  for (const symbol of SYMBOLS) {
    let pid: Pid | undefined;
    while ((pid = Global.whereisName(["feed", symbol])) === undefined) await new Promise((r) => setTimeout(r, 20));
    feeds.set(symbol, pid);
    await inbox.run(() => monitor(pid!));
  }
  say(`found ${SYMBOLS.length} feeds on ${[...new Set([...feeds.values()].map(String))].length} processes of node a`);
  // Aggregate: call each feed by its global name until every one has a price.
  for (let round = 0; round < 100; round++) {
    const prices = await Promise.all(SYMBOLS.map((s) => Parley.call({ global: ["feed", s] }, "last") as Promise<Tick | null>));
    if (prices.every((p) => p !== null)) {
      say(`prices: ${prices.map((p) => `${p!.symbol}=${p!.price.toFixed(2)}`).join(" ")}`);
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  process.send?.({ ready: "b" });
  // Node a is killed by index.ts: each monitor fires, then the names are released.
  for (let i = 0; i < SYMBOLS.length; i++) {
    const down = (await inbox.receive((m) => (Array.isArray(m) && m[0] === "DOWN" ? m : undefined))) as unknown[];
    const symbol = [...feeds].find(([, pid]) => pid === down[3])?.[0];
    say(`feed ${symbol} is down: ${String(down[4])}`);
  }
  while (SYMBOLS.some((s) => Global.whereisName(["feed", s]) !== undefined)) await new Promise((r) => setTimeout(r, 20));
  say(`global names left: ${JSON.stringify(Global.registeredNames())}`);
  await GenServer.call({ name: "nobody", node: "c" }, 0).catch((err: Error) => say(`a call to a name nobody holds on c: ${err.name}`));
  process.send?.({ done: "b" });
}

async function nodeC(): Promise<void> {
  const inbox = new Inbox();
  await inbox.run(() => Node.monitorNodes());
  say(`watching; up now: ${JSON.stringify(Node.list().sort())}`);
  process.send?.({ ready: "c" });
  for (;;) {
    const event = (await inbox.receive()) as [string, string];
    say(`${event[0]} ${event[1]}`);
    if (event[0] === "nodedown" && event[1] === "a") process.send?.({ done: "c" });
  }
}

await Node.start(role, { heartbeatMs: 200, nodedownAfterMs: 1000 });
process.on("message", (msg: { stop?: boolean }) => {
  if (msg.stop === true) void Node.stop().then(() => process.exit(0));
});
if (role === "a") await nodeA();
else if (role === "b") await nodeB();
else await nodeC();
process.send?.({ ready: role });
