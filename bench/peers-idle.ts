// Heap and RSS per idle connection for one client kind, measured in a fresh Node process so the
// heap it reads is not shaped by whatever ran before (as bench/idle-memory.ts does for raw ws and
// parley-ts): `node --expose-gc --import tsx bench/peers-idle.ts KIND N URL` prints
// `{"heapPerConn": bytes, "rssPerConn": bytes, "n": count}`. `peerIdle` runs it from the bench.
import { execFile } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Conn, connect, KINDS, type Kind } from "./peers-clients.ts";

export interface PeerIdle {
  readonly heapPerConn: number;
  readonly rssPerConn: number;
  readonly n: number;
}

const HANDSHAKES_IN_FLIGHT = 200;
const SCRIPT = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Runs this file as a child process for `kind` and returns what it printed. */
export async function peerIdle(kind: Kind, n: number, url: string): Promise<PeerIdle> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", "--import", "tsx", SCRIPT, kind, String(n), url], { cwd: ROOT });
  return JSON.parse(stdout.trim().split("\n").pop()!) as PeerIdle;
}

/** Growth of heapUsed and RSS per connection after `n` idle connections of `kind`. */
async function measure(kind: Kind, n: number, url: string): Promise<PeerIdle> {
  await (await connect(kind, url)).close();
  await settle();
  const before = process.memoryUsage();
  const conns: Conn[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      conns.push(await connect(kind, url));
    }
  };
  await Promise.all(Array.from({ length: Math.min(HANDSHAKES_IN_FLIGHT, n) }, worker));
  await sleep(1_000);
  await settle();
  const after = process.memoryUsage();
  await Promise.all(conns.map((c) => c.close()));
  return { heapPerConn: (after.heapUsed - before.heapUsed) / n, rssPerConn: (after.rss - before.rss) / n, n };
}

async function settle(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  await sleep(100);
  gc?.();
  gc?.();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [kind, count, url] = process.argv.slice(2);
  const n = Number(count);
  if (!KINDS.includes(kind as Kind) || !(n > 0) || url === undefined) {
    console.error(`usage: ${SCRIPT} ${KINDS.join("|")} N URL`);
    process.exit(2);
  }
  console.log(JSON.stringify(await measure(kind as Kind, n, url)));
  process.exit(0);
}
