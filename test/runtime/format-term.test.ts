import { describe, expect, it } from "vitest";
import { formatTerm } from "../../src/runtime/format-term.ts";
import { Pid } from "../../src/runtime/process/pid.ts";

describe("format-term", () => {
  describe("formatTerm", () => {
    it("renders scalars", () => {
      expect([formatTerm("a"), formatTerm(1), formatTerm(true), formatTerm(null), formatTerm(undefined), formatTerm(2n)]).toEqual([
        '"a"',
        "1",
        "true",
        "null",
        "undefined",
        "2n",
      ]);
      expect(formatTerm(Symbol("s"))).toBe("Symbol(s)");
      expect(formatTerm(function named() {})).toBe("#Function<named>");
      expect(formatTerm(class Feed {})).toBe("Feed");
    });

    it("renders arrays, objects, maps and sets, with class names", () => {
      class Point {
        constructor(readonly x: number) {}
      }
      expect(formatTerm(["ok", { a: 1, "b-c": [2] }])).toBe('["ok", {a: 1, "b-c": [2]}]');
      expect(formatTerm(new Map([["k", 1]]))).toBe('Map{"k" => 1}');
      expect(formatTerm(new Set([1]))).toBe("Set{1}");
      expect(formatTerm(new Point(1))).toBe("Point {x: 1}");
    });

    it("uses a custom toString (pids) and renders errors and bytes briefly", () => {
      expect(formatTerm([new Pid(3)])).toBe("[#PID<0.3.0>]");
      expect(formatTerm(new TypeError("bad"))).toBe("TypeError: bad");
      expect(formatTerm(new Uint8Array(4))).toBe("<<4 bytes>>");
    });

    it("bounds depth, width and string length", () => {
      expect(formatTerm([[[[["deep"]]]]])).toBe("[[[[[…]]]]]");
      expect(formatTerm({ a: { b: { c: { d: { e: 1 } } } } })).toBe("{a: {b: {c: {d: {…}}}}}");
      expect(formatTerm([...Array(25).keys()])).toMatch(/, 19, … 5 more\]$/);
      expect(formatTerm("x".repeat(300))).toBe(JSON.stringify(`${"x".repeat(200)}…`));
    });

    it("never throws: cycles and hostile objects", () => {
      const cyclic: Record<string, unknown> = {};
      cyclic["self"] = cyclic;
      expect(formatTerm(cyclic)).toBe("{self: [Circular]}");
      const hostile = {
        get boom(): never {
          throw new Error("getter");
        },
      };
      expect(formatTerm(hostile)).toBe("<unprintable>");
    });
  });
});
