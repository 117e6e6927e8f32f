// Issue 10, defect 2: frames must not vanish while the connection is closing. Between the
// server's close frame (or an RST) and the `close` event, `ws` is CLOSING while the client still
// says `connected`. The rule: every frame accepted by sendFrame, sendFrameAsync or a push is
// written (parley:frame:sent), or its caller gets a typed rejection, or it is published on
// parley:frame:dropped.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NotConnectedError, Parley, type Pid } from "../../src/index.ts";
import type { FrameDroppedMessage, FrameMessage } from "../../src/client/telemetry.ts";
import { ClientHarness } from "../helpers/client.ts";
import { scriptedServer, serverFrame } from "./raw-server.ts";

let h: ClientHarness;
beforeEach(() => {
  h = new ClientHarness();
});
afterEach(() => h.cleanup());

const CLOSE_4000 = serverFrame(0x8, Buffer.from([0x0f, 0xa0]));

describe("frames while the connection is closing", () => {
  it("after the server's close frame, before the socket ends: sendFrame rejects NotConnectedError, sendFrameAsync and pushes are published dropped", async () => {
    let clientReplied!: () => void;
    const replied = new Promise<void>((resolve) => (clientReplied = resolve));
    // The server closes, reads the client's close reply, and then keeps TCP open: the client
    // stays in ws's CLOSING until its closeTimeout.
    const srv = h.defer(await scriptedServer(({ socket, accept }) => {
      socket.write(Buffer.concat([Buffer.from(accept, "latin1"), CLOSE_4000]));
      socket.once("data", () => clientReplied());
    }));
    const dropped = h.telemetry<FrameDroppedMessage>("parley:frame:dropped");
    const pid = await h.start({ url: srv.url, closeTimeout: 60_000 }, { hooks: { cast: (s) => ["push", ["text", "pushed"], s] } });
    await h.next("connect", pid);
    await replied;
    expect((await Parley.status(pid)).state).toBe("connected");
    const err = await Parley.sendFrame(pid, ["text", "too late"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotConnectedError);
    expect((err as NotConnectedError).state).toBe("closing");
    Parley.sendFrameAsync(pid, ["binary", Buffer.alloc(3)]);
    Parley.cast(pid, "push");
    await h.next("cast", pid);
    await Parley.status(pid);
    expect(dropped.filter((m) => m.pid === pid).map(({ type, size, why }) => ({ type, size, why }))).toEqual([
      { type: "binary", size: 3, why: "closing" },
      { type: "text", size: 6, why: "closing" },
    ]);
    expect(h.logs.errors()).toEqual([]);
  });

  it("an RST in the middle of a stream of waves: every frame is sent, rejected typed or dropped, counted exactly", async () => {
    const WAVES = 30;
    const WAVE = 40;
    // The server resets the connection once it has read a few kilobytes.
    const srv = h.defer(await scriptedServer(({ socket, accept }) => {
      socket.write(accept);
      let read = 0;
      socket.on("data", (chunk: Buffer) => {
        read += chunk.length;
        if (read > 4096 && !socket.destroyed) socket.resetAndDestroy();
      });
    }));
    const sent = h.telemetry<FrameMessage>("parley:frame:sent");
    const dropped = h.telemetry<FrameDroppedMessage>("parley:frame:dropped");
    const pid: Pid = await h.start({ url: srv.url });
    await h.next("connect", pid);
    const outcomes: unknown[] = [];
    // Each wave waits for the answers of the one before and lets I/O run (loopback writes complete
    // without it): the server reads, resets, and the reset lands somewhere in the middle.
    for (let w = 0; w < WAVES; w++) {
      await new Promise((resolve) => setImmediate(resolve));
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < WAVE; i++) {
        Parley.sendFrameAsync(pid, ["binary", Buffer.alloc(8)]);
        calls.push(Parley.sendFrame(pid, ["text", "sync"]).then(() => "ok", (e: unknown) => e));
      }
      outcomes.push(...(await Promise.all(calls)));
    }
    await h.next("disconnect", pid);
    await Parley.status(pid);
    const untyped = outcomes.filter((o) => o !== "ok" && !(o instanceof NotConnectedError));
    expect(untyped).toEqual([]);
    expect(outcomes.filter((o) => o !== "ok").length).toBeGreaterThan(0);
    const mine = <T extends { pid: Pid; type: string }>(list: T[], type: string): T[] => list.filter((m) => m.pid === pid && m.type === type);
    expect(mine(sent, "text")).toHaveLength(outcomes.filter((o) => o === "ok").length);
    expect(mine(sent, "binary").length + mine(dropped, "binary").length).toBe(WAVES * WAVE);
    expect(mine(dropped, "text")).toEqual([]);
  });
});
