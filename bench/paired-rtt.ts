// Round trips of raw ws and of a parley-ts client interleaved one by one on one echo server, so
// both meet the same machine. On a shared VM a latency tail measured in separate runs mostly shows
// which run met the noisy stretch: raw ws's own p99 moves 140–250 µs from run to run here, ten times
// the 20 µs the target allows. Interleaved, a noisy stretch falls on both alike, and the per-run
// difference is what the client adds.
import type WebSocket from "ws";
import { codecs, type ConnectOptions, type Frame, Inbox, type JsonValue, Parley, type Pid, send } from "../src/index.ts";
import { open } from "./raw-ws.ts";

/** What travels in a round trip: 32 bytes of text, or a small JSON object (the client's codec). */
export type Payload = "text" | "json";

/** The client's connect options beyond the URL (heartbeat, …); the codec follows from the payload. */
export type OursOptions = Omit<ConnectOptions, "url" | "codec">;

/** Round-trip times in µs, sample i of each side measured next to sample i of the other. */
export interface PairedSamples {
  readonly raw: Float64Array;
  readonly ours: Float64Array;
}

/**
 * `samples` round trips of each side after `warmup` untimed ones, alternating: raw, ours, raw, …
 * (ours first when `oursFirst`). Each side's next round trip starts in the event-loop turn after
 * the other's echo (setImmediate), so what one side does after its echo (its scheduler, its
 * telemetry) is not timed as part of the other's round trip.
 *
 * Raw ws sends with `ws.send` and is timed from there to its `message` event (JSON by hand:
 * stringify, then parse the echo); ours is timed from the `push` its handleFrame returns to the
 * next handleFrame (JSON through `codecs.json`).
 */
export async function pairedRtt(url: string, payload: Payload, samples: number, warmup: number, options: OursOptions, oursFirst: boolean): Promise<PairedSamples> {
  const total = warmup + samples;
  const raw = new Float64Array(total);
  const ours = new Float64Array(total);
  const inbox = new Inbox();
  const ws = await open(url);
  const pid = await connect(url, payload, options, inbox, ours);
  let rawDone = 0;
  let rawT0 = 0;
  const rawGo = (): void => {
    rawT0 = performance.now();
    ws.send(payload === "json" ? JSON.stringify(MESSAGE) : TEXT);
  };
  const oursGo = (): void => Parley.cast(pid, GO);
  ws.on("message", (data: WebSocket.RawData) => {
    if (payload === "json") JSON.parse(String(data));
    raw[rawDone++] = (performance.now() - rawT0) * 1000;
    if (oursFirst && rawDone === total) send(inbox.pid, DONE);
    else setImmediate(oursGo);
  });
  // Ours hands over to raw the same way, from inside its handleFrame (see PairedClient).
  Parley.cast(pid, { next: () => setImmediate(rawGo), last: !oursFirst, done: inbox.pid, total } satisfies Handoff);
  try {
    if (oursFirst) oursGo();
    else rawGo();
    await inbox.receive((m) => (m === DONE ? m : undefined), 120_000);
    return { raw: raw.subarray(warmup), ours: ours.subarray(warmup) };
  } finally {
    ws.terminate();
    await Parley.stop(pid);
    inbox.close();
  }
}

// --- helpers ------------------------------------------------------------------------------

const MESSAGE = { seq: 1, body: "x".repeat(16) };
const TEXT = "x".repeat(32);
const GO = "go";
const DONE = "done";

/** Told to the client once connected: whom to hand over to, and when it ends the run. */
interface Handoff {
  readonly next: () => void;
  /** Ours runs second: its last echo ends the run. */
  readonly last: boolean;
  readonly done: Pid;
  readonly total: number;
}

interface PairedState {
  t0: number;
  count: number;
  readonly samples: Float64Array;
  readonly frame: JsonValue | Frame;
  handoff: Handoff | undefined;
  readonly connected: Pid;
}

/** Pushes one frame per "go" and times its echo; the echo hands over to the raw side. */
class PairedClient extends Parley<PairedState, unknown, JsonValue | Frame> {
  override handleConnect(s: PairedState) {
    send(s.connected, "connected");
    return ["ok", s] as const;
  }

  override handleCast(msg: Handoff | typeof GO, s: PairedState) {
    if (msg !== GO) {
      s.handoff = msg;
      return ["ok", s] as const;
    }
    s.t0 = performance.now();
    return ["push", s.frame, s] as const;
  }

  override handleFrame(_frame: unknown, s: PairedState) {
    s.samples[s.count++] = (performance.now() - s.t0) * 1000;
    const h = s.handoff!;
    if (h.last && s.count === h.total) send(h.done, DONE);
    else h.next();
    return ["ok", s] as const;
  }
}

async function connect(url: string, payload: Payload, options: OursOptions, inbox: Inbox, samples: Float64Array): Promise<Pid> {
  const state: PairedState = { t0: 0, count: 0, samples, frame: payload === "json" ? MESSAGE : ["text", TEXT], handoff: undefined, connected: inbox.pid };
  // Without a codec the client pushes frame tuples; with codecs.json, the object itself.
  const pid = await PairedClient.start(state, payload === "json" ? { ...options, url, codec: codecs.json } : { ...options, url });
  await inbox.receive((m) => (m === "connected" ? m : undefined), 10_000);
  return pid;
}
