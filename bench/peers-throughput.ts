// The peers bench's traffic workloads, written once over bench/peers-clients.ts so every client
// runs exactly the same loop: a 32 B burst (n sends in one synchronous loop, clock stopped at the
// n-th echo, as bench/raw-ws.ts does), a 4 KiB window (at most 1,000 echoes outstanding, each
// echo answered from inside the client) and sequential 32 B round trips.
import { connect, type Kind } from "./peers-clients.ts";

const WARMUP = 2_000;

/** msg/s for `n` messages of `size` bytes sent back to back after a 2,000-message warm-up. */
export async function burst(kind: Kind, url: string, n: number, size = 32): Promise<number> {
  const payload = "x".repeat(size);
  const counter = countdown();
  const conn = await connect(kind, url, { onMessage: counter.tick });
  try {
    const warm = counter.arm(WARMUP);
    for (let i = 0; i < WARMUP; i++) conn.send(payload);
    await warm;
    const done = counter.arm(n);
    const start = performance.now();
    for (let i = 0; i < n; i++) conn.send(payload);
    await done;
    return n / ((performance.now() - start) / 1000);
  } finally {
    await conn.close();
  }
}

/** msg/s for `n` messages of `size` bytes with at most `window` of them un-echoed. */
export async function windowed(kind: Kind, url: string, n: number, size: number, window = 1_000): Promise<number> {
  const payload = "x".repeat(size);
  let echoed = 0;
  let sent = 0;
  let target = 0;
  let finish: () => void = () => {};
  const onMessage = (): string | undefined => {
    if (++echoed === target) finish();
    if (sent >= target) return undefined;
    sent++;
    return payload;
  };
  const conn = await connect(kind, url, { onMessage });
  const round = (count: number): Promise<void> => {
    echoed = 0;
    sent = Math.min(window, count);
    target = count;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    for (let i = 0; i < sent; i++) conn.send(payload);
    return done;
  };
  try {
    await round(WARMUP);
    const start = performance.now();
    await round(n);
    return n / ((performance.now() - start) / 1000);
  } finally {
    await conn.close();
  }
}

/** Round-trip times in µs (p50, p99) of `samples` sequential 32 B echoes after `warmup` untimed ones. */
export async function rtt(kind: Kind, url: string, samples = 20_000, warmup = 1_000): Promise<{ p50: number; p99: number }> {
  const payload = "x".repeat(32);
  const times = new Float64Array(samples);
  let i = -warmup;
  let t0 = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const onMessage = (): string | undefined => {
    const now = performance.now();
    if (i >= 0) times[i] = (now - t0) * 1000;
    if (++i === samples) {
      finish();
      return undefined;
    }
    t0 = performance.now();
    return payload;
  };
  const conn = await connect(kind, url, { onMessage });
  try {
    t0 = performance.now();
    conn.send(payload);
    await done;
    times.sort();
    const at = (p: number): number => times[Math.max(0, Math.ceil((p / 100) * samples) - 1)] ?? Number.NaN;
    return { p50: at(50), p99: at(99) };
  } finally {
    await conn.close();
  }
}

/** An echo counter: `arm(n)` resolves at the n-th `tick` after it. */
function countdown(): { tick: () => undefined; arm: (n: number) => Promise<void> } {
  let left = 0;
  let finish: () => void = () => {};
  return {
    tick: () => {
      if (--left === 0) finish();
      return undefined;
    },
    arm: (n) => {
      left = n;
      return new Promise((resolve) => {
        finish = resolve;
      });
    },
  };
}
