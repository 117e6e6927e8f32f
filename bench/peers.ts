// `npm run bench -- peers`: parley-ts beside raw `ws` and two npm peers, partysocket and
// reconnecting-websocket (both on `ws`), in one run: 32 B bursts, a 4 KiB window, round-trip
// latency, heap per idle connection and a reconnect storm; then the runtime beside nact. Every
// traffic figure is a median over rounds in which raw ws and each client run in turn, each on a
// fresh echo server process, and its ratio is the median of the per-round ratios against raw ws.
// Targets (from issue 16) apply to parley-ts only; the peers get no target, just the figures.
import { readFileSync } from "node:fs";
import os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { withEchoServer } from "./echo-process.ts";
import { fmt, judged } from "./measure.ts";
import { KIND_LABEL, KINDS, type Kind, PEER_RECONNECT } from "./peers-clients.ts";
import { peerIdle } from "./peers-idle.ts";
import { runNactComparison } from "./peers-nact.ts";
import { peerStorm, type StormFigures } from "./peers-storm.ts";
import { burst, rtt, windowed } from "./peers-throughput.ts";
import { median } from "./raw-ws.ts";

const ROUNDS = 3;
const IDLE_CONNS = 2_000;
const STORM_CLIENTS = 2_000;
/** Outages of the storm: the server restarted at once, and after 5 s (several retries each). */
const OUTAGES_MS = [0, 5_000] as const;
const RECONNECTING = KINDS.filter((k) => k !== "raw");

/** Lines to print. */
export async function runPeersBench(): Promise<string[]> {
  const lines = [versions(), settings(), "", header("")];
  for (const n of [50_000, 200_000]) {
    lines.push(await rates(`32 B burst ${n / 1000}k, msg/s`, (k, url) => burst(k, url, n), "≥ 0.90×"));
  }
  lines.push(await rates("4 KiB window 1000, msg/s", (k, url) => windowed(k, url, 50_000, 4_096), "≥ 0.90×"));
  lines.push(...(await latency()));
  lines.push(await idle());
  for (const down of OUTAGES_MS) lines.push("", ...(await storm(down)));
  lines.push("", `${"runtime vs nact".padEnd(COL0)} ${"parley-ts".padStart(12)} ${"nact".padStart(12)} ${"ratio".padStart(8)}`);
  for (const f of await runNactComparison()) {
    lines.push(`${f.label.padEnd(COL0)} ${fmt(f.ours).padStart(12)} ${fmt(f.nact).padStart(12)} ${`${f.ratio.toFixed(2)}×`.padStart(8)}`);
  }
  return lines;
}

const COL0 = 44;
const COL = 24;

function header(label: string, kinds: readonly Kind[] = KINDS): string {
  return `${label.padEnd(COL0)}${kinds.map((k) => KIND_LABEL[k].padStart(COL)).join("")}`;
}

/**
 * One traffic figure per kind per round, each on a fresh echo server; the order of the kinds
 * turns by one each round, so no client always runs first or last.
 */
async function perRound(measure: (kind: Kind, url: string) => Promise<number>): Promise<Record<Kind, number[]>> {
  const all = { raw: [], parley: [], partysocket: [], rws: [] } as Record<Kind, number[]>;
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of [...KINDS.slice(round % KINDS.length), ...KINDS.slice(0, round % KINDS.length)]) {
      await collected();
      all[kind].push(await withEchoServer((url) => measure(kind, url)));
    }
  }
  return all;
}

async function rates(label: string, measure: (kind: Kind, url: string) => Promise<number>, target: string): Promise<string> {
  const all = await perRound(measure);
  const ratio = (k: Kind): number => median(all[k].map((x, i) => x / all.raw[i]!));
  const cells = KINDS.map((k) => (k === "raw" ? fmt(median(all.raw)) : `${fmt(median(all[k]))} ${ratio(k).toFixed(2)}×`).padStart(COL));
  return judged(`${label.padEnd(COL0)}${cells.join("")}   target (parley-ts) ${target}`, ratio("parley") >= 0.9);
}

async function latency(): Promise<string[]> {
  const p50s = { raw: [], parley: [], partysocket: [], rws: [] } as Record<Kind, number[]>;
  const p99s = { raw: [], parley: [], partysocket: [], rws: [] } as Record<Kind, number[]>;
  await perRound(async (kind, url) => {
    const r = await rtt(kind, url, 20_000, 1_000);
    p50s[kind].push(r.p50);
    p99s[kind].push(r.p99);
    return r.p50;
  });
  const row = (label: string, all: Record<Kind, number[]>, slack: number): string => {
    const extra = (k: Kind): number => median(all[k].map((x, i) => x - all.raw[i]!));
    const cells = KINDS.map((k) => (k === "raw" ? median(all.raw).toFixed(1) : `${median(all[k]).toFixed(1)} ${signed(extra(k))}`).padStart(COL));
    return judged(`${label.padEnd(COL0)}${cells.join("")}   target (parley-ts) ≤ raw + ${slack} µs`, extra("parley") <= slack);
  };
  return [row("32 B round trip p50, µs", p50s, 10), row("32 B round trip p99, µs", p99s, 20)];
}

/** Heap per idle connection, each kind in a fresh process against a fresh echo server. */
async function idle(): Promise<string> {
  const heap = {} as Record<Kind, number>;
  for (const kind of KINDS) heap[kind] = (await withEchoServer((url) => peerIdle(kind, IDLE_CONNS, url))).heapPerConn;
  const cells = KINDS.map((k) => (k === "raw" ? fmt(heap.raw) : `${fmt(heap[k])} ${(heap[k] / heap.raw).toFixed(2)}×`).padStart(COL));
  return judged(`${`heap per idle conn (${fmt(IDLE_CONNS)}), B`.padEnd(COL0)}${cells.join("")}   target (parley-ts) ≤ 1.25×`, heap.parley / heap.raw <= 1.25);
}

async function storm(downMs: number): Promise<string[]> {
  const figures = {} as Record<Kind, StormFigures>;
  for (const kind of RECONNECTING) figures[kind] = await peerStorm(kind, STORM_CLIENTS, downMs);
  const when = downMs === 0 ? "restart at once" : `restart after ${fmt(downMs / 1000)} s`;
  const row = (label: string, cell: (f: StormFigures) => string): string =>
    `${`  ${label}`.padEnd(COL0)}${RECONNECTING.map((k) => cell(figures[k]).padStart(COL)).join("")}`;
  return [
    `storm: ${fmt(STORM_CLIENTS)} clients of each kind, echo server SIGKILLed, ${when}`,
    header("", RECONNECTING),
    row("server down (kill to listening), ms", (f) => fmt(f.downMs)),
    row("kill to every client back, ms", (f) => fmt(f.allBackMs)),
    row("TCP connects until every client back", (f) => fmt(f.attempts)),
    row("most connects within 100 ms", (f) => fmt(f.busiest100ms)),
    row("back after listening p50/p90/max, ms", (f) => `${fmt(f.p50)}/${fmt(f.p90)}/${fmt(f.max)}`),
    row("first to last back, ms", (f) => fmt(f.spread)),
    row("peak RSS of the client process, MB", (f) => (f.peakRss / 2 ** 20).toFixed(0)),
    "  raw ws: no reconnect (a dropped socket stays closed)",
  ];
}

function versions(): string {
  const v = (name: string): string => (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), "utf8")) as { version: string }).version;
  return `node ${process.version}, ${os.cpus().length} cpus, ws ${v("ws")}, partysocket ${v("partysocket")}, reconnecting-websocket ${v("reconnecting-websocket")}, nact ${v("nact")}; ${ROUNDS} rounds per traffic figure, ratio = median of per-round ratios to raw ws`;
}

function settings(): string {
  const p = PEER_RECONNECT;
  return `reconnect settings: parley-ts reconnect: true (1000 ms ×2 up to 30000 ms, equal jitter); peers minReconnectionDelay ${p.minReconnectionDelay}, reconnectionDelayGrowFactor ${p.reconnectionDelayGrowFactor}, maxReconnectionDelay ${p.maxReconnectionDelay}, connectionTimeout ${p.connectionTimeout} (no jitter option)`;
}

function signed(x: number): string {
  return `${x >= 0 ? "+" : ""}${x.toFixed(1)}`;
}

/** Collects the garbage the previous measurement left, so it is not charged to the next one. */
async function collected(): Promise<void> {
  await sleep(50);
  (globalThis as { gc?: () => void }).gc?.();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const l of await runPeersBench()) console.log(l);
  process.exit(0);
}
