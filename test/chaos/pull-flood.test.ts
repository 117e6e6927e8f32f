// Issue 15: backpressure in pull mode is the active mode's, end to end. A server pushes as fast as
// its socket takes frames at a consumer that takes one frame per 10 ms: the frames the client holds
// (mailbox plus pull queue) never exceed maxBuffered plus one socket read, the server's own send
// buffer grows instead, RSS stays flat, and once the consumer speeds up every frame arrives, in order.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Parley, type Pid } from "../../src/index.ts";
import { lookup } from "../../src/runtime/process/process.ts";
import { behaviourOf } from "../../src/runtime/behaviours/behaviour-process.ts";
import { ClientHarness, mailboxSize } from "../helpers/client.ts";
import { startServer } from "../helpers/ws-server.ts";
import { flood } from "./flood-server.ts";

let h: ClientHarness;
beforeEach(() => {
  h = new ClientHarness();
});
afterEach(() => h.cleanup());

const TOTAL = 4000;
const FRAME_SIZE = 16_384;
const MAX_BUFFERED = 16;
// ws hands over what one socket read holds even after the pause: 64 KiB of 16 KiB frames.
const ONE_READ = Math.ceil(65_536 / FRAME_SIZE) + 1;
// The first frames are taken slowly (one per 10 ms): long enough for the server to stall.
const SLOW = 60;

/** Frames a pull-mode client holds: in its mailbox and in its pull queue (runtime internals). */
function held(pid: Pid): number {
  const data = (behaviourOf(lookup(pid)!) as unknown as { data: { pull: { length: number } } }).data;
  return mailboxSize(pid) + data.pull.length;
}

describe("pull-mode flood", () => {
  it("a consumer taking one frame per 10 ms holds at most maxBuffered frames (plus one read); the server stalls in TCP; RSS stays bounded; nothing is lost or reordered", async () => {
    const server = flood(TOTAL, (i) => {
      const frame = Buffer.alloc(FRAME_SIZE, i % 251);
      frame.writeUInt32BE(i, 0);
      return frame;
    });
    const srv = h.defer(await startServer({ echo: false, onConnection: server.onConnection }));
    const pid = await h.start({ url: srv.url, active: false, maxBuffered: MAX_BUFFERED });
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    let deepest = 0;
    let next = 0;
    for await (const frame of Parley.stream(pid)) {
      expect(frame[0]).toBe("binary");
      expect(Buffer.from(frame[1]).readUInt32BE(0)).toBe(next);
      next++;
      deepest = Math.max(deepest, held(pid));
      if (next <= SLOW) {
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      if (next === TOTAL) break;
    }
    expect(next).toBe(TOTAL);
    // A stream batch holds up to maxBuffered frames outside the client too: still bounded by it.
    expect(deepest).toBeLessThanOrEqual(MAX_BUFFERED + ONE_READ);
    expect(server.backlog()).toBeGreaterThan(MAX_BUFFERED * FRAME_SIZE);
    // 64 MiB went through; while the consumer was slow the client did not take it in (the server,
    // in this same process, and the collector's slack account for the growth there is).
    expect(rssPeak - rssBefore).toBeLessThan(TOTAL * FRAME_SIZE / 2);
    expect((await Parley.status(pid)).state).toBe("connected");
  });
});
