// Pull-mode figures for bench/client.ts, against raw ws in the same run: pull-mode throughput
// (`for await` over Parley.stream) against raw ws `message` events on a pushing server. The JSON
// codec's round trip is measured interleaved with raw ws (bench/paired-rtt.ts).
import WebSocket from "ws";
import { Parley } from "../src/index.ts";

/** Frames per second `for await (… of Parley.stream(pid))` takes from a server pushing n frames of `size` bytes. */
export async function pullThroughput(url: string, n: number, size: number): Promise<number> {
  const start = performance.now();
  const pid = await Parley.start(class Puller extends Parley {}, null, { url: `${url}/push?n=${n}&size=${size}`, active: false });
  let seen = 0;
  for await (const _frame of Parley.stream(pid)) if (++seen === n) break;
  const rate = n / ((performance.now() - start) / 1000);
  await Parley.stop(pid);
  return rate;
}

/** The same from raw ws: frames per second counted in `message` events. */
export function rawPushThroughput(url: string, n: number, size: number): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/push?n=${n}&size=${size}`, { perMessageDeflate: false });
    let seen = 0;
    ws.on("error", reject);
    ws.on("message", () => {
      if (++seen < n) return;
      resolve(n / ((performance.now() - start) / 1000));
      ws.terminate();
    });
  });
}
