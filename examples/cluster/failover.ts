/**
 * ClusterSupervisor failover: `npx tsx examples/cluster/failover.ts`.
 *
 * Needs `nats-server` on PATH (or PARLEY_NATS_URL), as index.ts. This process runs the market and
 * the aggregator (a node of its own, `hub`); nodes a, b and c each start the same
 * ClusterSupervisor of four feed clients, which spreads them over the three. Then the node
 * running the most feeds is killed (SIGKILL): its feeds start again on the survivors, resubscribe
 * from the last tick the aggregator saw, and the aggregator's streams go on without a gap.
 * Exits 0 with a summary.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { GenServer, Node, type CallResult, type InfoResult, type InitResult } from "../../src/index.ts";
import { MarketServer } from "../demo/market-server.ts";
import { startNats } from "./nats.ts";

const SYMBOLS = ["BTC", "DOT", "LTC", "DOGE"];
const NODE_MAIN = fileURLToPath(new URL("./failover-node.ts", import.meta.url));

/** Per symbol: the last seq seen, and every gap (a seq that came after one missing). */
interface Streams {
  readonly last: Map<string, number>;
  readonly gaps: string[];
}

/** The aggregator: keeps the last seq of each symbol; a feed asks for it when it connects. */
class Aggregator extends GenServer<Streams> {
  override init(): InitResult<Streams> {
    return ["ok", { last: new Map(), gaps: [] }];
  }
  override handleCall(req: ["last", string] | "gaps", _from: unknown, s: Streams): CallResult<Streams> {
    return ["reply", req === "gaps" ? s.gaps : (s.last.get(req[1]) ?? 0), s];
  }
  override handleInfo([, symbol, seq]: ["tick", string, number], s: Streams): InfoResult<Streams> {
    const last = s.last.get(symbol) ?? 0;
    if (seq <= last) return ["noreply", s];
    if (last > 0 && seq !== last + 1) s.gaps.push(`${symbol} ${last}->${seq}`);
    s.last.set(symbol, seq);
    return ["noreply", s];
  }
}

const nats = await startNats();
const market = await MarketServer.start({ symbols: SYMBOLS, tickMs: 20 });
const said: string[] = [];
let lastSaid = performance.now();
const nodes = new Map<string, ChildProcess>();
try {
  await Node.start("hub", { servers: nats.url, heartbeatMs: 200, nodedownAfterMs: 1000 });
  await GenServer.start(Aggregator, undefined, { name: { global: "aggregator" } });
  for (const role of ["a", "b", "c"]) nodes.set(role, await startNode(role));
  // Feeds start on the first node up and move as the others join: wait until they stay put.
  const placed = await until(() => (SYMBOLS.every((s) => where(s) !== undefined) && performance.now() - lastSaid > 1500 ? SYMBOLS.map(where) : undefined));
  console.log(`placed: ${SYMBOLS.map((s, i) => `${s}@${placed[i]}`).join(" ")}`);
  const victim = ["a", "b", "c"].sort((x, y) => count(placed, y) - count(placed, x))[0]!;
  const moving = SYMBOLS.filter((s) => where(s) === victim);
  console.log(`killing node ${victim} (SIGKILL), which runs ${moving.join(", ")}`);
  const killedAt = performance.now();
  said.length = 0;
  nodes.get(victim)!.kill("SIGKILL");
  await until(() => (moving.every((s) => where(s) !== undefined) ? true : undefined));
  const back = performance.now() - killedAt;
  const before = new Map(SYMBOLS.map((s) => [s, 0]));
  for (const s of SYMBOLS) before.set(s, (await GenServer.call({ global: "aggregator" }, ["last", s])) as number);
  // A few more ticks of every symbol, to show the streams going on.
  await until(async () => {
    for (const s of SYMBOLS) if (((await GenServer.call({ global: "aggregator" }, ["last", s])) as number) < before.get(s)! + 10) return undefined;
    return true;
  });
  const gaps = (await GenServer.call({ global: "aggregator" }, "gaps")) as string[];
  console.log(`summary: ${moving.length} feeds of node ${victim} back on ${moving.map((s) => `${s}@${where(s)}`).join(" ")} within ${Math.round(back)} ms, gaps in the aggregator's streams: ${gaps.length === 0 ? "none" : gaps.join(", ")}`);
  console.log("failover: done");
} finally {
  for (const child of nodes.values()) child.kill("SIGKILL");
  await Node.stop();
  await market.close();
  await nats.close();
}

/** The node a feed last said it connected on (since the last reset of `said`). */
function where(symbol: string): string | undefined {
  const line = said.findLast((l) => l.startsWith(`feed ${symbol} connected on `));
  return line?.split(" ")[4]?.replace(",", "");
}

function count(placed: Array<string | undefined>, node: string): number {
  return placed.filter((n) => n === node).length;
}

function startNode(role: string): Promise<ChildProcess> {
  const child = fork(NODE_MAIN, [role], { execArgv: ["--import", "tsx"], env: { ...process.env, PARLEY_NATS_URL: nats.url, MARKET_URL: market.url } });
  child.on("message", (msg: { say?: string }) => {
    if (msg.say === undefined) return;
    said.push(msg.say);
    lastSaid = performance.now();
    console.log(msg.say);
  });
  return new Promise((resolve, reject) => {
    child.once("message", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`node ${role} exited ${code}`)));
  });
}

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
