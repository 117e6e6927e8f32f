// Pull mode (API §9, active: false): frames wait in order for Parley.recv and Parley.stream,
// handleFrame is not called, pings are still answered, consumers share one work queue, the stream
// goes on across reconnects and ends when the client stops.
import { describe, expect, it } from "vitest";
import { ExitError, NoProcError, NotConnectedError, OptionsError, Parley, TimeoutError, type Frame } from "../../src/index.ts";
import { ClientHarness, useEchoHarness } from "../helpers/client.ts";
import type { TestServer } from "../helpers/ws-server.ts";

let h: ClientHarness;
let srv: TestServer;
useEchoHarness((harness, server) => ((h = harness), (srv = server)));

const text = (f: Frame): string => (f[0] === "text" ? f[1] : `<${f[0]}>`);

describe("pull mode", () => {
  describe("Parley.recv", () => {
    it("gives text, binary and pong frames in arrival order; handleFrame never runs; pings are still answered", async () => {
      const pid = await h.start({ url: srv.url, active: false });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "one"]);
      await Parley.sendFrame(pid, ["binary", Buffer.from([1, 2])]);
      await Parley.sendFrame(pid, ["text", "pong:p"]);
      await Parley.sendFrame(pid, ["text", "ping:x"]);
      await Parley.sendFrame(pid, ["text", "two"]);
      expect(await Parley.recv(pid)).toEqual(["text", "one"]);
      expect(await Parley.recv(pid)).toEqual(["binary", Buffer.from([1, 2])]);
      expect(await Parley.recv(pid)).toEqual(["pong", Buffer.from("p")]);
      expect(await Parley.recv(pid)).toEqual(["text", "two"]);
      expect((await srv.waitFor("pong")).data.toString()).toBe("x");
      await h.next("ping", pid);
      expect(h.pending("frame", pid)).toEqual([]);
    });

    it("waits for a frame that arrives later", async () => {
      const pid = await h.start({ url: srv.url, active: false });
      await h.next("connect", pid);
      const pending = Parley.recv(pid, 2000);
      await Parley.sendFrame(pid, ["text", "late"]);
      expect(await pending).toEqual(["text", "late"]);
    });

    it("rejects TimeoutError (operation Parley.recv) when nothing arrives in time; the connection stays", async () => {
      const pid = await h.start({ url: srv.url, active: false });
      await h.next("connect", pid);
      const err = await Parley.recv(pid, 30).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as TimeoutError).message).toBe("Parley.recv timed out after 30 ms");
      expect((err as TimeoutError).operation).toBe("Parley.recv");
      // A frame after the timeout is not lost to the timed-out caller: the next recv gets it.
      await Parley.sendFrame(pid, ["text", "after"]);
      expect(await Parley.recv(pid)).toEqual(["text", "after"]);
      expect((await Parley.status(pid)).state).toBe("connected");
    });

    it("rejects OptionsError for a bad timeout and for a client in active mode", async () => {
      const active = await h.start({ url: srv.url });
      await h.next("connect", active);
      const err = await Parley.recv(active, 100).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OptionsError);
      expect((err as OptionsError).message).toBe(
        "invalid active: expected false: Parley.recv and Parley.stream need a client started with active: false, got true",
      );
      await expect(Parley.recv(active, -1)).rejects.toThrow(OptionsError);
      const first = Parley.stream(active)[Symbol.asyncIterator]();
      await expect(first.next()).rejects.toThrow(OptionsError);
      expect((await Parley.status(active)).state).toBe("connected");
    });

    it("two consumers share one queue: each frame goes to whichever asked first", async () => {
      const pid = await h.start({ url: srv.url, active: false });
      await h.next("connect", pid);
      const a = Parley.recv(pid, 2000);
      const b = Parley.recv(pid, 2000);
      await Parley.sendFrame(pid, ["text", "first"]);
      await Parley.sendFrame(pid, ["text", "second"]);
      expect(await a).toEqual(["text", "first"]);
      expect(await b).toEqual(["text", "second"]);
    });

    it("down with no retry and nothing waiting: NotConnectedError; frames received before still come first", async () => {
      const pid = await h.start({ url: srv.url, active: false });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "kept"]);
      await srv.waitFor("message");
      // The echo is in the client before the close it asks for next.
      await Parley.sendFrame(pid, ["text", "close:1000"]);
      await h.next("disconnect", pid);
      expect(await Parley.recv(pid)).toEqual(["text", "kept"]);
      const err = await Parley.recv(pid).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotConnectedError);
      expect((err as NotConnectedError).state).toBe("disconnected");
    });

    it("a recv waiting while the client is down resolves with the new connection's first frame", async () => {
      const pid = await h.start({ url: srv.url, active: false, reconnect: { baseDelay: 20, maxDelay: 40 } });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "terminate"]);
      await h.next("disconnect", pid);
      const waiting = Parley.recv(pid, 3000);
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "new connection"]);
      expect(await waiting).toEqual(["text", "new connection"]);
    });

    it("the client stops: a waiting recv rejects ExitError with the reason", async () => {
      const pid = await h.start({ url: srv.url, active: false });
      await h.next("connect", pid);
      const waiting = Parley.recv(pid, Infinity);
      await Parley.stop(pid, "enough");
      const err = await waiting.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExitError);
      expect((err as ExitError).reason).toBe("enough");
    });
  });

  describe("Parley.stream", () => {
    it("yields every frame in order and ends when the client stops", async () => {
      const pid = await h.start({ url: srv.url, active: false });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "send-many:500"]);
      const seen: string[] = [];
      for await (const frame of Parley.stream(pid)) {
        seen.push(text(frame));
        if (seen.length === 500) void Parley.stop(pid);
      }
      expect(seen).toEqual(Array.from({ length: 500 }, (_, i) => String(i + 1)));
    });

    it("breaking out keeps the connection, and the frames it had fetched come next", async () => {
      const pid = await h.start({ url: srv.url, active: false });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "send-many:10"]);
      // All ten wait in the client before the stream asks, so its first batch holds them all.
      const ten = await Parley.recv(pid);
      expect(ten).toEqual(["text", "1"]);
      await Parley.sendFrame(pid, ["text", "marker"]);
      await srv.waitFor("message", (e) => e.frame.kind === "text" && e.frame.data === "marker");
      const first: string[] = [];
      for await (const frame of Parley.stream(pid)) {
        first.push(text(frame));
        if (first.length === 3) break;
      }
      expect(first).toEqual(["2", "3", "4"]);
      const rest: string[] = [];
      for await (const frame of Parley.stream(pid)) {
        rest.push(text(frame));
        if (text(frame) === "marker") break;
      }
      expect(rest).toEqual(["5", "6", "7", "8", "9", "10", "marker"]);
      expect((await Parley.status(pid)).state).toBe("connected");
    });

    it("a destination nobody answers to is a NoProcError from the loop", async () => {
      const loop = async (): Promise<void> => {
        for await (const _ of Parley.stream("nobody.pulls")) return;
      };
      await expect(loop()).rejects.toBeInstanceOf(NoProcError);
    });

    it("goes on across a reconnect: the new connection's frames follow", async () => {
      const pid = await h.start({ url: srv.url, active: false, reconnect: { baseDelay: 20, maxDelay: 40 } });
      await h.next("connect", pid);
      const seen: string[] = [];
      const done = (async () => {
        for await (const frame of Parley.stream(pid)) {
          seen.push(text(frame));
          if (seen.length === 2) return;
        }
      })();
      await Parley.sendFrame(pid, ["text", "before"]);
      await srv.waitFor("message");
      await Parley.sendFrame(pid, ["text", "terminate"]);
      await h.next("disconnect", pid);
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "after"]);
      await done;
      expect(seen).toEqual(["before", "after"]);
    });
  });
});
