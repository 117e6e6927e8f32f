// Pull mode and codec figures for bench/client.ts, each against raw ws in the same run: pull-mode
// throughput (`for await` over Parley.stream) against raw ws `message` events on a pushing server,
// and a JSON round trip through `codecs.json` against raw ws with JSON.parse/JSON.stringify by hand.
import WebSocket from "ws";
import { codecs, type JsonValue, Parley, type Pid, type PongFrame, send, Inbox } from "../src/index.ts";

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

interface JsonState {
  left: number;
  t0: number;
  readonly samples: number[];
  readonly done: Pid;
}

const MESSAGE = { seq: 1, body: "x".repeat(16) };

/** Echoes through codecs.json: handleFrame gets the parsed object and pushes the next one. */
class JsonRoundTrips extends Parley<JsonState, JsonValue, typeof MESSAGE> {
  override handleConnect(s: JsonState) {
    s.t0 = performance.now();
    return ["push", MESSAGE, s] as const;
  }

  override handleFrame(_v: JsonValue | PongFrame, s: JsonState) {
    s.samples.push((performance.now() - s.t0) * 1000);
    if (--s.left === 0) {
      send(s.done, "done");
      return ["ok", s] as const;
    }
    s.t0 = performance.now();
    return ["push", MESSAGE, s] as const;
  }
}

/** Round-trip times (µs) of `samples` sequential JSON messages through `codecs.json`; the first `warmup` dropped. */
export async function jsonCodecRtt(url: string, samples: number, warmup: number): Promise<number[]> {
  const inbox = new Inbox();
  const state: JsonState = { left: samples + warmup, t0: 0, samples: [], done: inbox.pid };
  const pid = await JsonRoundTrips.start(state, { url, codec: codecs.json });
  try {
    await inbox.receive((m) => (m === "done" ? m : undefined), 120_000);
    return state.samples.slice(warmup);
  } finally {
    await Parley.stop(pid);
    inbox.close();
  }
}

/** The same with raw ws and JSON by hand: parse each echo, stringify the next message. µs. */
export function rawJsonRtt(url: string, samples: number, warmup: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const times: number[] = [];
    let left = samples + warmup;
    let t0 = 0;
    ws.on("error", reject);
    ws.on("open", () => {
      t0 = performance.now();
      ws.send(JSON.stringify(MESSAGE));
    });
    ws.on("message", (data) => {
      JSON.parse(String(data));
      times.push((performance.now() - t0) * 1000);
      if (--left === 0) {
        ws.terminate();
        return resolve(times.slice(warmup));
      }
      t0 = performance.now();
      ws.send(JSON.stringify(MESSAGE));
    });
  });
}
