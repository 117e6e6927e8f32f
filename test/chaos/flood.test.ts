// Issue 10, defect 4: inbound memory is bounded. A server floods a client whose handleFrame is
// slow; with maxBuffered frames waiting in its mailbox the client stops reading, the server's
// writes back up in TCP (its own send buffer grows instead of the client's memory), and once
// handleFrame catches up reading resumes and every frame arrives. Memory is measured by the
// counts that hold it: the client's mailbox never exceeds maxBuffered plus one socket read.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Parley, self } from "../../src/index.ts";
import { ClientHarness, mailboxSize } from "../helpers/client.ts";
import { startServer } from "../helpers/ws-server.ts";
import { flood } from "./flood-server.ts";

let h: ClientHarness;
beforeEach(() => {
  h = new ClientHarness();
});
afterEach(() => h.cleanup());

const TOTAL = 4000;
const FRAME = Buffer.alloc(4096, 7);
const MAX_BUFFERED = 100;
// ws hands over what one socket read holds even after the pause: 64 KiB of 4 KiB frames. 16 MiB in
// all: more than the kernel buffers of a loopback connection hold, so the server has to wait.
const ONE_READ = Math.ceil(65_536 / FRAME.length) + 1;

describe("flood", () => {
  it("a slow handleFrame holds at most maxBuffered frames (plus one socket read); the server stalls in TCP; nothing is lost", async () => {
    const server = flood(TOTAL, () => FRAME);
    const srv = h.defer(await startServer({ echo: false, onConnection: server.onConnection }));
    let handled = 0;
    let deepest = 0;
    const pid = await h.start({ url: srv.url, maxBuffered: MAX_BUFFERED }, {
      hooks: {
        frame: async (s) => {
          deepest = Math.max(deepest, mailboxSize(self()));
          // Slow: every frame waits for the event loop to go round once.
          await new Promise((resolve) => setImmediate(resolve));
          if (++handled === TOTAL) Parley.cast(self(), "done");
          return ["ok", s];
        },
      },
    });
    await h.next("cast", pid, (e) => e[2] === "done", 30_000);
    expect(handled).toBe(TOTAL);
    expect(deepest).toBeLessThanOrEqual(MAX_BUFFERED + ONE_READ);
    // The stall happened on the server's side: frames waited there, not in the client.
    expect(server.backlog()).toBeGreaterThan(MAX_BUFFERED * FRAME.length);
    expect((await Parley.status(pid)).state).toBe("connected");
  });
});
