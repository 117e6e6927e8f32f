import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RestartIntensity } from "../../src/supervisor/restart-intensity.ts";

/** OTP's add_restart, transcribed: keep the times still in the window, newest first, then count. */
class ReferenceModel {
  #restarts: number[] = [];
  constructor(
    readonly maxRestarts: number,
    readonly maxSeconds: number,
  ) {}
  record(now: number): boolean {
    const threshold = now - this.maxSeconds * 1000;
    const kept: number[] = [];
    for (const t of this.#restarts) {
      if (t < threshold) break;
      kept.push(t);
    }
    this.#restarts = [now, ...kept];
    return this.#restarts.length <= this.maxRestarts;
  }
  /** Restarts still in the window at `now`, newest first until the first outside it; only the newest maxRestarts are kept. */
  inWindow(now: number): number {
    const threshold = now - this.maxSeconds * 1000;
    let n = 0;
    for (const t of this.#restarts) {
      if (t < threshold) break;
      n++;
    }
    return Math.min(n, this.maxRestarts);
  }
}

const recordAll = (intensity: RestartIntensity, times: readonly number[]): boolean[] => times.map((t) => intensity.record(t));

describe("restart-intensity", () => {
  describe("RestartIntensity", () => {
    it("allows maxRestarts restarts in the window and refuses one more", () => {
      expect(recordAll(new RestartIntensity(3, 5), [0, 10, 20, 30])).toEqual([true, true, true, false]);
    });

    it("refuses any restart when maxRestarts is 0", () => {
      expect(new RestartIntensity(0, 5).record(0)).toBe(false);
    });

    it("forgets restarts that slid out of the window", () => {
      expect(recordAll(new RestartIntensity(3, 5), [0, 1000, 2000, 5001, 6002])).toEqual([true, true, true, true, true]);
    });

    it("still counts a restart exactly maxSeconds old, as OTP does", () => {
      expect(recordAll(new RestartIntensity(3, 5), [0, 0, 0, 5000])).toEqual([true, true, true, false]);
      expect(recordAll(new RestartIntensity(3, 5), [0, 0, 0, 5000.5])).toEqual([true, true, true, true]);
    });

    it("takes fractional windows in milliseconds", () => {
      expect(recordAll(new RestartIntensity(1, 0.25), [0, 250, 501])).toEqual([true, false, true]);
    });

    it("never forgets with an infinite window", () => {
      expect(recordAll(new RestartIntensity(2, Infinity), [0, 1e9, 1e12])).toEqual([true, true, false]);
    });

    it("grows past its initial capacity", () => {
      const results = recordAll(new RestartIntensity(20, 1), Array.from({ length: 21 }, () => 0));
      expect(results.slice(0, 20).every(Boolean)).toBe(true);
      expect(results[20]).toBe(false);
    });

    it("rejects a maxRestarts that is not a non-negative integer", () => {
      expect(() => new RestartIntensity(-1, 5)).toThrow(RangeError);
      expect(() => new RestartIntensity(1.5, 5)).toThrow(/^maxRestarts must be a non-negative integer, got 1\.5$/);
    });

    it("rejects a maxSeconds that is not positive", () => {
      expect(() => new RestartIntensity(3, 0)).toThrow(RangeError);
      expect(() => new RestartIntensity(3, NaN)).toThrow(/^maxSeconds must be a positive number, got NaN$/);
    });

    it("answers as OTP's add_restart over increasing timestamps", () => {
      // Multiples of 250 ms land restarts exactly on the window's edge, where OTP still counts them.
      const step = fc.oneof(
        fc.integer({ min: 0, max: 20 }).map((n) => n * 250),
        fc.integer({ min: 0, max: 3000 }),
        fc.double({ min: 0, max: 3000, noNaN: true }),
      );
      const deltas = fc.array(step, { maxLength: 60 });
      fc.assert(
        fc.property(fc.nat(12), fc.constantFrom(0.001, 0.5, 1, 2.5, 5, Infinity), fc.nat(1e9), deltas, (max, seconds, t0, steps) => {
          const intensity = new RestartIntensity(max, seconds);
          const model = new ReferenceModel(max, seconds);
          let now = t0;
          for (const step of steps) {
            now += step;
            expect(intensity.record(now)).toBe(model.record(now));
          }
        }),
      );
    });

    it("answers as OTP's add_restart even when the clock jumps back", () => {
      const times = fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 60 });
      fc.assert(
        fc.property(fc.nat(12), fc.constantFrom(1, 2, 5), times, (max, seconds, sequence) => {
          const intensity = new RestartIntensity(max, seconds);
          const model = new ReferenceModel(max, seconds);
          for (const now of sequence) expect(intensity.record(now)).toBe(model.record(now));
        }),
      );
    });

    it("inWindow counts the restarts still in the window without recording one", () => {
      const intensity = new RestartIntensity(3, 5);
      expect(intensity.inWindow(0)).toBe(0);
      recordAll(intensity, [0, 1000, 2000]);
      expect(intensity.inWindow(2000)).toBe(3);
      expect(intensity.inWindow(5500)).toBe(2);
      expect(intensity.inWindow(7001)).toBe(0);
      // Reading changed nothing: a fourth restart at 2000 is still one too many.
      expect(intensity.record(2000)).toBe(false);
    });

    it("inWindow agrees with OTP's count at any later time", () => {
      const times = fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 40 });
      fc.assert(
        fc.property(fc.nat(12), fc.constantFrom(1, 2, 5), times, fc.integer({ min: 0, max: 8000 }), (max, seconds, sequence, later) => {
          const intensity = new RestartIntensity(max, seconds);
          const model = new ReferenceModel(max, seconds);
          for (const now of sequence) {
            intensity.record(now);
            model.record(now);
            expect(intensity.inWindow(now + later)).toBe(model.inWindow(now + later));
          }
        }),
      );
    });
  });
});
