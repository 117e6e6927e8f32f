// Client figures, each against raw `ws` measured in the same run on a fresh echo server process:
// burst of sendFrameAsync, windowed 4 KiB echo, sequential round-trip latency (raw and ours
// interleaved: bench/paired-rtt.ts), pull-mode throughput, JSON codec round trip, heap per idle
// connection. Run alone with `node --expose-gc --import tsx bench/client.ts`, or via `npm run bench`.
import { execFile } from "node:child_process";
import diagnostics_channel from "node:diagnostics_channel";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { channels, type ConnectOptions, type Frame, Inbox, Parley, type Pid, send } from "../src/index.ts";
import { withEchoServer } from "./echo-process.ts";
import { judged } from "./measure.ts";
import { median, type Percentiles, percentiles, rawBurst, rawWindow, ratioLine } from "./raw-ws.ts";
import { pullThroughput, rawPushThroughput } from "./client-pull.ts";
import { type Payload, pairedRtt } from "./paired-rtt.ts";

const WARMUP = 2_000;
const run = promisify(execFile);

type Mode =
  | { kind: "count"; target: number; done: Pid }
  | { kind: "window"; left: number; target: number; frame: Frame; done: Pid }
  | { kind: "idle"; done: Pid };

interface State {
  mode: Mode;
  seen: number;
}

/** One client class drives every measurement; `mode` says what handleFrame does. */
class BenchClient extends Parley<State> {
  override handleConnect(s: State) {
    if (s.mode.kind === "idle") send(s.mode.done, "connected");
    return ["ok", s] as const;
  }

  override handleCast(mode: Mode, s: State) {
    s.mode = mode;
    s.seen = 0;
    return ["ok", s] as const;
  }

  override handleFrame(_frame: Frame, s: State) {
    const mode = s.mode;
    s.seen++;
    switch (mode.kind) {
      case "count":
        if (s.seen === mode.target) send(mode.done, "done");
        return ["ok", s] as const;
      case "window":
        if (s.seen === mode.target) send(mode.done, "done");
        if (mode.left > 0) {
          mode.left--;
          return ["push", mode.frame, s] as const;
        }
        return ["ok", s] as const;
      default:
        return ["ok", s] as const;
    }
  }
}

interface Extras {
  readonly heartbeat: boolean;
}

/** The quiet configuration the targets are read in, and the observed one whose cost is reported. */
const OFF: Extras = { heartbeat: false };
const ON: Extras = { heartbeat: true };

/** Each figure's runs: raw ws, ours quiet (`off`), ours observed (`on`), measured in turn. */
interface Runs {
  readonly raw: number[];
  readonly off: number[];
  readonly on: number[];
}

/** A latency's runs: raw ws and ours interleaved in each run, quiet runs and observed runs. */
interface PairedRuns {
  readonly off: { readonly raw: number[]; readonly ours: number[] };
  readonly on: { readonly raw: number[]; readonly ours: number[] };
}

/** Every client figure, as runs of each variant. */
interface Figures {
  readonly rtt50: PairedRuns;
  readonly rtt99: PairedRuns;
  readonly window: Runs;
  readonly bursts: ReadonlyArray<readonly [n: number, runs: Runs]>;
  readonly pull: Runs;
  readonly json: PairedRuns;
}

const BURSTS = [10_000, 50_000, 200_000] as const;
/** Throughput targets: ours/raw at least this, at every size. */
const MIN_RATIO = 0.9;
/** Runs of each variant per figure (this box's run-to-run noise is ±30 %: medians of several). */
const RUNS = 5;
/**
 * Runs of each variant for the round trip: its p99 is set by the 200 slowest of 20,000 samples of
 * each side, and those few move by ±15 µs from run to run even interleaved, so it takes more runs
 * than a throughput figure for the median of the differences to settle.
 */
const RTT_RUNS = 12;

/**
 * Lines to print: the figures with heartbeat and telemetry off, each against its target; then the
 * same with the heartbeat on (1 s) and a subscriber on every parley:* channel, each with its cost
 * against the quiet figure: the median of the per-run ratios observed/quiet, both measured in turn
 * with raw ws in the same minute.
 */
export async function runClientBench(): Promise<string[]> {
  const f = await figures();
  const lines = [`${"".padEnd(32)} ${"parley-ts".padStart(12)} ${"raw ws".padStart(12)} ${"ratio".padStart(7)}`];
  lines.push("-- heartbeat and telemetry off --");
  lines.push(judgedLatency("32 B round trip p50, µs", f.rtt50, 10));
  lines.push(judgedLatency("32 B round trip p99, µs", f.rtt99, 20));
  lines.push(judgedRatio("4 KiB window 1000, msg/s", f.window, ""));
  for (const [n, runs] of f.bursts) lines.push(judgedRatio(`32 B burst ${n / 1000}k, msg/s`, runs, " at every size"));
  lines.push(judgedRatio("pull 32 B x 200k, frames/s", f.pull, ""));
  lines.push(judgedLatency("JSON codec round trip p50, µs", f.json, 5));
  const n = 10_000;
  const rawM = await withEchoServer((url) => idleMemory("raw", n, url));
  const oursM = await withEchoServer((url) => idleMemory("ours", rawM.n, url));
  const heapRatio = oursM.heapPerConn / rawM.heapPerConn;
  lines.push(judged(ratioLine(`heap per idle conn (${rawM.n / 1000}k), B`, oursM.heapPerConn, rawM.heapPerConn, "≤ 1.25×"), heapRatio <= 1.25));
  if (rawM.note) lines.push(`  note: ${rawM.note}`);
  lines.push("-- heartbeat (1 s) and a subscriber on every parley:* channel; cost against the quiet runs --");
  lines.push(latencyCost("32 B round trip p50, µs", f.rtt50));
  lines.push(latencyCost("32 B round trip p99, µs", f.rtt99));
  lines.push(throughputCost("4 KiB window 1000, msg/s", f.window));
  for (const [n, runs] of f.bursts) lines.push(throughputCost(`32 B burst ${n / 1000}k, msg/s`, runs));
  lines.push(throughputCost("pull 32 B x 200k, frames/s", f.pull));
  lines.push(latencyCost("JSON codec round trip p50, µs", f.json));
  return lines;
}

/** A throughput figure, quiet, against raw ws: the median of per-run ratios, at least MIN_RATIO. */
function judgedRatio(label: string, r: Runs, scope: string): string {
  const ratio = ratioOf(r.off, r.raw);
  return judged(ratioLine(label, median(r.off), median(r.raw), `≥ ${MIN_RATIO.toFixed(2)}×${scope}`, ratio), ratio >= MIN_RATIO);
}

/** A latency figure, quiet, against raw ws: the median of per-run differences at most `slack` µs. */
function judgedLatency(label: string, r: PairedRuns, slack: number): string {
  const excess = diffOf(r.off.ours, r.off.raw);
  return judged(`${latencyLine(label, median(r.off.ours), median(r.off.raw), excess)}   target ≤ raw + ${slack} µs`, excess <= slack);
}

/** A throughput figure observed, against raw ws, and the share of the quiet throughput it lost. */
function throughputCost(label: string, r: Runs): string {
  const cost = 1 - ratioOf(r.on, r.off);
  return `${ratioLine(label, median(r.on), median(r.raw), undefined, ratioOf(r.on, r.raw))}   cost ${(cost * 100).toFixed(0)} % of quiet throughput`;
}

/**
 * A latency figure observed, against raw ws, and the µs it added to the quiet figure: the median
 * of the per-run differences between the observed run's excess over its raw and the quiet run's.
 */
function latencyCost(label: string, r: PairedRuns): string {
  const onExcess = r.on.ours.map((x, i) => x - r.on.raw[i]!);
  const offExcess = r.off.ours.map((x, i) => x - r.off.raw[i]!);
  const cost = diffOf(onExcess, offExcess);
  return `${latencyLine(label, median(r.on.ours), median(r.on.raw), median(onExcess))}   cost ${cost >= 0 ? "+" : ""}${cost.toFixed(1)} µs over quiet`;
}

/** One latency line: ours, raw ws (medians) and ours' excess (the median of per-run differences). */
function latencyLine(label: string, ours: number, raw: number, excess: number): string {
  const diff = `${excess >= 0 ? "+" : ""}${excess.toFixed(1)}`;
  return `${label.padEnd(32)} ${ours.toFixed(1).padStart(12)} ${raw.toFixed(1).padStart(12)} ${diff.padStart(7)}`;
}

/** The median of the per-run ratios a[i] / b[i]: runs measured in the same minute share its noise. */
function ratioOf(a: readonly number[], b: readonly number[]): number {
  return median(a.map((x, i) => x / b[i]!));
}

/** The median of the per-run differences a[i] − b[i], as ratioOf pairs runs. */
function diffOf(a: readonly number[], b: readonly number[]): number {
  return median(a.map((x, i) => x - b[i]!));
}

async function figures(): Promise<Figures> {
  // Latency first: a large burst leaves enough garbage behind to disturb whatever runs next.
  const rtts = await pairedRuns("text", RTT_RUNS);
  const window = await variants(
    (url) => rawWindow(url, 100_000, 4096),
    (url, extras) => windowed(url, 100_000, 4096, extras),
  );
  const bursts: Array<readonly [number, Runs]> = [];
  for (const n of BURSTS) {
    bursts.push([n, await variants((url) => rawBurst(url, n, 32), (url, extras) => burst(url, n, extras))]);
  }
  const pull = await variants(
    (url) => rawPushThroughput(url, 200_000, 32),
    (url) => pullThroughput(url, 200_000, 32),
  );
  const jsons = await pairedRuns("json", RUNS);
  return { rtt50: pick(rtts, "p50"), rtt99: pick(rtts, "p99"), window, bursts, pull, json: pick(jsons, "p50") };
}

/** One percentile of every paired run, quiet and observed. */
function pick(runs: { off: Paired[]; on: Paired[] }, key: "p50" | "p99"): PairedRuns {
  const side = (paired: Paired[]) => ({ raw: paired.map((r) => r.raw[key]), ours: paired.map((r) => r.ours[key]) });
  return { off: side(runs.off), on: side(runs.on) };
}

/**
 * Sequential round trips of raw ws and ours interleaved one by one (bench/paired-rtt.ts), `runs`
 * times quiet and `runs` times observed, each run on a fresh echo server. Which side goes first,
 * and whether the quiet or the observed run comes first, alternate from run to run.
 */
async function pairedRuns(payload: Payload, runs: number): Promise<{ off: Paired[]; on: Paired[] }> {
  const r: { off: Paired[]; on: Paired[] } = { off: [], on: [] };
  const once = async (extras: Extras, i: number): Promise<Paired> => {
    const samples = await measured(() => withEchoServer((url) => pairedRtt(url, payload, 20_000, 1_000, extraOptions(extras), i % 2 === 1)));
    return { raw: percentiles(samples.raw), ours: percentiles(samples.ours) };
  };
  const observed = (i: number): Promise<Paired> => subscribed(() => once(ON, i));
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      r.off.push(await once(OFF, i));
      r.on.push(await observed(i));
    } else {
      r.on.push(await observed(i));
      r.off.push(await once(OFF, i));
    }
  }
  return r;
}

/** Percentiles of both sides of one interleaved run. */
interface Paired {
  readonly raw: Percentiles;
  readonly ours: Percentiles;
}

/**
 * Raw ws, ours quiet and ours observed (heartbeat on, a subscriber on every channel), measured in
 * turn, `runs` times each, each on a fresh echo server; the order rotates from run to run, so no
 * variant always runs first (or right after a large collection).
 */
async function variants<T>(raw: (url: string) => Promise<T>, ours: (url: string, extras: Extras) => Promise<T>, runs = RUNS): Promise<{ raw: T[]; off: T[]; on: T[] }> {
  const r: { raw: T[]; off: T[]; on: T[] } = { raw: [], off: [], on: [] };
  const observed = (url: string): Promise<T> => subscribed(() => ours(url, ON));
  const steps = [
    async () => r.raw.push(await measured(() => withEchoServer(raw))),
    async () => r.off.push(await measured(() => withEchoServer((url) => ours(url, OFF)))),
    async () => r.on.push(await measured(() => withEchoServer(observed))),
  ];
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < steps.length; k++) await steps[(i + k) % steps.length]!();
  }
  return r;
}

/** One idle-memory measurement in a fresh Node process (bench/idle-memory.ts). */
async function idleMemory(kind: "raw" | "ours", n: number, url: string): Promise<{ heapPerConn: number; n: number; note: string }> {
  const script = fileURLToPath(new URL("./idle-memory.ts", import.meta.url));
  const root = fileURLToPath(new URL("..", import.meta.url));
  const { stdout } = await run(process.execPath, ["--expose-gc", "--import", "tsx", script, kind, String(n), url], { cwd: root });
  return JSON.parse(stdout.trim().split("\n").pop()!) as { heapPerConn: number; n: number; note: string };
}

/** Runs `fn` after collecting the garbage the previous measurement left. */
async function measured<T>(fn: () => Promise<T>): Promise<T> {
  const gc = (globalThis as { gc?: () => void }).gc;
  await sleep(50);
  gc?.();
  return fn();
}

function options(url: string, extras: Extras): ConnectOptions {
  return { url, ...extraOptions(extras) };
}

function extraOptions(extras: Extras): Omit<ConnectOptions, "url"> {
  return extras.heartbeat ? { heartbeat: { interval: 1000, timeout: 5000 } } : {};
}

async function connected(url: string, extras: Extras): Promise<{ pid: Pid; inbox: Inbox }> {
  const inbox = new Inbox();
  const pid = await BenchClient.start({ mode: { kind: "idle", done: inbox.pid }, seen: 0 }, options(url, extras));
  await inbox.receive((m) => (m === "connected" ? m : undefined), 10_000);
  return { pid, inbox };
}

async function burst(url: string, n: number, extras: Extras): Promise<number> {
  const { pid, inbox } = await connected(url, extras);
  const frame: Frame = ["text", "x".repeat(32)];
  try {
    Parley.cast(pid, { kind: "count", target: WARMUP, done: inbox.pid } satisfies Mode);
    for (let i = 0; i < WARMUP; i++) Parley.sendFrameAsync(pid, frame);
    await inbox.receive((m) => (m === "done" ? m : undefined), 30_000);
    Parley.cast(pid, { kind: "count", target: n, done: inbox.pid } satisfies Mode);
    const start = performance.now();
    for (let i = 0; i < n; i++) Parley.sendFrameAsync(pid, frame);
    await inbox.receive((m) => (m === "done" ? m : undefined), 120_000);
    return n / ((performance.now() - start) / 1000);
  } finally {
    await Parley.stop(pid);
    inbox.close();
  }
}

async function windowed(url: string, n: number, size: number, extras: Extras): Promise<number> {
  const { pid, inbox } = await connected(url, extras);
  const frame: Frame = ["text", "x".repeat(size)];
  const window = 1_000;
  try {
    Parley.cast(pid, { kind: "count", target: WARMUP, done: inbox.pid } satisfies Mode);
    for (let i = 0; i < WARMUP; i++) Parley.sendFrameAsync(pid, frame);
    await inbox.receive((m) => (m === "done" ? m : undefined), 30_000);
    Parley.cast(pid, { kind: "window", left: n - window, target: n, frame, done: inbox.pid } satisfies Mode);
    const start = performance.now();
    for (let i = 0; i < window; i++) Parley.sendFrameAsync(pid, frame);
    await inbox.receive((m) => (m === "done" ? m : undefined), 120_000);
    return n / ((performance.now() - start) / 1000);
  } finally {
    await Parley.stop(pid);
    inbox.close();
  }
}

/** Heap growth per connected, idle client, measured as rawIdleHeap does. Bytes. */
export async function idleHeap(url: string, n: number, extras: Extras): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const inbox = new Inbox();
  const settle = async (): Promise<void> => {
    await sleep(100);
    gc?.();
    gc?.();
  };
  const warm = await connected(url, extras);
  await Parley.stop(warm.pid);
  warm.inbox.close();
  await settle();
  const before = process.memoryUsage().heapUsed;
  const pids: Pid[] = [];
  const inFlight = 200;
  let started = 0;
  let up = 0;
  while (up < n) {
    while (started < n && started - up < inFlight) {
      pids.push(await BenchClient.start({ mode: { kind: "idle", done: inbox.pid }, seen: 0 }, options(url, extras)));
      started++;
    }
    await inbox.receive((m) => (m === "connected" ? m : undefined), 30_000);
    up++;
  }
  await sleep(1_000);
  await settle();
  const after = process.memoryUsage().heapUsed;
  await Promise.all(pids.map((pid) => Parley.stop(pid)));
  inbox.close();
  return (after - before) / n;
}

const CHANNELS = Object.values(channels).map((channel) => channel.name);

/** Runs `fn` with a subscriber on every parley:* channel (the observed runs). */
async function subscribed<T>(fn: () => Promise<T>): Promise<T> {
  const unsubscribe = subscribeAll();
  try {
    return await fn();
  } finally {
    unsubscribe();
  }
}

function subscribeAll(): () => void {
  let count = 0;
  const onMessage = (): void => {
    count++;
  };
  for (const name of CHANNELS) diagnostics_channel.subscribe(name, onMessage);
  return () => {
    for (const name of CHANNELS) diagnostics_channel.unsubscribe(name, onMessage);
    void count;
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const l of await runClientBench()) console.log(l);
}
