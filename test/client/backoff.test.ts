import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../src/client/backoff.ts";

const lowest = () => 0;
const highest = () => 1 - Number.EPSILON;

/** The interval the formula allows, computed independently of the implementation's overflow guard. */
function bounds(n: number, baseDelay: number, maxDelay: number): [number, number] {
  const d = baseDelay === 0 ? 0 : Math.min(baseDelay * 2 ** n, maxDelay);
  const half = Math.max(Math.floor(d / 2), 1);
  return [half + 1, 2 * half];
}

describe("backoff", () => {
  describe("backoffDelay", () => {
    it("waits about baseDelay before the first retry", () => {
      expect(backoffDelay(0, 1000, 30_000, lowest)).toBe(501);
      expect(backoffDelay(0, 1000, 30_000, highest)).toBe(1000);
    });

    it("doubles the nominal delay with each retry", () => {
      expect(backoffDelay(1, 1000, 30_000, lowest)).toBe(1001);
      expect(backoffDelay(2, 1000, 30_000, highest)).toBe(4000);
    });

    it("caps the nominal delay at maxDelay", () => {
      expect(backoffDelay(10, 1000, 30_000, lowest)).toBe(15_001);
      expect(backoffDelay(10, 1000, 30_000, highest)).toBe(30_000);
    });

    it("stays finite when 2^n overflows", () => {
      expect(backoffDelay(5000, 1000, 30_000, highest)).toBe(30_000);
      expect(backoffDelay(5000, 0, 30_000, highest)).toBe(2);
    });

    it("waits at least 2 ms when the nominal delay is below 2", () => {
      expect(backoffDelay(0, 0, 0, lowest)).toBe(2);
      expect(backoffDelay(0, 1, 1, highest)).toBe(2);
    });

    it("keeps a stray random source inside the interval", () => {
      expect(backoffDelay(0, 1000, 30_000, () => 1)).toBe(1000);
      expect(backoffDelay(0, 1000, 30_000, () => 7)).toBe(1000);
      expect(backoffDelay(0, 1000, 30_000, () => -1)).toBe(501);
      expect(backoffDelay(0, 1000, 30_000, () => Number.NaN)).toBe(501);
    });

    it("uses Math.random by default", () => {
      const delay = backoffDelay(3, 100, 30_000);
      expect(delay).toBeGreaterThanOrEqual(401);
      expect(delay).toBeLessThanOrEqual(800);
    });

    it("throws RangeError for a negative or fractional retry number", () => {
      expect(() => backoffDelay(-1, 1000, 30_000)).toThrow(RangeError);
      expect(() => backoffDelay(1.5, 1000, 30_000)).toThrow(/^backoff retry number must be an integer ≥ 0, got 1\.5$/);
    });

    it("throws RangeError for a negative or non-finite baseDelay", () => {
      expect(() => backoffDelay(0, -1, 30_000)).toThrow(RangeError);
      expect(() => backoffDelay(0, Number.NaN, 30_000)).toThrow(/^backoff baseDelay must be a finite number ≥ 0, got NaN$/);
    });

    it("throws RangeError for a negative or non-finite maxDelay", () => {
      expect(() => backoffDelay(0, 1000, -5)).toThrow(RangeError);
      expect(() => backoffDelay(0, 1000, Infinity)).toThrow(/^backoff maxDelay must be a finite number ≥ 0, got Infinity$/);
    });

    const retry = fc.nat({ max: 5000 });
    const delay = fc.oneof(fc.nat({ max: 2_147_483_647 }), fc.double({ min: 0, max: 1e9, noNaN: true }));
    const draw = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

    it("property: always an integer inside [half + 1, 2 * half], never NaN", () => {
      fc.assert(
        fc.property(retry, delay, delay, draw, (n, a, b, r) => {
          const [baseDelay, maxDelay] = a <= b ? [a, b] : [b, a];
          const result = backoffDelay(n, baseDelay, maxDelay, () => r);
          const [low, high] = bounds(n, baseDelay, maxDelay);
          expect(Number.isSafeInteger(result)).toBe(true);
          expect(result).toBeGreaterThanOrEqual(low);
          expect(result).toBeLessThanOrEqual(high);
          expect(result).toBeLessThanOrEqual(Math.max(maxDelay, 2));
        }),
      );
    });

    it("property: the upper bound never shrinks as n grows", () => {
      fc.assert(
        fc.property(retry, delay, delay, (n, a, b) => {
          const [baseDelay, maxDelay] = a <= b ? [a, b] : [b, a];
          const now = backoffDelay(n, baseDelay, maxDelay, highest);
          const next = backoffDelay(n + 1, baseDelay, maxDelay, highest);
          expect(next).toBeGreaterThanOrEqual(now);
        }),
      );
    });

    it("property: every integer of the interval can be drawn", () => {
      fc.assert(
        fc.property(fc.nat({ max: 20 }), fc.integer({ min: 0, max: 5000 }), (n, baseDelay) => {
          const [low, high] = bounds(n, baseDelay, 30_000);
          const half = high - low + 1;
          for (const k of [0, Math.floor(half / 2), half - 1]) {
            expect(backoffDelay(n, baseDelay, 30_000, () => (k + 0.5) / half)).toBe(low + k);
          }
        }),
      );
    });
  });
});
