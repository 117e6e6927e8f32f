// Task, Task.asyncStream and Registry figures: Task.async + Task.await round trips, asyncStream's
// cost per item against a bare Promise pool with the same concurrency limit, and Registry.dispatch
// to 1,000 subscribers. Run alone with `npx tsx bench/otp.ts`, or through `npm run bench`.
import { exit, GenServer, Inbox, type Pid, Registry, send, spawn, Task } from "../src/index.ts";
import { fmt, judged, line, perSecond } from "./measure.ts";

const TASKS = 50_000;
const STREAM_ITEMS = 50_000;
const CONCURRENCY = 8;
const SUBSCRIBERS = 1_000;
const DISPATCHES = 1_000;

/** Lines to print, each with its target. */
export async function runOtpBench(): Promise<string[]> {
  await taskRoundTrips(5_000);
  const taskRate = await taskRoundTrips(TASKS);
  const immediate = (i: number) => new Promise<number>((resolve) => setImmediate(resolve, i));
  const sync = (i: number) => i;
  const turns = await streamVersusPool(immediate, STREAM_ITEMS, CONCURRENCY);
  const bare = await streamVersusPool(sync, STREAM_ITEMS, CONCURRENCY);
  const timer = (i: number) => new Promise<number>((resolve) => setTimeout(resolve, 1, i));
  const io = await streamVersusPool(timer, 5_000, 64);
  const dispatch = await dispatchRate();
  return [
    line("Task.async + Task.await, caller a process", `${fmt(taskRate)} /s`, "(no target; GenServer.call ≥ 500,000/s)"),
    judged(line(`asyncStream ÷ Promise pool, fn awaits 1 turn, ×${CONCURRENCY}`, `${turns.ratio.toFixed(2)} × (${turns.streamUs.toFixed(2)} vs ${turns.poolUs.toFixed(2)} µs/item)`, "≤ 2 ×"), turns.ratio <= 2),
    line(`asyncStream overhead, synchronous fn, ×${CONCURRENCY}`, `+${(bare.streamUs - bare.poolUs).toFixed(2)} µs/item`, "(overhead of a process per item)"),
    judged(line("asyncStream ÷ Promise pool, fn awaits 1 ms, ×64", `${io.ratio.toFixed(2)} ×`, "≤ 2 ×"), io.ratio <= 2),
    line(`Registry.dispatch to ${fmt(SUBSCRIBERS)} subscribers, delivered`, `${fmt(dispatch)} dispatches/s`, `(${fmt(dispatch * SUBSCRIBERS)} msg/s)`),
  ];
}

/** A process starts a task and awaits it, `n` times in a row. round trips/s. */
async function taskRoundTrips(n: number): Promise<number> {
  const done = new Inbox();
  const start = performance.now();
  spawn(async () => {
    for (let i = 0; i < n; i++) await Task.await(Task.async(() => i));
    send(done.pid, "done");
  });
  await done.receive(undefined, 120_000);
  const rate = perSecond(n, start);
  done.close();
  return rate;
}

/** µs per item through Task.asyncStream and through a pool of `limit` promise workers; best of three. */
async function streamVersusPool(fn: (i: number) => number | Promise<number>, n: number, limit: number): Promise<{ streamUs: number; poolUs: number; ratio: number }> {
  const items = Array.from({ length: n }, (_, i) => i);
  let streamUs = Infinity;
  let poolUs = Infinity;
  for (let round = 0; round < 3; round++) {
    let start = performance.now();
    let sum = 0;
    for await (const r of Task.asyncStream(items, fn, { maxConcurrency: limit, ordered: true })) if (r[0] === "ok") sum += r[1];
    streamUs = Math.min(streamUs, ((performance.now() - start) * 1000) / n);
    start = performance.now();
    const results = await pool(items, fn, limit);
    poolUs = Math.min(poolUs, ((performance.now() - start) * 1000) / n);
    if (sum !== results.reduce((a, b) => a + b, 0)) throw new Error("stream and pool disagree");
  }
  return { streamUs, poolUs, ratio: streamUs / poolUs };
}

/** The baseline: Promise.all over `limit` workers that each take the next item, results in order. */
async function pool<T, R>(items: readonly T[], fn: (item: T) => R | Promise<R>, limit: number): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return out;
}

/** Counts messages and tells `done` when it has had `expected`. */
class Subscriber extends GenServer<{ left: number; done: Pid }> {
  override init(arg: { topic: string; left: number; done: Pid }) {
    Registry.register("bench.pubsub", arg.topic);
    return ["ok", { left: arg.left, done: arg.done }] as const;
  }
  override handleInfo(_msg: unknown, s: { left: number; done: Pid }) {
    if (--s.left === 0) send(s.done, "done");
    return ["noreply", s] as const;
  }
}

/** DISPATCHES broadcasts to SUBSCRIBERS GenServers, until every subscriber got every message. dispatches/s. */
async function dispatchRate(): Promise<number> {
  const registry = await Registry.startLink({ keys: "duplicate", name: "bench.pubsub" });
  const done = new Inbox();
  const subs: Pid[] = [];
  for (let i = 0; i < SUBSCRIBERS; i++) subs.push(await Subscriber.start({ topic: "ticks", left: DISPATCHES, done: done.pid }));
  const start = performance.now();
  spawn(async () => {
    for (let i = 0; i < DISPATCHES; i++) {
      Registry.dispatch("bench.pubsub", "ticks", (entries) => {
        for (const [pid] of entries) send(pid, i);
      });
      if (i % 10 === 9) await new Promise(setImmediate);
    }
  });
  for (let i = 0; i < SUBSCRIBERS; i++) await done.receive(undefined, 120_000);
  const rate = perSecond(DISPATCHES, start);
  await Promise.all(subs.map((p) => GenServer.stop(p)));
  exit(registry, "shutdown");
  done.close();
  return rate;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const l of await runOtpBench()) console.log(l);
}
