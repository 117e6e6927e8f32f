/**
 * Rates from counters: each sample gives a counter's current value, and the rate is its growth
 * over the last second of samples. Each series keeps a short history of its rates for a
 * sparkline. Series not sampled in a round (their process ended) are dropped by `sweep`.
 */

/** Samples a rate is measured over: 4 samples, one second at the Observer's pace. */
const WINDOW = 4;
/** Rates kept for a sparkline: 15 seconds at the Observer's pace. */
const HISTORY = 60;

interface Series {
  /** [time, count] of the last WINDOW + 1 samples, oldest first. */
  readonly samples: Array<readonly [number, number]>;
  readonly history: number[];
  round: number;
}

export class Rates {
  #series = new Map<string, Series>();
  #round = 0;

  /** Starts a sampling round; series not observed in it are dropped by `sweep`. */
  beginRound(): void {
    this.#round++;
  }

  /**
   * Records that counter `key` stood at `count` at `nowMs`; returns its rate per second (0 on its
   * first sample, and after a reset, which a restarted process's new counter would look like).
   */
  observe(key: string, count: number, nowMs: number): number {
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { samples: [], history: [], round: 0 };
      this.#series.set(key, series);
    }
    series.round = this.#round;
    const samples = series.samples;
    const last = samples[samples.length - 1];
    if (last !== undefined && count < last[1]) samples.length = 0;
    samples.push([nowMs, count]);
    if (samples.length > WINDOW + 1) samples.shift();
    const [t0, c0] = samples[0]!;
    const rate = nowMs > t0 ? ((count - c0) * 1000) / (nowMs - t0) : 0;
    series.history.push(rate);
    if (series.history.length > HISTORY) series.history.shift();
    return rate;
  }

  /** The recent rates of `key`, oldest first. */
  history(key: string): readonly number[] {
    return this.#series.get(key)?.history ?? [];
  }

  /** Drops the series not observed in this round. */
  sweep(): void {
    for (const [key, series] of this.#series) if (series.round !== this.#round) this.#series.delete(key);
  }
}
