// Runtime figures: message passing, casts into each behaviour, GenServer calls, spawn+exit, memory
// per idle process. Beside the one-way figures: the AsyncLocalStorage floor (a bare loop awaiting
// each message under an AsyncLocalStorage context, measured in the same run: what an `await` per
// message costs on this Node) and the BEAM's figures measured on this machine.
// Run alone with `node --expose-gc --import tsx bench/runtime.ts`, or through `npm run bench`.
import { AsyncLocalStorage } from "node:async_hooks";
import { type Frame, GenServer, GenStatem, Inbox, Parley, receive, send, spawn, type Pid } from "../src/index.ts";
import { withEchoServer } from "./echo-process.ts";
import { fmt, judged, line, perSecond, settledHeap } from "./measure.ts";

const MESSAGES = 1_000_000;
const CALLS = 200_000;
const SPAWNS = 100_000;
const IDLE = 10_000;
/** One-way messages/s of the BEAM on this machine (OTP 26, `!` and `receive` between two processes). */
const BEAM_ONE_WAY = 6_350_000;
/** The BEAM's gen_server:cast loop into a counting server on this machine. */
const BEAM_CAST = 5_290_000;
const ONE_WAY_TARGET = `≥ ${fmt(BEAM_ONE_WAY)} msg/s (BEAM one-way)`;

class Echo extends GenServer<number> {
  override init() {
    return ["ok", 0] as const;
  }
  override handleCall(req: unknown, _from: unknown, n: number) {
    return ["reply", req, n + 1] as const;
  }
}

interface Count {
  left: number;
  done: Pid;
}

/** Counts casts down and tells `done` when none are left. */
class Counter extends GenServer<Count> {
  override init(state: Count) {
    return ["ok", state] as const;
  }
  override handleCast(_msg: unknown, s: Count) {
    if (--s.left === 0) send(s.done, "done");
    return ["noreply", s] as const;
  }
}

/** The same count as a state machine: every cast event keeps state and data. */
class CountingStatem extends GenStatem<"counting", Count> {
  override init(data: Count) {
    return ["ok", "counting", data] as const;
  }
  override handleEvent(_type: unknown, _content: unknown, _state: "counting", data: Count) {
    if (--data.left === 0) send(data.done, "done");
    return ["keep_state_and_data"] as const;
  }
}

/** The same count in a client's handleCast; the connection is only there to be connected. */
class CountingClient extends Parley<Count> {
  override handleConnect(s: Count) {
    send(s.done, "connected");
    return ["ok", s] as const;
  }
  override handleCast(_msg: unknown, s: Count) {
    if (--s.left === 0) send(s.done, "done");
    return ["ok", s] as const;
  }
  override handleFrame(_frame: Frame, s: Count) {
    return ["ok", s] as const;
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
  await alsFloor(100_000, 1000);
  // Ours and the floor alternate, so both see the same machine.
  const msgRates: number[] = [];
  const floorRates: number[] = [];
  for (let i = 0; i < 4; i++) {
    // Each goes first in every other round, so neither always runs on the warmer heap.
    if (i % 2 === 0) msgRates.push(await messages(MESSAGES, 1000));
    floorRates.push(await alsFloor(MESSAGES, 1000));
    if (i % 2 === 1) msgRates.push(await messages(MESSAGES, 1000));
  }
  const msgRate = median(msgRates);
  const floorRate = median(floorRates);
  const backlogRate = await messages(MESSAGES, MESSAGES);
  const cast = await castRates();
  await calls(10_000);
  const callRate = await calls(CALLS);
  await spawns(10_000);
  const spawnRate = await spawns(SPAWNS);
  const perProcess = await idleHeap(IDLE);
  const oneWay = (label: string, rate: number): string => judged(line(label, `${fmt(rate)} msg/s`, ONE_WAY_TARGET), rate >= BEAM_ONE_WAY);
  return [
    judged(
      line("send+receive one way, sender yields every 1,000", `${fmt(msgRate)} msg/s`, "≥ the AsyncLocalStorage floor (an await per message)"),
      msgRate >= floorRate,
    ),
    beside("  AsyncLocalStorage floor, same run", `${fmt(floorRate)} msg/s`, `ours ${(msgRate / floorRate).toFixed(2)} × the floor`),
    beside("  BEAM one way, this machine", `${fmt(BEAM_ONE_WAY)} msg/s`, `ours ${(msgRate / BEAM_ONE_WAY).toFixed(2)} × the BEAM`),
    line("send+receive, 1,000,000 queued at once", `${fmt(backlogRate)} msg/s`, "(no target: flat cost under a backlog)"),
    oneWay("GenServer.cast one way, caster a process", cast.server),
    oneWay("GenServer.cast one way, caster outside processes", cast.outside),
    oneWay("GenServer.cast, 1,000,000 cast at once from outside", cast.burst),
    beside("  BEAM gen_server:cast loop, this machine", `${fmt(BEAM_CAST)} msg/s`, `ours ${(cast.server / BEAM_CAST).toFixed(2)} × (caster a process)`),
    oneWay("GenStatem.cast one way, counting statem", cast.statem),
    oneWay("Parley.cast one way, client counting in handleCast", cast.client),
    judged(line("GenServer.call round trips (caller is a process)", `${fmt(callRate)} calls/s`, "≥ 500,000 calls/s"), callRate >= 500_000),
    line("spawn + exit", `${fmt(spawnRate)} /s`, "(no target; BEAM spawns ~1-2 M/s)"),
    perProcess === undefined
      ? line(`heap per idle GenServer (${fmt(IDLE)})`, "n/a (run with --expose-gc)", "< 1,024 B (Erlang ~2.7 KiB)")
      : judged(line(`heap per idle GenServer (${fmt(IDLE)})`, `${fmt(perProcess)} B`, "< 1,024 B (Erlang ~2.7 KiB)"), perProcess < 1024),
  ];
}

/**
 * The cast figures, each the median of three runs. Every variant is warmed up before any is
 * measured: the first to run would otherwise pay the JIT's warm-up for all of them. msg/s.
 */
async function castRates(): Promise<{ server: number; outside: number; burst: number; statem: number; client: number }> {
  return withEchoServer(async (url) => {
    const variants = [
      (n: number) => casts(n, "process"),
      (n: number) => casts(n, "outside"),
      (n: number) => casts(n, "burst"),
      statemCasts,
      (n: number) => clientCasts(url, n),
    ];
    for (let round = 0; round < 3; round++) for (const measure of variants) await measure(100_000);
    const rates: number[] = [];
    for (const measure of variants) rates.push(median([await measure(MESSAGES), await measure(MESSAGES), await measure(MESSAGES)]));
    const [server, outside, burst, statem, client] = rates as [number, number, number, number, number];
    return { server, outside, burst, statem, client };
  });
}

/**
 * One process sends `n` messages, another receives them all. msg/s. The sender yields to the event
 * loop every `chunk` sends, as the BEAM's scheduler interleaves a sender and its receiver.
 */
export async function messages(n: number, chunk: number): Promise<number> {
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

/**
 * The floor under `receive`: the same sender shape feeding a bare queue, and a loop that awaits
 * each message under an AsyncLocalStorage context, as a process's receive loop runs. msg/s.
 */
async function alsFloor(n: number, chunk: number): Promise<number> {
  const context = new AsyncLocalStorage<{ id: number }>();
  const queue: number[] = [];
  let head = 0;
  let wake: (() => void) | undefined;
  const next = (): Promise<number> => {
    if (head < queue.length) return Promise.resolve(queue[head++]!);
    return new Promise((resolve) => {
      wake = () => {
        wake = undefined;
        resolve(queue[head++]!);
      };
    });
  };
  const start = performance.now();
  const received = context.run({ id: 1 }, async () => {
    for (let i = 0; i < n; i++) await next();
  });
  await context.run({ id: 2 }, async () => {
    for (let i = 0; i < n; i++) {
      queue.push(i);
      wake?.();
      if (i % chunk === chunk - 1) await new Promise(setImmediate);
    }
  });
  await received;
  return perSecond(n, start);
}

/**
 * `n` casts into a counting GenServer: from a process that yields every 1,000 casts, from code
 * outside any process yielding the same way, or from outside all at once. msg/s.
 */
async function casts(n: number, caster: "process" | "outside" | "burst"): Promise<number> {
  const done = new Inbox();
  const server = await Counter.start({ left: n, done: done.pid });
  const start = performance.now();
  const castAll = async (): Promise<void> => {
    for (let i = 0; i < n; i++) {
      GenServer.cast(server, i);
      if (caster !== "burst" && i % 1000 === 999) await new Promise(setImmediate);
    }
  };
  if (caster === "process") spawn(castAll);
  else void castAll();
  await done.receive(undefined, 60_000);
  const rate = perSecond(n, start);
  await GenServer.stop(server);
  done.close();
  return rate;
}

/** `n` casts into a counting GenStatem from a process yielding every 1,000. msg/s. */
async function statemCasts(n: number): Promise<number> {
  const done = new Inbox();
  const machine = await CountingStatem.start({ left: n, done: done.pid });
  const start = performance.now();
  spawn(async () => {
    for (let i = 0; i < n; i++) {
      GenStatem.cast(machine, i);
      if (i % 1000 === 999) await new Promise(setImmediate);
    }
  });
  await done.receive(undefined, 60_000);
  const rate = perSecond(n, start);
  await GenStatem.stop(machine);
  done.close();
  return rate;
}

/** `n` casts into a connected client's handleCast from a process yielding every 1,000. msg/s. */
async function clientCasts(url: string, n: number): Promise<number> {
  const done = new Inbox();
  const client = await CountingClient.start({ left: n, done: done.pid }, { url });
  await done.receive((m) => (m === "connected" ? m : undefined), 10_000);
  const start = performance.now();
  spawn(async () => {
    for (let i = 0; i < n; i++) {
      Parley.cast(client, i);
      if (i % 1000 === 999) await new Promise(setImmediate);
    }
  });
  await done.receive((m) => (m === "done" ? m : undefined), 60_000);
  const rate = perSecond(n, start);
  await Parley.stop(client);
  done.close();
  return rate;
}

/** A process calls a GenServer `n` times in a row. calls/s. */
export async function calls(n: number): Promise<number> {
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

/** A reference figure printed beside ours: a comparison, not a target. */
function beside(label: string, figure: string, comparison: string): string {
  return `${label.padEnd(52)} ${figure.padStart(22)}   ${comparison}`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const l of await runRuntimeBench()) console.log(l);
}
