// Client figures, each against raw `ws` measured in the same run on a fresh echo server process:
// burst of sendFrameAsync, windowed 4 KiB echo, sequential round-trip latency, pull-mode
// throughput, JSON codec round trip, heap per idle connection. Run alone with `node --expose-gc --import tsx bench/client.ts`, or via `npm run bench`.
import { execFile } from "node:child_process";
import diagnostics_channel from "node:diagnostics_channel";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { channels, type ConnectOptions, type Frame, Inbox, Parley, type Pid, send } from "../src/index.ts";
import { withEchoServer } from "./echo-process.ts";
import { median, rawBurst, rawRtt, rawWindow, ratioLine } from "./raw-ws.ts";
import { jsonCodecRtt, pullThroughput, rawJsonRtt, rawPushThroughput } from "./client-pull-codec.ts";

const WARMUP = 2_000;
const run = promisify(execFile);

type Mode =
  | { kind: "count"; target: number; done: Pid }
  | { kind: "window"; left: number; target: number; frame: Frame; done: Pid }
  | { kind: "rtt"; left: number; samples: number[]; t0: number; frame: Frame; done: Pid }
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
    if (mode.kind === "rtt") {
      mode.t0 = performance.now();
      return ["push", mode.frame, s] as const;
    }
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
      case "rtt": {
        const now = performance.now();
        mode.samples.push((now - mode.t0) * 1000);
        if (--mode.left === 0) {
          send(mode.done, "done");
          return ["ok", s] as const;
        }
        mode.t0 = performance.now();
        return ["push", mode.frame, s] as const;
      }
      default:
        return ["ok", s] as const;
    }
  }
}

interface Extras {
  readonly heartbeat: boolean;
}

/** Lines to print: the figures with heartbeat and telemetry off, then on. */
export async function runClientBench(): Promise<string[]> {
  const lines = [`${"".padEnd(32)} ${"parley-ts".padStart(12)} ${"raw ws".padStart(12)} ${"ratio".padStart(7)}`];
  lines.push("-- heartbeat and telemetry off --");
  lines.push(...(await figures({ heartbeat: false })));
  lines.push("-- heartbeat (1 s) and a subscriber on every parley:* channel --");
  const unsubscribe = subscribeAll();
  try {
    lines.push(...(await figures({ heartbeat: true }, false)));
  } finally {
    unsubscribe();
  }
  return lines;
}

async function figures(extras: Extras, withMemory = true): Promise<string[]> {
  const lines: string[] = [];
  // Latency first: a large burst leaves enough garbage behind to disturb whatever runs next.
  const r = await pairs(
    async (url) => (await rawRtt(url, 20_000, 1_000)).p50,
    (url) => rtt(url, 20_000, 1_000, extras),
  );
  lines.push(`${"32 B round trip p50, µs".padEnd(32)} ${r.ours.toFixed(1).padStart(12)} ${r.raw.toFixed(1).padStart(12)} ${`${r.ours >= r.raw ? "+" : ""}${(r.ours - r.raw).toFixed(1)}`.padStart(7)}   target ≤ raw + 10 µs`);
  const w = await pairs(
    (url) => rawWindow(url, 100_000, 4096),
    (url) => windowed(url, 100_000, 4096, extras),
  );
  lines.push(ratioLine("4 KiB window 1000, msg/s", w.ours, w.raw, "≥ 0.90×", w.ratio));
  for (const n of [10_000, 50_000, 200_000]) {
    const b = await pairs(
      (url) => rawBurst(url, n, 32),
      (url) => burst(url, n, extras),
    );
    lines.push(ratioLine(`32 B burst ${n / 1000}k, msg/s`, b.ours, b.raw, n === 200_000 ? "≥ 0.90×, flat across sizes" : "flat across sizes", b.ratio));
  }
  const pull = await pairs(
    (url) => rawPushThroughput(url, 200_000, 32),
    (url) => pullThroughput(url, 200_000, 32),
  );
  lines.push(ratioLine("pull 32 B x 200k, frames/s", pull.ours, pull.raw, "≥ 0.90×", pull.ratio));
  const j = await pairs(
    async (url) => median(await rawJsonRtt(url, 20_000, 1_000)),
    async (url) => median(await jsonCodecRtt(url, 20_000, 1_000)),
  );
  lines.push(`${"JSON codec round trip p50, µs".padEnd(32)} ${j.ours.toFixed(1).padStart(12)} ${j.raw.toFixed(1).padStart(12)} ${`${j.ours >= j.raw ? "+" : ""}${(j.ours - j.raw).toFixed(1)}`.padStart(7)}   target ≤ raw + 5 µs`);
  if (withMemory) {
    const n = 10_000;
    const rawM = await withEchoServer((url) => idleMemory("raw", n, url));
    const oursM = await withEchoServer((url) => idleMemory("ours", rawM.n, url));
    lines.push(ratioLine(`heap per idle conn (${rawM.n / 1000}k), B`, oursM.heapPerConn, rawM.heapPerConn, "≤ 1.25×"));
    if (rawM.note) lines.push(`  note: ${rawM.note}`);
  }
  return lines;
}

const RUNS = 3;

/**
 * Raw ws and parley-ts measured alternately, RUNS times each, each on a fresh echo server: the
 * medians, and the median of the per-pair ratios (this box's run-to-run noise is ±30 %).
 */
async function pairs(raw: (url: string) => Promise<number>, ours: (url: string) => Promise<number>): Promise<{ raw: number; ours: number; ratio: number }> {
  const raws: number[] = [];
  const oursAll: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const a = await measured(() => withEchoServer(raw));
    const b = await measured(() => withEchoServer(ours));
    raws.push(a);
    oursAll.push(b);
    ratios.push(b / a);
  }
  return { raw: median(raws), ours: median(oursAll), ratio: median(ratios) };
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
  return extras.heartbeat ? { url, heartbeat: { interval: 1000, timeout: 5000 } } : { url };
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

/** Sequential round trips timed inside the client's handleFrame, like raw ws's 'message'. p50 µs. */
async function rtt(url: string, samples: number, warmup: number, extras: Extras): Promise<number> {
  const { pid, inbox } = await connected(url, extras);
  const frame: Frame = ["text", "x".repeat(32)];
  try {
    const warm: Mode = { kind: "rtt", left: warmup, samples: [], t0: 0, frame, done: inbox.pid };
    Parley.cast(pid, warm);
    await inbox.receive((m) => (m === "done" ? m : undefined), 30_000);
    const timed: Mode = { kind: "rtt", left: samples, samples: [], t0: 0, frame, done: inbox.pid };
    Parley.cast(pid, timed);
    await inbox.receive((m) => (m === "done" ? m : undefined), 120_000);
    return median(timed.samples);
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
