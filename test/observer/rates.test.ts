import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Rates } from "../../src/observer/rates.ts";

/** Observes `counts` of one key at one sample every `stepMs`, and returns the rates. */
function observeAll(rates: Rates, counts: readonly number[], stepMs = 250): number[] {
  return counts.map((c, i) => {
    rates.beginRound();
    const r = rates.observe("k", c, i * stepMs);
    rates.sweep();
    return r;
  });
}

describe("Rates", () => {
  it("is 0 on the first sample, then the growth per second over the last second", () => {
    const rates = new Rates();
    // 10 per sample of 250 ms: 40 per second once the window is full.
    expect(observeAll(rates, [0, 10, 20, 30, 40, 50])).toEqual([0, 40, 40, 40, 40, 40]);
    expect(rates.history("k")).toEqual([0, 40, 40, 40, 40, 40]);
  });

  it("forgets the window when a counter goes back (a restarted process)", () => {
    const rates = new Rates();
    expect(observeAll(rates, [100, 200, 5, 15])).toEqual([0, 400, 0, 40]);
  });

  it("drops a series not observed in a round", () => {
    const rates = new Rates();
    rates.beginRound();
    rates.observe("gone", 5, 0);
    rates.sweep();
    rates.beginRound();
    rates.sweep();
    expect(rates.history("gone")).toEqual([]);
  });

  it("never reports a negative rate and keeps at most 60 rates of history", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1_000_000), { minLength: 1, maxLength: 200 }), (counts) => {
        const rates = new Rates();
        for (const r of observeAll(rates, counts)) expect(r).toBeGreaterThanOrEqual(0);
        expect(rates.history("k").length).toBe(Math.min(60, counts.length));
      }),
    );
  });

  it("averages a steady counter exactly, whatever the pace", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 2, max: 20 }), (perStep, stepMs, n) => {
        const counts = Array.from({ length: n }, (_, i) => i * perStep);
        const last = observeAll(new Rates(), counts, stepMs).at(-1)!;
        expect(last).toBeCloseTo((perStep * 1000) / stepMs, 6);
      }),
    );
  });
});
