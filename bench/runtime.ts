// Runtime figures: message passing, GenServer calls, spawn+exit, memory per idle process.
// Run alone with `node --expose-gc --import tsx bench/runtime.ts`, or through `npm run bench`.
import { GenServer, Inbox, receive, send, spawn, type Pid } from "../src/index.ts";
import { fmt, line, perSecond, settledHeap } from "./measure.ts";

const MESSAGES = 1_000_000;
const CALLS = 200_000;
const SPAWNS = 100_000;
const IDLE = 10_000;

class Echo extends GenServer<number> {
  override init() {
    return ["ok", 0] as const;
  }
  override handleCall(req: unknown, _from: unknown, n: number) {
    return ["reply", req, n + 1] as const;
  }
}

/** Counts casts down and tells `done` when none are left. */
class Counter extends GenServer<{ left: number; done: Pid }> {
  override init(state: { left: number; done: Pid }) {
    return ["ok", state] as const;
  }
  override handleCast(_msg: unknown, s: { left: number; done: Pid }) {
    if (--s.left === 0) send(s.done, "done");
    return ["noreply", s] as const;
  }
}

class Idle extends GenServer<null> {
  override init() {
    return ["ok", null] as const;
  }
}

/** Lines to print, each with its target. */
export async function runRuntimeBench(): Promise<string[]> {
  await messages(100_000, 1000);
  const msgRate = await messages(MESSAGES, 1000);
  const backlogRate = await messages(MESSAGES, MESSAGES);
  await casts(100_000);
  const castRate = await casts(MESSAGES);
  await calls(10_000);
  const callRate = await calls(CALLS);
  await spawns(10_000);
  const spawnRate = await spawns(SPAWNS);
  const perProcess = await idleHeap(IDLE);
  return [
    line("send+receive, sender yields every 1,000", `${fmt(msgRate)} msg/s`, "≥ 6,350,000 msg/s (BEAM one-way on this machine)"),
    line("send+receive, 1,000,000 queued at once", `${fmt(backlogRate)} msg/s`, "flat cost under a backlog"),
    line("GenServer.cast into a counting server", `${fmt(castRate)} msg/s`, "BEAM: 5,290,000 msg/s"),
    line("GenServer.call round trips (caller is a process)", `${fmt(callRate)} calls/s`, "≥ 500,000 calls/s"),
    line("spawn + exit", `${fmt(spawnRate)} /s`, "(no target; BEAM spawns ~1-2 M/s)"),
    line(`heap per idle GenServer (${fmt(IDLE)})`, perProcess === undefined ? "n/a (run with --expose-gc)" : `${fmt(perProcess)} B`, "< 1,024 B (Erlang ~2.7 KiB)"),
  ];
}

/**
 * One process sends `n` messages, another receives them all. msg/s. The sender yields to the event
 * loop every `chunk` sends, as the BEAM's scheduler interleaves a sender and its receiver.
 */
async function messages(n: number, chunk: number): Promise<number> {
  const done = new Inbox();
  const receiver = spawn(async () => {
    for (let i = 0; i < n; i++) await receive();
    send(done.pid, "done");
  });
  const start = performance.now();
  spawn(async () => {
    for (let i = 0; i < n; i++) {
      send(receiver, i);
      if (i % chunk === chunk - 1) await new Promise(setImmediate);
    }
  });
  await done.receive(undefined, 60_000);
  const rate = perSecond(n, start);
  done.close();
  return rate;
}

/** A process casts `n` messages to a GenServer, yielding every 1,000. msg/s. */
async function casts(n: number): Promise<number> {
  const done = new Inbox();
  const server = await Counter.start({ left: n, done: done.pid });
  const start = performance.now();
  spawn(async () => {
    for (let i = 0; i < n; i++) {
      GenServer.cast(server, i);
      if (i % 1000 === 999) await new Promise(setImmediate);
    }
  });
  await done.receive(undefined, 60_000);
  const rate = perSecond(n, start);
  await GenServer.stop(server);
  done.close();
  return rate;
}

/** A process calls a GenServer `n` times in a row. calls/s. */
async function calls(n: number): Promise<number> {
  const server = await Echo.start();
  const done = new Inbox();
  const start = performance.now();
  spawn(async () => {
    for (let i = 0; i < n; i++) await GenServer.call(server, i);
    send(done.pid, "done");
  });
  await done.receive(undefined, 60_000);
  const rate = perSecond(n, start);
  await GenServer.stop(server);
  done.close();
  return rate;
}

/** Spawn processes that exit at once, waiting for each batch's DOWN. spawns/s. */
async function spawns(n: number): Promise<number> {
  const inbox = new Inbox();
  const start = performance.now();
  await inbox.run(async () => {
    const { spawnMonitor } = await import("../src/index.ts");
    for (let i = 0; i < n; i++) spawnMonitor(() => undefined);
  });
  for (let i = 0; i < n; i++) await inbox.receive(undefined, 60_000);
  const rate = perSecond(n, start);
  inbox.close();
  return rate;
}

/** Heap growth per idle GenServer, bytes; undefined without --expose-gc. */
async function idleHeap(n: number): Promise<number | undefined> {
  const before = settledHeap();
  if (before === undefined) return undefined;
  const pids: Pid[] = [];
  for (let i = 0; i < n; i++) pids.push(await Idle.start());
  const after = settledHeap()!;
  await Promise.all(pids.map((p) => GenServer.stop(p)));
  return (after - before) / n;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const l of await runRuntimeBench()) console.log(l);
}
