import { Buffer } from "node:buffer";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidFrameError } from "../../src/client/errors.ts";
import { frameSize, isSendableCloseCode, validateCloseFrame, validateFrame, type Frame } from "../../src/client/frames.ts";
import { OptionsError } from "../../src/runtime/errors.ts";

// The rule ws applies when it sends a close frame (not exported by ws, hence the path).
const require = createRequire(import.meta.url);
const { isValidStatusCode } = require(join(dirname(require.resolve("ws")), "lib/validation.js")) as {
  isValidStatusCode: (code: number) => boolean;
};

function failure(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

const bytes = (n: number) => new Uint8Array(n);

const validFrame: fc.Arbitrary<Frame> = fc.oneof(
  fc.string({ unit: "binary" }).map((s): Frame => ["text", s]),
  fc.uint8Array({ maxLength: 300 }).map((b): Frame => ["binary", b]),
  fc.uint8Array({ maxLength: 125 }).map((b): Frame => ["ping", b]),
  fc.uint8Array({ maxLength: 125 }).map((b): Frame => ["pong", Buffer.from(b)]),
);

describe("frames", () => {
  describe("validateFrame", () => {
    it("returns each valid frame as the same reference", () => {
      for (const frame of [["text", "hi"], ["binary", bytes(3)], ["ping", bytes(0)], ["pong", bytes(125)]]) {
        expect(validateFrame(frame)).toBe(frame);
      }
    });

    it("accepts a Buffer payload", () => {
      const frame = ["binary", Buffer.from("abc")];
      expect(validateFrame(frame)).toBe(frame);
    });

    it("rejects a value that is not an array", () => {
      const err = failure(() => validateFrame("hello"));
      expect(err).toBeInstanceOf(InvalidFrameError);
      expect((err as InvalidFrameError).message).toMatch(/^invalid frame "hello": expected a \[type, payload\] array$/);
      expect((err as InvalidFrameError).frame).toBe("hello");
    });

    it("rejects an array of the wrong length", () => {
      expect(() => validateFrame(["text", "a", "b"])).toThrow(InvalidFrameError);
      expect(() => validateFrame(["text"])).toThrow(
        /^invalid frame \["text"\]: expected 2 elements \[type, payload\], got 1$/,
      );
    });

    it("rejects an unknown type", () => {
      expect(() => validateFrame(["close", "bye"])).toThrow(InvalidFrameError);
      expect(() => validateFrame(["close", "bye"])).toThrow(
        /^invalid frame \["close", "bye"\]: type must be "text", "binary", "ping" or "pong"$/,
      );
    });

    it("rejects a text payload that is not a string", () => {
      expect(() => validateFrame(["text", bytes(2)])).toThrow(InvalidFrameError);
      expect(() => validateFrame(["text", 42])).toThrow(/^invalid frame \["text", 42\]: text payload must be a string, got a number$/);
    });

    it("rejects a binary payload that is not a Uint8Array", () => {
      expect(() => validateFrame(["binary", "abc"])).toThrow(InvalidFrameError);
      expect(() => validateFrame(["binary", new ArrayBuffer(2)])).toThrow(
        /^invalid frame \["binary", <<2 bytes>>\]: binary payload must be a Uint8Array, got an ArrayBuffer$/,
      );
    });

    it("rejects a ping or pong payload that is not a Uint8Array, a string included", () => {
      expect(() => validateFrame(["ping", "abc"])).toThrow(InvalidFrameError);
      expect(() => validateFrame(["pong", null])).toThrow(/^invalid frame \["pong", null\]: pong payload must be a Uint8Array, got null$/);
    });

    it("rejects a ping or pong payload over 125 bytes", () => {
      expect(() => validateFrame(["pong", bytes(126)])).toThrow(InvalidFrameError);
      expect(() => validateFrame(["ping", bytes(126)])).toThrow(
        /^invalid frame \["ping", <<126 bytes>>\]: ping payload must be at most 125 bytes, got 126$/,
      );
    });

    it("property: every valid frame passes unchanged", () => {
      fc.assert(
        fc.property(validFrame, (frame) => {
          expect(validateFrame(frame)).toBe(frame);
        }),
      );
    });

    it("property: any value either passes as is or throws InvalidFrameError", () => {
      const candidate = fc.oneof(
        fc.anything(),
        fc.tuple(fc.constantFrom("text", "binary", "ping", "pong", "close"), fc.anything()),
        fc.tuple(fc.constantFrom("ping", "pong", "binary"), fc.uint8Array({ maxLength: 200 })),
      );
      fc.assert(
        fc.property(candidate, (value) => {
          try {
            expect(validateFrame(value)).toBe(value);
          } catch (err) {
            expect(err).toBeInstanceOf(InvalidFrameError);
            expect((err as InvalidFrameError).frame).toBe(value);
          }
        }),
      );
    });
  });

  describe("frameSize", () => {
    it("counts UTF-8 bytes of a text payload", () => {
      expect(frameSize(["text", "abc"])).toBe(3);
      expect(frameSize(["text", "é€😀"])).toBe(2 + 3 + 4);
    });

    it("counts the bytes of other payloads", () => {
      expect(frameSize(["binary", bytes(7)])).toBe(7);
      expect(frameSize(["ping", new Uint8Array(new ArrayBuffer(10), 2, 3)])).toBe(3);
    });

    it("property: equals the length of the encoded payload", () => {
      fc.assert(
        fc.property(validFrame, (frame) => {
          const encoded = frame[0] === "text" ? Buffer.from(frame[1], "utf8") : frame[1];
          expect(frameSize(frame)).toBe(encoded.byteLength);
        }),
      );
    });
  });

  describe("validateCloseFrame", () => {
    it("defaults to a normal closure with no reason", () => {
      expect(validateCloseFrame()).toEqual([1000, ""]);
      expect(validateCloseFrame(undefined, undefined)).toEqual([1000, ""]);
    });

    it("accepts the sendable registered codes and the 3000–4999 range", () => {
      for (const code of [1000, 1001, 1003, 1007, 1014, 3000, 4999]) expect(validateCloseFrame(code, "bye")).toEqual([code, "bye"]);
    });

    it("accepts a reason of exactly 123 UTF-8 bytes", () => {
      expect(validateCloseFrame(1000, "é".repeat(61) + "a")).toEqual([1000, "é".repeat(61) + "a"]);
    });

    it("rejects a reserved, out-of-range, fractional or non-number code", () => {
      for (const code of [999, 1004, 1005, 1006, 1015, 2999, 5000, 1000.5, "1000"]) {
        expect(() => validateCloseFrame(code)).toThrow(OptionsError);
      }
      expect(() => validateCloseFrame(1006)).toThrow(
        /^invalid code: expected an integer close code: 1000, 1001–1003, 1007–1014 or 3000–4999, got 1006$/,
      );
    });

    it("rejects a reason over 123 UTF-8 bytes", () => {
      expect(() => validateCloseFrame(1000, "é".repeat(62))).toThrow(OptionsError);
      expect(() => validateCloseFrame(1000, "x".repeat(124))).toThrow(
        /^invalid reason: expected a string of at most 123 UTF-8 bytes, got "x{124}"$/,
      );
    });

    it("rejects a reason that is not a string", () => {
      expect(() => validateCloseFrame(1000, 42)).toThrow(OptionsError);
      expect(() => validateCloseFrame(1000, null)).toThrow(/^invalid reason: expected a string of at most 123 UTF-8 bytes, got null$/);
    });

    it("property: agrees with the rule ws enforces", () => {
      fc.assert(
        fc.property(fc.integer({ min: -10, max: 6000 }), (code) => {
          expect(isSendableCloseCode(code)).toBe(isValidStatusCode(code));
        }),
      );
    });
  });
});
