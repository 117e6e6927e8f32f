// The peers' reconnect storm: N clients of one kind connected to an echo server in its own
// process, the server killed with SIGKILL and started again on the same port, at once or after a
// given outage. Measured in a fresh client process per kind and outage:
// `node --expose-gc --import tsx bench/peers-storm.ts KIND N DOWN_MS` prints one JSON line (a
// StormFigures); `peerStorm` runs it from the bench. Connection attempts are TCP connects counted
// on node's `net.client.socket` channel, the same for every client.
import { execFile, spawn } from "node:child_process";
import diagnostics_channel from "node:diagnostics_channel";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { type EchoProcess, startEchoProcess } from "./echo-process.ts";
import { type Conn, connect, KINDS, type Kind } from "./peers-clients.ts";

export interface StormFigures {
  readonly n: number;
  /** ms from the SIGKILL until the new server printed its port (the outage asked for, plus a few ms). */
  readonly downMs: number;
  /** ms from the SIGKILL until every client was open again. */
  readonly allBackMs: number;
  /** TCP connects from the SIGKILL until every client was open again. */
  readonly attempts: number;
  /** The most TCP connects begun within any 100 ms: the herd's height. */
  readonly busiest100ms: number;
  /** Peak RSS of the client process over the whole run, bytes. */
  readonly peakRss: number;
  /** When each client was open again, ms after the new server was listening (can be slightly negative). */
  readonly p50: number;
  readonly p90: number;
  readonly max: number;
  /** ms between the first and the last client back: near 0 when they all come back in one herd. */
  readonly spread: number;
}

const HANDSHAKES_IN_FLIGHT = 200;
const RECONNECT_TIMEOUT_MS = 120_000;
const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ECHO_SERVER = fileURLToPath(new URL("./echo-server.ts", import.meta.url));

/** Runs this file as a child process for `kind` and returns what it printed. */
export async function peerStorm(kind: Kind, n: number, downMs: number): Promise<StormFigures> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", "--import", "tsx", SCRIPT, kind, String(n), String(downMs)], {
    cwd: ROOT,
    timeout: RECONNECT_TIMEOUT_MS + 60_000,
  });
  return JSON.parse(stdout.trim().split("\n").pop()!) as StormFigures;
}

async function storm(kind: Kind, n: number, downMs: number): Promise<StormFigures> {
  const attempts: number[] = [];
  const onSocket = (): void => {
    attempts.push(performance.now());
  };
  diagnostics_channel.subscribe("net.client.socket", onSocket);
  let server: EchoProcess = await startEchoProcess();
  const port = Number(new URL(server.url).port);
  const openedAt = new Float64Array(n);
  let killedAt = Number.POSITIVE_INFINITY;
  let back = 0;
  let allBack: () => void = () => {};
  const everyoneBack = new Promise<void>((resolve) => {
    allBack = resolve;
  });
  const conns: Conn[] = [];
  try {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < n) {
        const i = next++;
        const onOpen = (): void => {
          const now = performance.now();
          if (now > killedAt && !(openedAt[i]! > killedAt) && ++back === n) allBack();
          openedAt[i] = now;
        };
        conns.push(await connect(kind, server.url, { onOpen }));
      }
    };
    await Promise.all(Array.from({ length: Math.min(HANDSHAKES_IN_FLIGHT, n) }, worker));

    // The next server is loaded before the kill and told to listen after the outage, so the
    // outage is the same for every kind (node's start-up time would add 0.5-1.5 s at random).
    const replacement = await heldEchoProcess(port);
    attempts.length = 0;
    killedAt = performance.now();
    process.kill(server.pid, "SIGKILL");
    await server.stop();
    server = replacement;
    await sleep(killedAt + downMs - performance.now());
    await replacement.listen();
    const listeningAt = performance.now();
    await withTimeout(everyoneBack, RECONNECT_TIMEOUT_MS, () => `${n - back} of ${n} ${kind} clients not back`);
    const lastBack = Math.max(...openedAt);
    const attemptsToBack = attempts.filter((t) => t <= lastBack);
    const after = Array.from(openedAt, (t) => t - listeningAt).sort((a, b) => a - b);
    const at = (p: number): number => after[Math.max(0, Math.ceil((p / 100) * n) - 1)]!;
    return {
      n,
      downMs: listeningAt - killedAt,
      allBackMs: lastBack - killedAt,
      attempts: attemptsToBack.length,
      busiest100ms: busiest(attemptsToBack, 100),
      peakRss: process.resourceUsage().maxRSS * 1024,
      p50: at(50),
      p90: at(90),
      max: at(100),
      spread: at(100) - at(0),
    };
  } finally {
    diagnostics_channel.unsubscribe("net.client.socket", onSocket);
    await Promise.all(conns.map((c) => c.close()));
    await server.stop();
  }
}

/** A fresh echo server (bench/echo-server.ts) loaded but not listening on `port` until `listen()`. */
async function heldEchoProcess(port: number): Promise<EchoProcess & { listen(): Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", ECHO_SERVER, String(port), "held"], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
  const exited = once(child, "exit");
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => {
    const r = await Promise.race([lines.next(), exited.then(() => ({ done: true, value: "" }))]);
    if (r.done === true) throw new Error("held echo server exited");
    return String(r.value);
  };
  await nextLine();
  return {
    url: `ws://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    listen: async () => {
      child.stdin.write("listen\n");
      await nextLine();
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** The most of the ascending `times` that fall within any `width` ms. */
function busiest(times: readonly number[], width: number): number {
  let most = 0;
  for (let lo = 0, hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= width) lo++;
    most = Math.max(most, hi - lo + 1);
  }
  return most;
}

async function withTimeout(p: Promise<void>, ms: number, what: () => string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what())), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [kind, count, down] = process.argv.slice(2);
  const n = Number(count);
  const downMs = Number(down ?? 0);
  if (!KINDS.includes(kind as Kind) || kind === "raw" || !(n > 0) || !(downMs >= 0)) {
    console.error(`usage: ${SCRIPT} ${KINDS.filter((k) => k !== "raw").join("|")} N [DOWN_MS]`);
    process.exit(2);
  }
  console.log(JSON.stringify(await storm(kind as Kind, n, downMs)));
  process.exit(0);
}
