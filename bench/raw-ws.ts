// Raw `ws` baselines, measured exactly as in perf-anchors.md, so the library's figures can be
// read as a ratio against raw ws from the same run on the same box. Each function takes the URL
// of an echo server (bench/echo-process.ts); use a fresh server process per measurement.
import { execFileSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import WebSocket from "ws";

export interface Percentiles {
  /** Microseconds. */
  p50: number;
  p90: number;
  p99: number;
  mean: number;
}

export interface IdleMemory {
  /** Connections actually opened (may be below the request: see `note`). */
  n: number;
  /** heapUsed growth per connection, bytes. */
  heapPerConn: number;
  /** RSS growth per connection, bytes. */
  rssPerConn: number;
  /** Whether `global.gc` was there; without it the figures include garbage and are noisy. */
  gc: boolean;
  /** Why n was capped or gc missing; "" when neither. */
  note: string;
}

const WARMUP = 2_000;
const HANDSHAKES_IN_FLIGHT = 200;
/** File descriptors kept free for the runtime, stdio and the odd extra socket. */
const FD_RESERVE = 100;

/** Pipelined burst: n sends in one synchronous loop, clock stopped at the n-th echo. msg/s. */
export async function rawBurst(url: string, n = 200_000, size = 32): Promise<number> {
  const ws = await open(url);
  const payload = "x".repeat(size);
  try {
    await burst(ws, payload, WARMUP);
    const start = process.hrtime.bigint();
    await burst(ws, payload, n);
    return rate(n, start);
  } finally {
    ws.terminate();
  }
}

/** At most `window` un-echoed messages in flight; each echo sends the next one. msg/s. */
export async function rawWindow(url: string, n = 200_000, size = 32, window = 1_000): Promise<number> {
  const ws = await open(url);
  const payload = "x".repeat(size);
  try {
    await burst(ws, payload, WARMUP);
    const start = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      let sent = 0;
      let echoed = 0;
      const onMessage = (): void => {
        if (++echoed === n) {
          ws.off("message", onMessage);
          resolve();
        } else if (sent < n) {
          sent++;
          ws.send(payload);
        }
      };
      ws.on("message", onMessage);
      for (; sent < Math.min(window, n); sent++) ws.send(payload);
    });
    return rate(n, start);
  } finally {
    ws.terminate();
  }
}

/** Strictly sequential 32 B round trips: `warmup` untimed, then `samples` timed. µs. */
export async function rawRtt(url: string, samples = 20_000, warmup = 1_000): Promise<Percentiles> {
  const ws = await open(url);
  const payload = "x".repeat(32);
  const times = new Float64Array(samples);
  try {
    await new Promise<void>((resolve) => {
      let i = -warmup;
      let t0 = process.hrtime.bigint();
      const onMessage = (): void => {
        if (i >= 0) times[i] = Number(process.hrtime.bigint() - t0) / 1_000;
        if (++i === samples) {
          ws.off("message", onMessage);
          return resolve();
        }
        t0 = process.hrtime.bigint();
        ws.send(payload);
      };
      ws.on("message", onMessage);
      ws.send(payload);
    });
    return percentiles(times);
  } finally {
    ws.terminate();
  }
}

/**
 * Memory per idle connection: baseline after one warm-up connection and GC, then n connections
 * opened with at most 200 handshakes in flight, 1 s of idling, GC, and (after − baseline) / n.
 * n is capped to fit the open-file limit (one fd per connection here; the echo server process
 * has its own limit). Run node with `--expose-gc` for stable figures.
 */
export async function rawIdleHeap(url: string, n = 2_000): Promise<IdleMemory> {
  const { n: count, note: capNote } = capToFdLimit(n);
  const hasGc = typeof globalThis.gc === "function";
  (await open(url)).terminate();
  await settle();
  const before = process.memoryUsage();

  const sockets: WebSocket[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      try {
        sockets.push(await open(url));
      } catch (err) {
        next = count; // stop the other workers too
        throw err;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(HANDSHAKES_IN_FLIGHT, count) }, worker));
    await sleep(1_000);
    await settle();
    const after = process.memoryUsage();
    const note = [capNote, hasGc ? "" : "no global.gc (run node with --expose-gc): figures include garbage"]
      .filter(Boolean)
      .join("; ");
    return {
      n: count,
      heapPerConn: (after.heapUsed - before.heapUsed) / count,
      rssPerConn: (after.rss - before.rss) / count,
      gc: hasGc,
      note,
    };
  } finally {
    await Promise.all(sockets.map(closeQuietly));
  }
}

/** Median of the values (mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * One aligned report line: label, our figure, raw ws's figure, ours/raw and the target as
 * given (free text such as "≥ 0.80×"; none when undefined). `ratioOf` overrides ours/raw, for a median of paired
 * ratios. Returns the line; the caller prints it.
 * @example ratioLine("32 B burst, msg/s", 150_000, 173_500, "≥ 0.80×")
 * // "32 B burst, msg/s                     150,000      173,500   0.86×   target ≥ 0.80×"
 */
export function ratioLine(label: string, ours: number, raw: number, target: string | undefined, ratioOf = ours / raw): string {
  const ratio = raw === 0 ? "-" : `${ratioOf.toFixed(2)}×`;
  return `${label.padEnd(32)} ${fmt(ours).padStart(12)} ${fmt(raw).padStart(12)} ${ratio.padStart(7)}${target === undefined ? "" : `   target ${target}`}`;
}

/** The soft open-file limit as the shell reports it (Infinity for "unlimited"). */
export function openFileLimit(): number {
  try {
    const out = execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim();
    return out === "unlimited" ? Number.POSITIVE_INFINITY : Number(out);
  } catch {
    return Number.NaN;
  }
}

// --- helpers ------------------------------------------------------------------------------

/** A raw `ws` client connected to `url`, without permessage-deflate; resolves once open. */
export function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once("open", () => {
      ws.off("error", reject);
      // An idle socket killed by the server must not crash the bench with an unhandled error.
      ws.on("error", () => {});
      resolve(ws);
    });
    ws.once("error", reject);
  });
}

/** Sends `count` messages back to back and resolves at the `count`-th echo. */
function burst(ws: WebSocket, payload: string, count: number): Promise<void> {
  return new Promise((resolve) => {
    let echoed = 0;
    const onMessage = (): void => {
      if (++echoed === count) {
        ws.off("message", onMessage);
        resolve();
      }
    };
    ws.on("message", onMessage);
    for (let i = 0; i < count; i++) ws.send(payload);
  });
}

function rate(n: number, start: bigint): number {
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** p50, p90, p99 (nearest rank) and the mean of round-trip samples, µs. */
export function percentiles(samples: Float64Array | readonly number[]): Percentiles {
  const s = Float64Array.from(samples).sort();
  // Nearest rank: the smallest sample with at least p % of samples at or below it.
  const at = (p: number): number => s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { p50: at(50), p90: at(90), p99: at(99), mean };
}

async function settle(): Promise<void> {
  // Twice, as in the anchors: the first pass can leave garbage that finalisers freed.
  globalThis.gc?.();
  await sleep(10);
  globalThis.gc?.();
}

function capToFdLimit(n: number): { n: number; note: string } {
  const limit = openFileLimit();
  if (Number.isNaN(limit)) return { n, note: "open-file limit unknown; n not capped" };
  const room = limit - FD_RESERVE;
  if (n <= room) return { n, note: "" };
  return { n: Math.max(room, 1), note: `n capped from ${n} to ${room}: open-file limit ${limit} (ulimit -n), not raisable from node` };
}

function closeQuietly(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    ws.once("close", () => resolve());
    ws.terminate();
  });
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1_000 ? Math.round(x).toLocaleString("en-US") : x.toFixed(1);
}
