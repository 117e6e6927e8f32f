// The ClusterSupervisor figure of `npm run bench -- dist`: three nodes (bench/cluster-peer.ts) run
// one supervised WebSocket client; the node running it is SIGKILLed ten times (restarted after
// each), and each time the clock runs from the kill to the client's handleConnect on a survivor
// (its first frame reaching the server here), against nodedownAfterMs + 500 ms.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { WebSocketServer } from "ws";
import { ownerOf } from "../src/dist/placement.ts";
import { termKey } from "../src/runtime/names/term-key.ts";
import { natsAvailable, startNats, HOW_TO_GET, type NatsServer } from "../test/helpers/nats-server.ts";
import { fmt, judged, line } from "./measure.ts";

const KILLS = 10;
const NODEDOWN_MS = 500;
const NODES = ["fail-a", "fail-b", "fail-c"];
const PEER = fileURLToPath(new URL("./cluster-peer.ts", import.meta.url));

/** Median and max failover time over KILLS kills; one printed line each. */
export async function runClusterFailoverBench(): Promise<string[]> {
  if (!natsAvailable) return [`skipped: no NATS server (${HOW_TO_GET})`];
  const server = await startNats();
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => wss.once("listening", resolve));
  const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
  const hellos = new Hellos(wss);
  const peers = new Map<string, ChildProcess>();
  const cluster = `failover${process.pid}`;
  try {
    for (const node of NODES) peers.set(node, await startPeer(node, server, cluster, url));
    const owner = (): string => ownerOf(termKey("feed"), peers.keys())!;
    await hellos.from(owner());
    const times: number[] = [];
    for (let i = 0; i < KILLS; i++) {
      const victim = owner();
      const start = performance.now();
      peers.get(victim)!.kill("SIGKILL");
      peers.delete(victim);
      await hellos.from(owner());
      times.push(performance.now() - start);
      peers.set(victim, await startPeer(victim, server, cluster, url));
      await hellos.from(owner());
    }
    times.sort((a, b) => a - b);
    const limit = NODEDOWN_MS + 500;
    const target = `<= ${limit} ms (nodedownAfterMs ${NODEDOWN_MS} + 500)`;
    const [median, max] = [times[KILLS >> 1]!, times[KILLS - 1]!];
    return [
      judged(line(`ClusterSupervisor failover, SIGKILL -> handleConnect, median of ${KILLS}`, `${fmt(median)} ms`, target), median <= limit),
      judged(line(`  max of ${KILLS}`, `${fmt(max)} ms`, target), max <= limit),
    ];
  } finally {
    for (const peer of peers.values()) peer.kill("SIGKILL");
    wss.close();
    await server.close();
  }
}

/** The nodes' hellos (a client's first frame says which node it runs on), awaited in order. */
class Hellos {
  #last: string | undefined;
  #waiting: { node: string; resolve: () => void } | undefined;
  constructor(wss: WebSocketServer) {
    wss.on("connection", (socket) => {
      socket.once("message", (data) => {
        this.#last = String(data);
        if (this.#waiting?.node === this.#last) this.#waiting.resolve();
      });
    });
  }
  /** Resolves once the latest hello came from `node` (at once if it already did). */
  from(node: string, timeoutMs = 10_000): Promise<void> {
    if (this.#last === node) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no handleConnect on ${node} within ${timeoutMs} ms`)), timeoutMs);
      this.#waiting = { node, resolve: () => (clearTimeout(timer), (this.#waiting = undefined), resolve()) };
    });
  }
}

function startPeer(node: string, server: NatsServer, cluster: string, url: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(PEER, [node], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, PARLEY_NATS_URL: server.url, PARLEY_CLUSTER: cluster, PARLEY_FEED_URL: url },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.once("message", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`bench peer ${node} exited ${code}`)));
  });
}
