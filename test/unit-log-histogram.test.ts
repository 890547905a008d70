// The fixed-memory distribution behind every p50/p90/p99 emu prints (stream summary, bench).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LogHistogram } from '../src/stream/log-histogram.js';

const histogramOf = (values: readonly number[]): LogHistogram => {
  const histogram = new LogHistogram();
  for (const value of values) histogram.add(value);
  return histogram;
};

describe('LogHistogram', () => {
  test('empty: count 0 and every figure null', () => {
    const histogram = new LogHistogram();
    assert.deepEqual(histogram.distribution(), { count: 0, min: null, p50: null, p90: null, p99: null, max: null, mean: null, stddev: null });
    assert.deepEqual(histogram.percentiles([0, 50, 100]), [null, null, null]);
  });

  test('whole numbers 1..100: nearest-rank percentiles are exact, as are min, max, mean and the population stddev', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    const histogram = histogramOf(values);
    const d = histogram.distribution();
    assert.equal(histogram.count, 100);
    assert.deepEqual([d.count, d.min, d.p50, d.p90, d.p99, d.max, d.mean], [100, 1, 50, 90, 99, 100, 50.5]);
    assert.ok(Math.abs((d.stddev as number) - Math.sqrt((100 * 100 - 1) / 12)) < 1e-9, `stddev ${d.stddev}`);
    assert.deepEqual(histogram.percentiles([0, 1, 1.2, 100]), [1, 1, 2, 100], 'p0 is the smallest value; a rank of 1.2 rounds up to 2');
  });

  test('a single value is every percentile; its stddev is 0', () => {
    const d = histogramOf([42.5]).distribution();
    assert.deepEqual(d, { count: 1, min: 42.5, p50: 42.5, p90: 42.5, p99: 42.5, max: 42.5, mean: 42.5, stddev: 0 });
  });

  test('percentiles are within 0.1%: values closer than that share a bucket and report its mean', () => {
    assert.equal(histogramOf([1000, 1000.5]).percentiles([50])[0], 1000.25);
    assert.deepEqual(histogramOf([1000, 1002]).percentiles([50, 100]), [1000, 1002], '0.2% apart: two buckets');
    const d = histogramOf([1000, 1000.5, 2000]).distribution();
    assert.equal(d.p50, 1000.25);
    assert.equal(d.min, 1000, 'min and max stay exact');
    assert.equal(d.max, 2000);
  });

  test('values below 1 µs (in ms) share one bucket; zero and negative values are counted', () => {
    const shared = histogramOf([0.0001, 0.0005]).percentiles([50])[0] as number;
    assert.ok(Math.abs(shared - 0.0003) < 1e-15, `p50 ${shared}`);
    assert.equal(histogramOf([0.0005, 0.001]).percentiles([50])[0], 0.0005, '1 µs itself is in the first bucket above');
    assert.equal(histogramOf([0.0005, 0.0010015]).percentiles([50])[0], 0.0005, 'the bucket below 1 µs is apart from the first ones above');
    const d = histogramOf([0, 5, -1]).distribution();
    assert.deepEqual([d.count, d.min, d.max, d.mean], [3, -1, 5, 4 / 3]);
    assert.equal(d.p50, -0.5, '-1 and 0 share the bucket below 1 µs');
  });

  test('NaN and infinities are ignored', () => {
    const histogram = histogramOf([Number.NaN, 3, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    assert.deepEqual(histogram.distribution(), { count: 1, min: 3, p50: 3, p90: 3, p99: 3, max: 3, mean: 3, stddev: 0 });
  });

  test('mean and stddev stay exact over many values far from zero (no cancellation)', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => 1e9 + (i % 2 === 0 ? 1 : -1));
    const d = histogramOf(values).distribution();
    assert.equal(d.mean, 1e9);
    assert.ok(Math.abs((d.stddev as number) - 1) < 1e-6, `stddev ${d.stddev}`);
  });
});
