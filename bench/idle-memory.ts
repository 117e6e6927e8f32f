// One idle-memory measurement in a fresh Node process, so the heap it reads is not shaped by
// whatever ran before: `node --expose-gc --import tsx bench/idle-memory.ts raw|ours N URL` prints
// `{"heapPerConn": bytes, "n": count, "note": "..."}` on one line.
// `node --expose-gc --import tsx bench/idle-memory.ts pair [N] [pairs]` measures raw ws and ours in
// turns, each in a fresh process against one echo server process, and prints the judged line
// (the median of the paired ratios; N defaults to 10,000, pairs to 3).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { idleHeap } from "./client.ts";
import { withEchoServer } from "./echo-process.ts";
import { judged } from "./measure.ts";
import { median, rawIdleHeap, ratioLine } from "./raw-ws.ts";

/** The idle-memory target: heap per idle client at most this many times raw ws's. */
const TARGET = 1.25;

const [kind, count, url] = process.argv.slice(2);
if (kind === "pair") {
  const n = Number(count ?? 10_000);
  const pairs = Number(url ?? 3);
  if (!(n > 0) || !(pairs > 0)) usage();
  console.log(await pair(n, pairs));
  process.exit(0);
}
const n = Number(count);
if ((kind !== "raw" && kind !== "ours") || !(n > 0) || url === undefined) usage();
const result =
  kind === "raw"
    ? await rawIdleHeap(url!, n)
    : { heapPerConn: await idleHeap(url!, n, { heartbeat: false }), n, note: "" };
console.log(JSON.stringify({ heapPerConn: result.heapPerConn, n: result.n, note: result.note }));
process.exit(0);

function usage(): never {
  console.error(`usage: ${fileURLToPath(import.meta.url)} raw|ours N URL  |  pair [N] [pairs]`);
  process.exit(2);
}

/** `pairs` alternating measurements of raw ws and ours: the judged line, ours/raw as the median ratio. */
async function pair(n: number, pairs: number): Promise<string> {
  const run = promisify(execFile);
  const script = fileURLToPath(import.meta.url);
  const root = fileURLToPath(new URL("..", import.meta.url));
  const one = async (which: "raw" | "ours", url: string): Promise<{ heapPerConn: number; n: number }> => {
    const { stdout } = await run(process.execPath, ["--expose-gc", "--import", "tsx", script, which, String(n), url], { cwd: root });
    return JSON.parse(stdout.trim().split("\n").pop()!) as { heapPerConn: number; n: number };
  };
  return withEchoServer(async (url) => {
    const raws: number[] = [];
    const ours: number[] = [];
    const ratios: number[] = [];
    let measured = n;
    for (let i = 0; i < pairs; i++) {
      const raw = await one("raw", url);
      // raw ws caps n to the open-file limit: ours opens as many.
      measured = raw.n;
      const mine = (await one("ours", url)).heapPerConn;
      raws.push(raw.heapPerConn);
      ours.push(mine);
      ratios.push(mine / raw.heapPerConn);
    }
    const ratio = median(ratios);
    return judged(ratioLine(`heap per idle conn (${measured / 1000}k), B`, median(ours), median(raws), `≤ ${TARGET}×`, ratio), ratio <= TARGET);
  });
}
