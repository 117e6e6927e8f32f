// One idle-memory measurement in a fresh Node process, so the heap it reads is not shaped by
// whatever ran before: `node --expose-gc --import tsx bench/idle-memory.ts raw|ours N URL` prints
// `{"heapPerConn": bytes, "n": count, "note": "..."}` on one line.
import { fileURLToPath } from "node:url";
import { idleHeap } from "./client.ts";
import { rawIdleHeap } from "./raw-ws.ts";

const [kind, count, url] = process.argv.slice(2);
const n = Number(count);
if ((kind !== "raw" && kind !== "ours") || !(n > 0) || url === undefined) {
  console.error(`usage: ${fileURLToPath(import.meta.url)} raw|ours N URL`);
  process.exit(2);
}
const result =
  kind === "raw"
    ? await rawIdleHeap(url, n)
    : { heapPerConn: await idleHeap(url, n, { heartbeat: false }), n, note: "" };
console.log(JSON.stringify({ heapPerConn: result.heapPerConn, n: result.n, note: result.note }));
process.exit(0);
