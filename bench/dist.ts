// Distribution figures (`npm run bench -- dist`): this process is node bench-a, bench/dist-peer.ts
// runs node bench-b (and later bench-c) in another process, all on one nats-server started here (or
// PARLEY_NATS_URL). Each figure stands beside raw NATS doing the same work between the same two
// processes over the same server in the same run.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { GenServer, Global, Inbox, Node, exit, monitor, send, spawn, receive, type Pid, type Term } from "../src/index.ts";
import { natsAvailable, startNats, HOW_TO_GET, type NatsServer } from "../test/helpers/nats-server.ts";
import { fmt, judged, line, perSecond } from "./measure.ts";

const MESSAGES = 100_000;
const CALLS = 5_000;
// Rounds of the one-way figure, ours and raw in turns; the median of each is printed.
const ROUNDS = 3;
const LOOKUPS = 1_000_000;
const REGISTRATIONS = 2_000;
const PAYLOAD = "x".repeat(32);
// Senders yield to the event loop every BATCH messages, both sides alike: a loop that blocks the
// loop for longer than nodedownAfterMs stops the heartbeats, and the peer rightly declares it down.
const BATCH = 2_000;
// Wider than the tests' (100/500): on a shared machine a bench that starves a node's event loop
// for half a second gets it declared down, and its messages are then rightly dropped.
const HEARTBEAT_MS = 250;
const NODEDOWN_MS = 1500;
const PEER = fileURLToPath(new URL("./dist-peer.ts", import.meta.url));

/** Runs every distribution figure; one printed line each. */
export async function runDistBench(): Promise<string[]> {
  if (!natsAvailable) return [`skipped: no NATS server (${HOW_TO_GET})`];
  const server = await startNats();
  const cluster = `bench${process.pid}`;
  const peers: ChildProcess[] = [];
  const raw = await connect({ servers: server.url });
  try {
    peers.push(await startPeer("bench-b", server, cluster));
    await Node.start("bench-a", { servers: server.url, cluster, heartbeatMs: HEARTBEAT_MS, nodedownAfterMs: NODEDOWN_MS });
    const out: string[] = [];
    // Alternated, so a load that comes and goes on a shared machine weighs on both alike.
    const remoteRates: number[] = [];
    const rawRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      remoteRates.push(await remoteMessages());
      rawRates.push(await rawMessages(raw));
    }
    const [remote, rawRate] = [median(remoteRates), median(rawRates)];
    out.push(judged(line(`remote send, one way (100k x 32 B, median of ${ROUNDS})`, `${fmt(remote)} msg/s`, ">= 0.8x raw NATS"), remote >= 0.8 * rawRate));
    out.push(line("  raw NATS publish/subscribe, same payloads", `${fmt(rawRate)} msg/s`, `ratio ${(remote / rawRate).toFixed(2)}`));
    const [call, rawCall] = await callP50s(raw);
    out.push(judged(line("remote GenServer.call p50 (32 B)", `${call.toFixed(1)} µs`, "<= raw + 30 µs"), call <= rawCall + 30));
    out.push(line("  raw NATS request/reply p50", `${rawCall.toFixed(1)} µs`, `+${(call - rawCall).toFixed(1)} µs`));
    const lookupNs = await remoteLookupNs();
    out.push(judged(line("Global.whereisName of a remote name (a string)", `${lookupNs.toFixed(0)} ns`, "< 1 µs, no round trip"), lookupNs < 1000));
    out.push(line("global registrations (concurrent, one node)", `${fmt(await registrationsPerSecond())} /s`, "(no target)"));
    const peerC = await startPeer("bench-c", server, cluster);
    peers.push(peerC);
    const downMs = await killToDownMs(peerC);
    out.push(judged(line("SIGKILL of a node -> DOWN on another", `${fmt(downMs)} ms`, `<= ${NODEDOWN_MS + HEARTBEAT_MS} ms (nodedownAfterMs + heartbeat)`), downMs <= NODEDOWN_MS + HEARTBEAT_MS));
    return out;
  } finally {
    await Node.stop();
    for (const peer of peers) peer.kill("SIGKILL");
    await raw.close();
    await server.close();
  }
}

/** bench-a → bench-b's "sink", 100k messages, clock stopped when the sink says it has them all. */
async function remoteMessages(): Promise<number> {
  const box = new Inbox();
  try {
    const sink = { name: "sink", node: "bench-b" };
    const round = async (n: number): Promise<number> => {
      send(sink, ["expect", n, box.pid]);
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        send(sink, PAYLOAD);
        if (i % BATCH === BATCH - 1) await yieldTurn();
      }
      // Delivery is at most once: if the sink never hears all of them, say so instead of hanging.
      const done = await box.receive((m) => (Array.isArray(m) && m[0] === "done" ? m : undefined), 20_000).catch(() => undefined);
      return done === undefined ? Number.NaN : perSecond(n, start);
    };
    await round(10_000);
    return await round(MESSAGES);
  } finally {
    box.close();
  }
}

/** The same over raw NATS: 32 B publishes to a subscriber in bench-b that reports the last one. */
async function rawMessages(nc: NatsConnection): Promise<number> {
  const encoder = new TextEncoder();
  const round = async (n: number): Promise<number> => {
    const done = new Promise<void>((resolve) => {
      nc.subscribe("bench.bench-b.done", { max: 1, callback: () => resolve() });
    });
    nc.publish("bench.bench-b.expect", String(n));
    await nc.flush();
    const start = performance.now();
    // A fresh buffer per message, as the library does: the client keeps a reference until it flushes.
    for (let i = 0; i < n; i++) {
      nc.publish("bench.bench-b.sink", encoder.encode(PAYLOAD));
      if (i % BATCH === BATCH - 1) await yieldTurn();
    }
    await done;
    return perSecond(n, start);
  };
  await round(10_000);
  return round(MESSAGES);
}

/**
 * p50 of remote `GenServer.call` and of raw NATS request/reply, in microseconds, taken in turns
 * (one call, one request, ...) so both see the same load on a shared machine.
 */
async function callP50s(nc: NatsConnection): Promise<[number, number]> {
  const echo = { name: "echo", node: "bench-b" };
  const encoder = new TextEncoder();
  return p50s(CALLS, [() => GenServer.call(echo, PAYLOAD), () => nc.request("bench.bench-b.echo", encoder.encode(PAYLOAD))]);
}

/** Nanoseconds per `Global.whereisName` of a name held on bench-b (read from the local replica). */
async function remoteLookupNs(): Promise<number> {
  const name = "bench-echo@bench-b";
  const found = Global.whereisName(name);
  if (found === undefined) return Number.NaN;
  let hits = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < LOOKUPS; i++) if (Global.whereisName(name) === found) hits++;
  const ns = Number(process.hrtime.bigint() - start) / LOOKUPS;
  return hits === LOOKUPS ? ns : Number.NaN;
}

async function registrationsPerSecond(): Promise<number> {
  const pids = Array.from({ length: REGISTRATIONS }, () => spawn(() => receive(() => undefined)));
  const start = performance.now();
  const won = await Promise.all(pids.map((pid, i) => Global.register(["bench-reg", i], pid)));
  const rate = perSecond(won.filter(Boolean).length, start);
  // Their exits release the names (compare-and-delete) in the background.
  for (const pid of pids) exit(pid, "kill");
  return rate;
}

/** Monitors bench-c's echo from bench-a, SIGKILLs bench-c, and times the DOWN. */
async function killToDownMs(peer: ChildProcess): Promise<number> {
  const box = new Inbox();
  try {
    const target = await waitForGlobal("bench-echo@bench-c");
    const ref = await box.run(() => monitor(target));
    const start = performance.now();
    peer.kill("SIGKILL");
    await box.receive((m) => (Array.isArray(m) && m[0] === "DOWN" && m[1] === ref ? m : undefined), 10_000);
    return performance.now() - start;
  } finally {
    box.close();
  }
}

async function waitForGlobal(name: Term): Promise<Pid> {
  const deadline = performance.now() + 5000;
  for (;;) {
    const pid = Global.whereisName(name);
    if (pid !== undefined) return pid;
    if (performance.now() > deadline) throw new Error(`${JSON.stringify(name)} never showed up`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** `n` sequential runs of each op, in turns: 10% untimed warm-up, then each one's median in microseconds. */
async function p50s(n: number, ops: ReadonlyArray<() => Promise<unknown>>): Promise<[number, number]> {
  for (let i = 0; i < n / 10; i++) for (const op of ops) await op();
  const times = ops.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < ops.length; j++) {
      const start = performance.now();
      await ops[j]!();
      times[j]![i] = (performance.now() - start) * 1000;
    }
  }
  const [a, b] = times.map((t) => median([...t]));
  return [a!, b!];
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function startPeer(node: string, server: NatsServer, cluster: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(PEER, [node], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, PARLEY_NATS_URL: server.url, PARLEY_CLUSTER: cluster },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.once("message", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`bench peer ${node} exited ${code}`)));
  });
}
