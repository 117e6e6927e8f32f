// Runs every raw-ws baseline once, each against a fresh echo server process, and prints them.
//   node --expose-gc --import tsx bench/raw-ws-run.ts [--quick]
// (`npx tsx --expose-gc bench/raw-ws-run.ts` works too: tsx passes node flags through.)
import { withEchoServer } from "./echo-process.ts";
import { openFileLimit, rawBurst, rawIdleHeap, rawRtt, rawWindow } from "./raw-ws.ts";

const quick = process.argv.includes("--quick");
const N = quick ? 20_000 : 200_000;
const IDLE = quick ? [500] : [2_000, 10_000];

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(2)} KB`;
const rate = (x: number): string => `${Math.round(x).toLocaleString("en-US")} msg/s`;
const line = (label: string, value: string): void => console.log(`${label.padEnd(28)} ${value}`);

console.log(`raw ws baseline: node ${process.version}, n = ${N}, gc ${typeof globalThis.gc === "function" ? "exposed" : "NOT exposed"}, ulimit -n ${openFileLimit()}`);
line("32 B burst", rate(await withEchoServer((url) => rawBurst(url, N, 32))));
line("32 B window 1000", rate(await withEchoServer((url) => rawWindow(url, N, 32))));
line("4 KiB burst", rate(await withEchoServer((url) => rawBurst(url, N, 4_096))));
line("4 KiB window 1000", rate(await withEchoServer((url) => rawWindow(url, N, 4_096))));
const rtt = await withEchoServer((url) => rawRtt(url));
line("32 B RTT", `p50 ${rtt.p50.toFixed(1)} µs, p90 ${rtt.p90.toFixed(1)} µs, p99 ${rtt.p99.toFixed(1)} µs (mean ${rtt.mean.toFixed(1)})`);
for (const n of IDLE) {
  const m = await withEchoServer((url) => rawIdleHeap(url, n));
  line(`${m.n} idle conns`, `${kb(m.heapPerConn)} heapUsed/conn, ${kb(m.rssPerConn)} RSS/conn${m.note ? ` (${m.note})` : ""}`);
}
