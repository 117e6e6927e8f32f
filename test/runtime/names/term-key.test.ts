import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makePid, Pid } from "../../../src/runtime/process/pid.ts";
import { termKey } from "../../../src/runtime/names/term-key.ts";

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
  describe("termKey, as child ids use it", () => {
    it("compares arrays and plain objects structurally", () => {
      expect(termKey(["feed", "btc"])).toBe(termKey(["feed", "btc"]));
      expect(termKey({ a: 1, b: [true, null] })).toBe(termKey({ b: [true, null], a: 1 }));
      expect(termKey(["feed", "btc"])).not.toBe(termKey(["feed", "eth"]));
    });

    it("keeps values of different types apart", () => {
      const keys = ["1", 1, true, "true", null, "null", [], {}, [1], ["1"], [[1]], 1n, undefined].map(termKey);
      expect(new Set(keys).size).toBe(keys.length);
    });

    it("treats -0 as 0 and NaN as NaN", () => {
      expect(termKey(-0)).toBe(termKey(0));
      expect(termKey([NaN])).toBe(termKey([NaN]));
    });

    it("compares modules, class instances and symbols by identity", () => {
      const makeModule = () => class Worker {};
      expect(termKey(Worker)).toBe(termKey(Worker));
      expect(termKey(makeModule())).not.toBe(termKey(makeModule()));
      expect(termKey(new Date(0))).not.toBe(termKey(new Date(0)));
      expect(termKey(Symbol("a"))).not.toBe(termKey(Symbol("a")));
      expect(termKey(Symbol.for("a"))).toBe(termKey(Symbol.for("a")));
    });

    it("compares pids by process", () => {
      expect(termKey(["conn", new Pid(7)])).toBe(termKey(["conn", new Pid(7)]));
      expect(termKey(new Pid(7))).not.toBe(termKey(new Pid(8)));
    });

    it("survives cyclic and very deep values", () => {
      const cyclic: unknown[] = ["a"];
      cyclic.push(cyclic);
      expect(termKey(cyclic)).toBe(termKey(cyclic));
      let deep: unknown = 0;
      for (let i = 0; i < 10_000; i++) deep = [deep];
      expect(typeof termKey(deep)).toBe("string");
    });

    it("gives two JSON-like terms the same key exactly when they are equal", () => {
      fc.assert(
        fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
          expect(termKey(a)).toBe(termKey(structuredClone(a)));
          expect(termKey(a) === termKey(b)).toBe(termEqual(a, b));
        }),
      );
    });
  });
});

class Worker {}

function termEqual(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => termEqual(x, b[i]));
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).sort();
  const kb = Object.keys(rb).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && termEqual(ra[k], rb[k]));
}
