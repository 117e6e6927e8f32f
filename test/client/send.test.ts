// sendFrame and sendFrameAsync in every state, as the contract says: written when connected,
// queued while connecting (one queue, bounded by maxQueue), refused when disconnected or closing,
// and malformed frames refused without touching the connection.
import { describe, expect, it } from "vitest";
import {
  InvalidFrameError,
  NoProcError,
  NotConnectedError,
  Parley,
  QueueFullError,
  spawn,
  TimeoutError,
  send,
  type FrameDroppedMessage,
  type Frame,
  type Pid,
} from "../../src/index.ts";
import { ClientHarness, useEchoHarness } from "../helpers/client.ts";
import { startServer, startSilentServer, texts, type TestServer } from "../helpers/ws-server.ts";

let h: ClientHarness;
let srv: TestServer;
useEchoHarness((harness, server) => ((h = harness), (srv = server)));


describe("sending", () => {
  describe("sendFrame", () => {
    it("connected: resolves once the frame is written", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "one"]);
      await Parley.sendFrame(pid, ["binary", new Uint8Array([1])]);
      await srv.waitFor("message", (e) => e.frame.kind === "binary");
      expect(texts(srv)).toEqual(["one"]);
    });

    it("connecting: queued, counted in status().queued, written after handleConnect's push, in order", async () => {
      const slow = h.defer(await startServer({ upgradeDelay: 250 }));
      const pid = await h.start({ url: slow.url }, { hooks: { connect: (s) => ["push", ["text", "hello from connect"], s] } });
      const a = Parley.sendFrame(pid, ["text", "q1"]);
      Parley.sendFrameAsync(pid, ["text", "q2"]);
      const c = Parley.sendFrame(pid, ["text", "q3"]);
      expect(await Parley.status(pid)).toMatchObject({ state: "connecting", queued: 3 });
      await Promise.all([a, c]);
      await slow.waitFor("message", (e) => e.frame.kind === "text" && e.frame.data === "q3");
      expect(texts(slow)).toEqual(["hello from connect", "q1", "q2", "q3"]);
      expect(await Parley.status(pid)).toMatchObject({ state: "connected", queued: 0 });
    });

    it("connecting: rejects NotConnectedError once the attempt failed and no retry follows; queued async frames are dropped", async () => {
      const dropped = h.telemetry<FrameDroppedMessage>("parley:frame:dropped");
      const silent = h.defer(await startSilentServer());
      const pid = await h.start({ url: silent.url, connectTimeout: 100, reconnect: { baseDelay: 60_000 } });
      const pending = Parley.sendFrame(pid, ["text", "never"]).catch((e: unknown) => e);
      Parley.sendFrameAsync(pid, ["text", "never either"]);
      expect((await h.next("disconnect", pid))[2]).toBe("connect_timeout");
      // A retry is scheduled, so the frames wait for it (API §8a) until Parley.disconnect calls it off.
      await Parley.disconnect(pid);
      const err = await pending;
      expect(err).toBeInstanceOf(NotConnectedError);
      expect((err as NotConnectedError).state).toBe("connecting");
      expect(dropped.filter((m) => m.pid === pid)).toEqual([
        expect.objectContaining({ type: "text", size: 12, why: "connect_failed" }),
      ]);
      expect(await Parley.status(pid)).toMatchObject({ state: "disconnected", queued: 0 });
    });

    it("disconnected: rejects NotConnectedError with state \"disconnected\"", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      await Parley.disconnect(pid);
      const err = await Parley.sendFrame(pid, ["text", "late"]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotConnectedError);
      expect((err as NotConnectedError).state).toBe("disconnected");
      expect((err as Error).message).toBe("not connected: the client is disconnected");
    });

    it("closing: rejects NotConnectedError with state \"closing\"", async () => {
      const mute = h.defer(await startServer({ closeReply: false }));
      const pid = await h.start({ url: mute.url, closeTimeout: 60_000 });
      await h.next("connect", pid);
      const closing = Parley.disconnect(pid);
      const err = await Parley.sendFrame(pid, ["text", "too late"]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotConnectedError);
      expect((err as NotConnectedError).state).toBe("closing");
      await mute.close();
      await closing;
    });

    it("rejects QueueFullError beyond maxQueue; sendFrameAsync shares the bound and reports the drop", async () => {
      const dropped = h.telemetry<FrameDroppedMessage>("parley:frame:dropped");
      const slow = h.defer(await startServer({ upgradeDelay: 250 }));
      const pid = await h.start({ url: slow.url, maxQueue: 2 });
      const first = Parley.sendFrame(pid, ["text", "a"]);
      Parley.sendFrameAsync(pid, ["text", "b"]);
      const err = await Parley.sendFrame(pid, ["text", "c"]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QueueFullError);
      expect((err as Error).message).toBe("send queue full: 2 frames already wait for the connection");
      Parley.sendFrameAsync(pid, ["text", "d"]);
      expect(await Parley.status(pid)).toMatchObject({ queued: 2 });
      expect(dropped.filter((m) => m.pid === pid)).toEqual([expect.objectContaining({ type: "text", size: 1, why: "queue_full" })]);
      await first;
      await slow.waitFor("message", (e) => e.frame.kind === "text" && e.frame.data === "b");
      expect(texts(slow)).toEqual(["a", "b"]);
    });

    it("rejects InvalidFrameError for malformed frames and leaves the connection untouched", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      const bad: unknown[] = [
        ["text", 42],
        ["binary", "not bytes"],
        ["ping", new Uint8Array(126)],
        ["pong", "x"],
        ["close", new Uint8Array(0)],
        ["text"],
        ["text", "a", "b"],
        "text",
        null,
      ];
      for (const frame of bad) {
        const err = await Parley.sendFrame(pid, frame as Frame).catch((e: unknown) => e);
        expect(err, String(frame)).toBeInstanceOf(InvalidFrameError);
        expect((err as InvalidFrameError).frame).toBe(frame);
      }
      expect((await Parley.sendFrame(pid, ["ping", new Uint8Array(126)]).catch((e: unknown) => e) as Error).message).toBe(
        "invalid frame [\"ping\", <<126 bytes>>]: ping payload must be at most 125 bytes, got 126",
      );
      await Parley.sendFrame(pid, ["ping", new Uint8Array(125)]);
      await Parley.sendFrame(pid, ["text", "still fine"]);
      expect((await h.next("frame", pid, (e) => e[2][0] === "text"))[2]).toEqual(["text", "still fine"]);
      expect(h.pending("disconnect", pid)).toEqual([]);
      expect(await Parley.status(pid)).toMatchObject({ state: "connected" });
    });

    it("rejects TimeoutError when the frame waits longer than the timeout", async () => {
      const silent = h.defer(await startSilentServer());
      const pid = await h.start({ url: silent.url, connectTimeout: 60_000 });
      await expect(Parley.sendFrame(pid, ["text", "x"], { timeout: 30 })).rejects.toBeInstanceOf(TimeoutError);
    });

    it("rejects NoProcError for a name nobody holds", async () => {
      await expect(Parley.sendFrame("no-such-client", ["text", "x"])).rejects.toBeInstanceOf(NoProcError);
    });

    it("ten concurrent senders: every frame delivered, in each sender's order", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      const senders = 10;
      const each = 20;
      for (let s = 0; s < senders; s++) {
        spawn(async () => {
          for (let i = 0; i < each; i++) {
            if (i % 2 === 0) await Parley.sendFrame(pid, ["text", `${s}:${i}`]);
            else Parley.sendFrameAsync(pid, ["text", `${s}:${i}`]);
          }
          send(h.inbox.pid, ["sender-done", s]);
        });
      }
      for (let s = 0; s < senders; s++) await h.receive((m) => (Array.isArray(m) && m[0] === "sender-done" ? m : undefined));
      await srv.waitFor("message", () => srv.received.length === senders * each);
      const bySender = new Map<string, number[]>();
      for (const t of texts(srv)) {
        const [s, i] = t.split(":");
        bySender.set(s!, [...(bySender.get(s!) ?? []), Number(i)]);
      }
      expect(bySender.size).toBe(senders);
      for (const seq of bySender.values()) expect(seq).toEqual(Array.from({ length: each }, (_, i) => i));
    });
  });

  describe("sendFrameAsync", () => {
    it("writes at once when connected", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      Parley.sendFrameAsync(pid, ["text", "fire"]);
      Parley.sendFrameAsync(pid, ["text", "and forget"]);
      expect((await h.next("frame", pid))[2]).toEqual(["text", "fire"]);
      expect((await h.next("frame", pid))[2]).toEqual(["text", "and forget"]);
    });

    it("never throws; what it cannot deliver is reported on parley:frame:dropped", async () => {
      const dropped = h.telemetry<FrameDroppedMessage>("parley:frame:dropped");
      let pid: Pid | undefined;
      pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      expect(() => Parley.sendFrameAsync(pid!, ["text", 1] as unknown as Frame)).not.toThrow();
      expect(() => Parley.sendFrameAsync("nobody-at-all", ["text", "x"])).not.toThrow();
      expect(() => Parley.sendFrameAsync({ bogus: true } as never, ["text", "x"])).not.toThrow();
      // The invalid frame left the connection as it was.
      await Parley.sendFrame(pid, ["text", "fine"]);
      await h.next("frame", pid);
      await Parley.disconnect(pid);
      Parley.sendFrameAsync(pid, ["binary", new Uint8Array(3)]);
      await Parley.status(pid); // the cast was handled before this call
      expect(dropped.filter((m) => m.pid === pid).map((m) => [m.type, m.size, m.why])).toEqual([
        ["text", 0, "invalid_frame"],
        ["binary", 3, "not_connected"],
      ]);
    });

    it("closing: dropped with why \"closing\"", async () => {
      const dropped = h.telemetry<FrameDroppedMessage>("parley:frame:dropped");
      const mute = h.defer(await startServer({ closeReply: false }));
      const pid = await h.start({ url: mute.url, closeTimeout: 60_000 });
      await h.next("connect", pid);
      const closing = Parley.disconnect(pid);
      Parley.sendFrameAsync(pid, ["text", "bye"]);
      await Parley.status(pid);
      expect(dropped.filter((m) => m.pid === pid).map((m) => m.why)).toEqual(["closing"]);
      await mute.close();
      await closing;
    });
  });
});
