// Codecs (API §9): with `codec`, handleFrame, pushes, Parley.send and pull mode deal in values;
// a frame that does not decode closes with 1007 and handleDisconnect gets ["error", DecodeError];
// an encode that throws rejects the send and leaves the connection untouched.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  BadReturnError,
  codecs,
  DecodeError,
  InvalidFrameError,
  OptionsError,
  Parley,
  type Codec,
  type Frame,
  type JsonValue,
} from "../../src/index.ts";
import { ClientHarness, useEchoHarness } from "../helpers/client.ts";
import { texts, type TestServer } from "../helpers/ws-server.ts";

let h: ClientHarness;
let srv: TestServer;
useEchoHarness((harness, server) => ((h = harness), (srv = server)));


describe("codecs", () => {
  describe("codecs.json", () => {
    it("encodes with JSON.stringify into text frames and decodes text frames with JSON.parse", () => {
      fc.assert(
        fc.property(fc.jsonValue(), (v) => {
          const frame = codecs.json.encode(v);
          expect(frame[0]).toBe("text");
          expect(codecs.json.decode(frame as readonly ["text", string])).toEqual(JSON.parse(JSON.stringify(v)));
        }),
      );
    });

    it("refuses a binary frame", () => {
      expect(() => codecs.json.decode(["binary", new Uint8Array([1])])).toThrow("codecs.json decodes text frames only, got a binary frame");
    });
  });

  describe("with a codec", () => {
    it("handleFrame gets decoded values, pushes and Parley.send take values; pongs stay frames", async () => {
      const pid = await h.start({ url: srv.url, codec: codecs.json }, {
        hooks: {
          frame: (s, v) => ((v as { n?: number }).n === 1 ? ["push", { got: v } as never, s] : ["ok", s]),
        },
      });
      await h.next("connect", pid);
      await Parley.send(pid, { n: 1 });
      expect((await h.next("frame", pid))[2]).toEqual({ n: 1 });
      // The push's { got: ... } came back as an echo, decoded too.
      expect((await h.next("frame", pid))[2]).toEqual({ got: { n: 1 } });
      await Parley.sendFrame(pid, ["text", "pong:p"]);
      expect((await h.next("frame", pid))[2]).toEqual(["pong", Buffer.from("p")]);
      expect(texts(srv).slice(0, 2)).toEqual(['{"n":1}', '{"got":{"n":1}}']);
    });

    it("pull mode yields decoded values", async () => {
      const pid = await h.start({ url: srv.url, codec: codecs.json, active: false });
      await h.next("connect", pid);
      await Parley.send(pid, [1, "two"]);
      expect(await Parley.recv<JsonValue>(pid)).toEqual([1, "two"]);
    });

    it("a frame that does not decode: close 1007, handleDisconnect gets ['error', DecodeError] with the frame", async () => {
      const pid = await h.start({ url: srv.url, codec: codecs.json });
      await h.next("connect", pid);
      await Parley.sendFrame(pid, ["text", "not json"]);
      const [, , reason] = await h.next("disconnect", pid);
      const err = (reason as [string, DecodeError])[1];
      expect((reason as unknown[])[0]).toBe("error");
      expect(err).toBeInstanceOf(DecodeError);
      expect(err.name).toBe("DecodeError");
      expect(err.code).toBe("ERR_DECODE");
      expect(err.frame).toEqual(["text", "not json"]);
      expect(err.cause).toBeInstanceOf(SyntaxError);
      expect(err.message).toMatch(/^cannot decode text frame "not json": SyntaxError: Unexpected token/);
      expect((await srv.waitFor("close")).code).toBe(1007);
      expect(h.pending("frame", pid)).toEqual([]);
    });

    it("a DecodeError shows at most 1 KiB of a big frame", async () => {
      const big = "x".repeat(100_000);
      const err = new DecodeError(["text", big], new Error("y".repeat(5000)));
      expect(err.message.length).toBeLessThan(2 * 1024 + 200);
      expect(err.message).toContain("… (100000 bytes)");
      expect(err.frame[1]).toBe(big);
      const bin = new DecodeError(["binary", Buffer.alloc(4096, 0xab)], "bad");
      expect(bin.message).toBe(`cannot decode binary frame <${"ab".repeat(512)}>… (4096 bytes): "bad"`);
    });

    it("in pull mode too: the frame that does not decode closes with 1007; the frames before it still come", async () => {
      const pid = await h.start({ url: srv.url, codec: codecs.json, active: false });
      await h.next("connect", pid);
      await Parley.send(pid, "fine");
      await Parley.sendFrame(pid, ["binary", Buffer.from([0])]);
      const [, , reason] = await h.next("disconnect", pid);
      expect((reason as [string, DecodeError])[1]).toBeInstanceOf(DecodeError);
      expect(await Parley.recv(pid)).toBe("fine");
      expect((await srv.waitFor("close")).code).toBe(1007);
    });

    it("an encode that throws rejects send with its error; the connection is untouched", async () => {
      const pid = await h.start({ url: srv.url, codec: codecs.json });
      await h.next("connect", pid);
      const cycle: Record<string, unknown> = {};
      cycle["self"] = cycle;
      await expect(Parley.send(pid, cycle)).rejects.toThrow(/circular structure/);
      await expect(Parley.send(pid, 10n)).rejects.toThrow(TypeError);
      const err = await Parley.send(pid, undefined).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidFrameError);
      await Parley.send(pid, "still here");
      expect((await h.next("frame", pid))[2]).toBe("still here");
      expect((await Parley.status(pid)).state).toBe("connected");
      expect(srv.events.filter((e) => e.type === "close")).toEqual([]);
    });

    it("a push whose encode throws crashes the client with a BadReturnError naming the callback", async () => {
      const throwing: Codec<unknown, unknown> = {
        encode: () => {
          throw new Error("no");
        },
        decode: (f) => f,
      };
      const pid = await h.start({ url: srv.url, codec: throwing }, { hooks: { connect: (s) => ["push", "x" as never, s] } });
      const reason = await h.exitReason(pid);
      expect(reason).toBeInstanceOf(BadReturnError);
      expect((reason as BadReturnError).callback).toBe("handleConnect");
    });

    it("without a codec, Parley.send is sendFrame", async () => {
      const pid = await h.start({ url: srv.url });
      await h.next("connect", pid);
      await Parley.send<Frame>(pid, ["text", "plain"]);
      expect((await h.next("frame", pid))[2]).toEqual(["text", "plain"]);
      await expect(Parley.send(pid, "not a frame")).rejects.toThrow(InvalidFrameError);
    });

    it("a codec option that is not an encoder and decoder is an OptionsError", async () => {
      for (const codec of [null, {}, { encode: () => ["text", ""] }, "json"]) {
        const err = await Parley.start(class extends Parley {}, null, { url: srv.url, codec: codec as never }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(OptionsError);
        expect((err as OptionsError).option).toBe("codec");
      }
      const hostile = { get encode(): never { throw new Error("fights back"); }, decode: () => null };
      const err = await Parley.start(class extends Parley {}, null, { url: srv.url, codec: hostile }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OptionsError);
      expect((err as OptionsError).message).toMatch(/^invalid codec: expected a value whose properties can be read/);
    });
  });
});
