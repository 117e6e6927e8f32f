// Frames on the wire, both ways: text, binary, ping and pong; the automatic pong; frames that
// arrive with the 101 response; large frames; maxPayload; pushes from callbacks.
import { describe, expect, it } from "vitest";
import { Parley, send, type Frame } from "../../src/index.ts";
import { ClientHarness, useEchoHarness } from "../helpers/client.ts";
import { startServer, type TestServer } from "../helpers/ws-server.ts";

let h: ClientHarness;
let srv: TestServer;
useEchoHarness((harness, server) => ((h = harness), (srv = server)));

const text = (s: string): Frame => ["text", s];

describe("frames in and out", () => {
  describe("data frames", () => {
    it("sends and receives text as text and binary as binary", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "héllo ✓"]);
      expect((await h.next("frame", pid))[2]).toEqual(["text", "héllo ✓"]);
      await Parley.sendFrame(pid, ["binary", new Uint8Array([0, 1, 2, 255])]);
      const [, , frame] = await h.next("frame", pid);
      expect(frame[0]).toBe("binary");
      expect(Buffer.from(frame[1] as Uint8Array)).toEqual(Buffer.from([0, 1, 2, 255]));
      expect(srv.received.map((f) => f.kind)).toEqual(["text", "binary"]);
    });

    it("delivers many frames from the server in order", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "send-many:50"]);
      for (let i = 1; i <= 50; i++) expect((await h.next("frame", pid))[2]).toEqual(text(String(i)));
    });

    it("carries 100 KB frames both ways", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      const big = "y".repeat(100_000);
      await Parley.sendFrame(pid, ["text", big]);
      expect((await h.next("frame", pid))[2]).toEqual(["text", big]);
      await Parley.sendFrame(pid, ["text", "send-big:100000"]);
      const [, , frame] = await h.next("frame", pid);
      expect(frame[0]).toBe("binary");
      expect((frame[1] as Uint8Array).byteLength).toBe(100_000);
      expect(Buffer.from(frame[1] as Uint8Array).every((b) => b === 0x78)).toBe(true);
    });

    it("a frame sent in the same TCP write as the 101 response is not lost", async () => {
      const greeter = h.defer(await startServer({ greeting: "welcome" }));
      const pid = await h.start({ url: greeter.url });
      await h.next("connect", pid);
      expect((await h.next("frame", pid))[2]).toEqual(["text", "welcome"]);
      await Parley.sendFrame(pid, ["text", "and then"]);
      expect((await h.next("frame", pid))[2]).toEqual(["text", "and then"]);
    });

    it("a message over maxPayload closes with 1009 and reports an error", async () => {
      const pid = await h.start({ url: srv.url, maxPayload: 1000 });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "send-big:1000"]);
      expect((await h.next("frame", pid))[2][1]).toHaveLength(1000);
      await Parley.sendFrame(pid, ["text", "send-big:1001"]);
      const [, , reason] = await h.next("disconnect", pid);
      expect(reason).toMatchObject(["error", { code: "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" }]);
      expect((await srv.waitFor("close")).code).toBe(1009);
      expect(h.pending("frame", pid)).toEqual([]);
    });
  });

  describe("perMessageDeflate", () => {
    it("is off by default: no extension offered", async () => {
      const deflating = h.defer(await startServer({ perMessageDeflate: true }));
      const pid = await h.start({ url: deflating.url });
      const [, , info] = await h.next("connect", pid);
      expect((await deflating.waitFor("upgrade")).headers["sec-websocket-extensions"]).toBeUndefined();
      expect(info.headers["sec-websocket-extensions"]).toBeUndefined();
    });

    it("negotiates permessage-deflate when on, and frames still round-trip", async () => {
      const deflating = h.defer(await startServer({ perMessageDeflate: true }));
      const pid = await h.start({ url: deflating.url, perMessageDeflate: true });
      const [, , info] = await h.next("connect", pid);
      expect(info.headers["sec-websocket-extensions"]).toMatch(/^permessage-deflate/);
      const big = "compress me ".repeat(5000);
      await Parley.sendFrame(pid, ["text", big]);
      expect((await h.next("frame", pid))[2]).toEqual(["text", big]);
    });
  });

  describe("ping and pong", () => {
    it("answers a ping with a pong of the same payload before handlePing runs", async () => {
      const pid = await h.start(
        { url: srv.url },
        {
          hooks: {
            // The server saw the pong already: handlePing may even wait for it.
            ping: async (s, payload) => {
              await srv.waitFor("pong", (e) => e.data.toString() === Buffer.from(payload).toString(), 1000);
              return ["ok", s];
            },
          },
        },
      );
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "ping:are-you-there"]);
      const [, , payload] = await h.next("ping", pid);
      expect(Buffer.from(payload).toString()).toBe("are-you-there");
      expect((await srv.waitFor("pong")).data.toString()).toBe("are-you-there");
      await Parley.sendFrame(pid, ["text", "still alive"]);
      expect((await h.next("frame", pid))[2]).toEqual(["text", "still alive"]);
      // Pings never reach handleFrame.
      expect(h.pending("frame", pid)).toEqual([]);
    });

    it("sends pings; their pongs, and unsolicited pongs, go to handleFrame", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["ping", Buffer.from("p1")]);
      expect((await srv.waitFor("ping")).data.toString()).toBe("p1");
      const [, , pong] = await h.next("frame", pid);
      expect(pong[0]).toBe("pong");
      expect(Buffer.from(pong[1] as Uint8Array).toString()).toBe("p1");
      await Parley.sendFrame(pid, ["text", "pong:unasked"]);
      const [, , other] = await h.next("frame", pid);
      expect([other[0], Buffer.from(other[1] as Uint8Array).toString()]).toEqual(["pong", "unasked"]);
    });

    it("sends an unsolicited pong", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["pong", new Uint8Array([7])]);
      expect([...(await srv.waitFor("pong")).data]).toEqual([7]);
    });
  });

  describe("pushes from callbacks", () => {
    it("handleConnect, handleFrame, handlePing, handleInfo, handleCast and handleCall can push", async () => {
      const pid = await h.start(
        { url: srv.url },
        {
          hooks: {
            connect: (s) => ["push", text("from connect"), s],
            frame: (s, f) => (f[0] === "text" && f[1] === "echo me" ? ["push", text("from frame"), s] : ["ok", s]),
            ping: (s) => ["push", text("from ping"), s],
            info: (s) => ["push", text("from info"), s],
            cast: (s) => ["push", text("from cast"), s],
            call: (s) => ["push", text("from call"), s],
          },
        },
      );
      await srv.waitFor("message", (e) => e.frame.kind === "text" && e.frame.data === "from connect");
      await Parley.sendFrame(pid, text("echo me"));
      await srv.waitFor("message", (e) => e.frame.kind === "text" && e.frame.data === "from frame");
      await Parley.sendFrame(pid, text("ping:x"));
      await srv.waitFor("message", (e) => e.frame.kind === "text" && e.frame.data === "from ping");
      send(pid, "hello");
      await srv.waitFor("message", (e) => e.frame.kind === "text" && e.frame.data === "from info");
      Parley.cast(pid, "hello");
      await srv.waitFor("message", (e) => e.frame.kind === "text" && e.frame.data === "from cast");
      void Parley.call(pid, "hello", 200).catch(() => undefined);
      await srv.waitFor("message", (e) => e.frame.kind === "text" && e.frame.data === "from call");
    });

    it("an async callback's push goes out once its promise settles", async () => {
      const pid = await h.start(
        { url: srv.url },
        { hooks: { info: async (s, msg) => { await Promise.resolve(); return ["push", text(`async ${String(msg)}`), s]; } } },
      );
      await h.next("connect", pid);
      send(pid, "one");
      send(pid, "two");
      await srv.waitFor("message", (e) => e.frame.kind === "text" && e.frame.data === "async two");
      expect(srv.received.map((f) => (f.kind === "text" ? f.data : ""))).toEqual(["async one", "async two"]);
    });
  });
});
