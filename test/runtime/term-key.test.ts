import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makePid } from "../../src/runtime/pid.ts";
import { termKey } from "../../src/runtime/term-key.ts";

/** JSON values compare as JSON does: -0 is 0. */
function normal(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

describe("term-key", () => {
  describe("termKey", () => {
    it("gives two JSON values the same key exactly when they are structurally equal", () => {
      fc.assert(
        fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
          expect(termKey(a) === termKey(b)).toBe(isDeepStrictEqual(normal(a), normal(b)));
        }),
        { numRuns: 500 },
      );
    });

    it("gives a value and its deep copy the same key", () => {
      fc.assert(
        fc.property(fc.jsonValue(), (a) => {
          expect(termKey(structuredClone(a))).toBe(termKey(a));
        }),
      );
    });

    it("ignores the order of object keys", () => {
      expect(termKey({ a: 1, b: [2, { c: 3, d: 4 }] })).toBe(termKey({ b: [2, { d: 4, c: 3 }], a: 1 }));
    });

    it("tells apart values that print alike", () => {
      const distinct = [1, "1", true, "true", null, "null", undefined, "undefined", [1], ["1"], { 0: 1 }, [], {}, [[]], [null], 1n, "1n", -1, [1, 2], [[1], 2]];
      const keys = distinct.map(termKey);
      expect(new Set(keys).size).toBe(distinct.length);
    });

    it("treats -0 as 0", () => {
      expect(termKey(-0)).toBe(termKey(0));
    });

    it("compares functions, class instances and pids by identity", () => {
      const f = (): void => undefined;
      const g = (): void => undefined;
      const pid = makePid();
      expect(termKey(f)).toBe(termKey(f));
      expect(termKey(f)).not.toBe(termKey(g));
      expect(termKey(pid)).toBe(termKey(pid));
      expect(termKey(pid)).not.toBe(termKey(makePid()));
      expect(termKey(["feed", pid])).toBe(termKey(["feed", pid]));
      expect(termKey(new Date(0))).not.toBe(termKey(new Date(0)));
    });

    it("treats an object without prototype like a plain object", () => {
      const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
      expect(termKey(bare)).toBe(termKey({ a: 1 }));
    });
  });
});
