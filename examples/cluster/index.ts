/**
 * Three nodes in three processes on one NATS server: `npx tsx examples/cluster/index.ts`.
 *
 * Needs `nats-server` on PATH (started here with JetStream on a free loopback port) or
 * PARLEY_NATS_URL pointing at a JetStream-enabled server. Node a runs market-feed clients
 * registered `{ global }`; node b finds them by name, monitors them and calls them; node c watches
 * with `Node.monitorNodes`. Then a is killed (SIGKILL): b's monitors fire, the names disappear,
 * c sees the nodedown. Exits 0 with a summary.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startNats } from "./nats.ts";

const NODE_MAIN = fileURLToPath(new URL("./node.ts", import.meta.url));
const lines: string[] = [];

const nats = await startNats();
console.log(`nats at ${nats.url}`);
try {
  const a = start("a", nats.url);
  await a.wait((m) => m.ready === "a");
  const c = start("c", nats.url);
  await c.wait((m) => m.ready === "c");
  const b = start("b", nats.url);
  await b.wait((m) => m.ready === "b");
  console.log("killing node a (SIGKILL)");
  a.child.kill("SIGKILL");
  await Promise.all([b.wait((m) => m.done === "b"), c.wait((m) => m.done === "c")]);
  await Promise.all([b.stop(), c.stop()]);
  const downs = lines.filter((l) => /^B: feed \w+ is down: noconnection$/.test(l)).length;
  console.log(`summary: 3 nodes, ${downs} monitors fired on b with noconnection, names released: ${lines.some((l) => l === "B: global names left: []")}, c saw nodedown a: ${lines.includes("C: nodedown a")}`);
  console.log("cluster: done");
} finally {
  await nats.close();
}

interface NodeChild {
  readonly child: ChildProcess;
  wait(match: (msg: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function start(role: string, url: string): NodeChild {
  const child = fork(NODE_MAIN, [role], { execArgv: ["--import", "tsx"], env: { ...process.env, PARLEY_NATS_URL: url } });
  const waiters = new Set<{ match: (m: Record<string, unknown>) => boolean; done: () => void }>();
  child.on("message", (msg: Record<string, unknown>) => {
    if (typeof msg["say"] === "string") {
      lines.push(msg["say"]);
      console.log(msg["say"]);
    }
    for (const w of waiters) if (w.match(msg)) w.done();
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return {
    child,
    wait: (match, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`node ${role}: nothing matched within ${timeoutMs} ms`)), timeoutMs);
        const w = {
          match,
          done: () => {
            clearTimeout(timer);
            waiters.delete(w);
            resolve();
          },
        };
        waiters.add(w);
      }),
    stop: async () => {
      child.send({ stop: true });
      await exited;
    },
  };
}
