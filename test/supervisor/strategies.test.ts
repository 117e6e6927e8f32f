import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Strategy } from "../../src/supervisor/strategies.ts";
import { affectedChildren, isNormalExit, shouldRestart } from "../../src/supervisor/strategies.ts";

const NORMAL: readonly unknown[] = ["normal", "shutdown", ["shutdown", "bye"], ["shutdown", { code: 1 }]];
const ABNORMAL: readonly unknown[] = ["killed", "kill", "noproc", new Error("boom"), ["shutdown"], ["shutdown", 1, 2], ["normal", 1], undefined, null];

describe("strategies", () => {
  describe("isNormalExit", () => {
    it.each(NORMAL.map((r) => [r]))("is true for %o", (reason) => {
      expect(isNormalExit(reason)).toBe(true);
    });

    it.each(ABNORMAL.map((r) => [r]))("is false for %o", (reason) => {
      expect(isNormalExit(reason)).toBe(false);
    });
  });

  describe("shouldRestart", () => {
    it("restarts a permanent child whatever the reason", () => {
      for (const reason of [...NORMAL, ...ABNORMAL]) expect(shouldRestart("permanent", reason)).toBe(true);
    });

    it("restarts a transient child only after an abnormal exit", () => {
      for (const reason of NORMAL) expect(shouldRestart("transient", reason)).toBe(false);
      for (const reason of ABNORMAL) expect(shouldRestart("transient", reason)).toBe(true);
    });

    it("never restarts a temporary child", () => {
      for (const reason of [...NORMAL, ...ABNORMAL]) expect(shouldRestart("temporary", reason)).toBe(false);
    });
  });

  describe("affectedChildren", () => {
    const children = ["a", "b", "c", "d"];

    it("touches only the failed child under one_for_one", () => {
      expect(affectedChildren("one_for_one", children, 2)).toEqual({ stop: [2], start: [2] });
    });

    it("stops every child in reverse order and starts them in order under one_for_all", () => {
      expect(affectedChildren("one_for_all", children, 2)).toEqual({ stop: [3, 2, 1, 0], start: [0, 1, 2, 3] });
    });

    it("stops and restarts the failed child and those after it under rest_for_one", () => {
      expect(affectedChildren("rest_for_one", children, 1)).toEqual({ stop: [3, 2, 1], start: [1, 2, 3] });
      expect(affectedChildren("rest_for_one", children, 3)).toEqual({ stop: [3], start: [3] });
    });

    it.each([[-1], [4], [1.5], [NaN]])("rejects failedIndex %s", (index) => {
      expect(() => affectedChildren("one_for_one", children, index)).toThrow(RangeError);
      expect(() => affectedChildren("one_for_one", children, index)).toThrow(
        new RegExp(`^failedIndex ${index} is not an index of a list of 4 children$`.replace(".", "\\.")),
      );
    });

    it("returns in-range, duplicate-free lists: stop is start reversed, and both hold the failed child", () => {
      const input = fc.integer({ min: 1, max: 50 }).chain((n) => fc.tuple(fc.constant(n), fc.nat(n - 1)));
      const strategy = fc.constantFrom<Strategy>("one_for_one", "one_for_all", "rest_for_one");
      fc.assert(
        fc.property(strategy, input, (s, [n, failed]) => {
          const { stop, start } = affectedChildren(s, Array.from({ length: n }), failed);
          expect(stop).toEqual([...start].reverse());
          expect(start).toContain(failed);
          expect(new Set(start).size).toBe(start.length);
          for (let i = 1; i < start.length; i++) expect(start[i]).toBe(start[i - 1]! + 1);
          const expected = s === "one_for_one" ? [failed, failed] : s === "one_for_all" ? [0, n - 1] : [failed, n - 1];
          expect([start[0], start[start.length - 1]]).toEqual(expected);
        }),
      );
    });
  });
});
