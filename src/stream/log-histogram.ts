/**
 * A distribution in fixed memory, however many values go in: a 1,000,000-event
 * stream must not keep 1,000,000 durations. Values fall into buckets 0.1% wide
 * (geometrically), and a bucket reports the mean of what fell into it, so a
 * percentile is within 0.1% of the exact one, and exact for whole numbers
 * such as megabytes (one value per bucket). count, min, max, mean and stddev
 * are exact.
 */

/** Values below this share one bucket: 1 µs when the unit is ms. */
const SMALLEST = 0.001;
const LOG_GROWTH = Math.log(1.001);

export interface Distribution {
  count: number;
  min: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
  /** Population standard deviation (over every value, not a sample of them). */
  stddev: number | null;
}

interface Bucket {
  count: number;
  sum: number;
}

export class LogHistogram {
  readonly #buckets = new Map<number, Bucket>();
  #count = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;
  #mean = 0;
  /** Welford's running sum of squared deviations: no catastrophic cancellation over a million values. */
  #m2 = 0;

  get count(): number {
    return this.#count;
  }

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    const index = value < SMALLEST ? -1 : Math.floor(Math.log(value / SMALLEST) / LOG_GROWTH);
    const bucket = this.#buckets.get(index);
    if (bucket === undefined) this.#buckets.set(index, { count: 1, sum: value });
    else {
      bucket.count += 1;
      bucket.sum += value;
    }
    this.#count += 1;
    this.#min = Math.min(this.#min, value);
    this.#max = Math.max(this.#max, value);
    const delta = value - this.#mean;
    this.#mean += delta / this.#count;
    this.#m2 += delta * (value - this.#mean);
  }

  /** Nearest-rank percentile (the smallest value with at least p% of values at or below it), for each p in 0–100. */
  percentiles(ps: readonly number[]): (number | null)[] {
    if (this.#count === 0) return ps.map(() => null);
    const sorted = [...this.#buckets.entries()].sort((a, b) => a[0] - b[0]).map(([, bucket]) => bucket);
    return ps.map((p) => {
      const rank = Math.max(1, Math.ceil((p / 100) * this.#count));
      let seen = 0;
      for (const bucket of sorted) {
        seen += bucket.count;
        if (seen >= rank) return Math.min(this.#max, Math.max(this.#min, bucket.sum / bucket.count));
      }
      return this.#max;
    });
  }

  distribution(): Distribution {
    const [p50 = null, p90 = null, p99 = null] = this.percentiles([50, 90, 99]);
    const empty = this.#count === 0;
    return {
      count: this.#count,
      min: empty ? null : this.#min,
      p50,
      p90,
      p99,
      max: empty ? null : this.#max,
      mean: empty ? null : this.#mean,
      stddev: empty ? null : Math.sqrt(this.#m2 / this.#count),
    };
  }
}
