// emu bench's figures from raw samples: counts, distributions, cost per million and the cold-start penalty.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BenchSample } from '../src/bench/bench-runner.js';
import { coldStartPenalty, costPerMillion, distributionOf, modeReport, REQUEST_PRICE_PER_MILLION_USD } from '../src/bench/bench-statistics.js';
import { AWS_PRICE_PER_GB_SECOND } from '../src/measure/pricing.js';

let nextLine = 0;
function sample(overrides: Partial<BenchSample> = {}): BenchSample {
  nextLine += 1;
  return {
    mode: 'warm',
    run: 1,
    line: nextLine,
    requestId: `r-${nextLine}`,
    status: 'ok',
    coldStart: false,
    durationMs: 10,
    billedDurationMs: 10,
    callerLatencyMs: 12,
    ...overrides,
  };
}

describe('distributionOf', () => {
  test('figures rounded to 3 decimals (µs when the unit is ms); an empty list gives nulls', () => {
    assert.deepEqual(distributionOf([1.23456, 2.34567]), { count: 2, min: 1.235, p50: 1.235, p90: 2.346, p99: 2.346, max: 2.346, mean: 1.79, stddev: 0.556 });
    assert.deepEqual(distributionOf([]), { count: 0, min: null, p50: null, p90: null, p99: null, max: null, mean: null, stddev: null });
  });
});

describe('modeReport', () => {
  test('counts: invocations, succeeded, failed by errorType (Unknown when none), cold starts', () => {
    const samples = [
      sample({ coldStart: true, initDurationMs: 100 }),
      sample(),
      sample({ status: 'error', errorType: 'Sandbox.Timedout' }),
      sample({ status: 'error', errorType: 'Sandbox.Timedout' }),
      sample({ status: 'error' }),
      sample({ status: 'error' }),
    ];
    const report = modeReport(samples, 128, AWS_PRICE_PER_GB_SECOND);
    assert.equal(report.invocations, 6);
    assert.equal(report.succeeded, 2);
    assert.equal(report.failed, 4);
    assert.deepEqual(report.failedByErrorType, { 'Sandbox.Timedout': 2, Unknown: 2 });
    assert.equal(report.coldStarts, 1);
  });

  test('timing covers successes only; init covers cold starts; billing covers every invocation', () => {
    const samples = [
      sample({ coldStart: true, initDurationMs: 150, durationMs: 20, callerLatencyMs: 200, billedDurationMs: 170 }),
      sample({ durationMs: 10, callerLatencyMs: 11, billedDurationMs: 10 }),
      sample({ status: 'error', errorType: 'Sandbox.Timedout', durationMs: 3000, callerLatencyMs: 3001, billedDurationMs: 3000 }),
    ];
    const report = modeReport(samples, 128, AWS_PRICE_PER_GB_SECOND);
    assert.deepEqual([report.durationMs.count, report.durationMs.max], [2, 20]);
    assert.deepEqual([report.callerLatencyMs.count, report.callerLatencyMs.max], [2, 200]);
    assert.deepEqual([report.initDurationMs.count, report.initDurationMs.p50], [1, 150]);
    assert.deepEqual([report.billedDurationMs.count, report.billedDurationMs.max, report.billedDurationMs.mean], [3, 3000, 1060]);
  });

  test('memory: Max Memory Used over the invocations that reported one; the largest peak RSS, or null', () => {
    const samples = [sample({ maxMemoryUsedMb: 60, peakRssBytes: 62_000_000 }), sample({ maxMemoryUsedMb: 70, peakRssBytes: 73_000_000 }), sample()];
    const report = modeReport(samples, 128, AWS_PRICE_PER_GB_SECOND);
    assert.deepEqual([report.maxMemoryUsedMb.count, report.maxMemoryUsedMb.min, report.maxMemoryUsedMb.max], [2, 60, 70]);
    assert.equal(report.peakRssBytesMax, 73_000_000);
    assert.equal(modeReport([sample()], 128, AWS_PRICE_PER_GB_SECOND).peakRssBytesMax, null);
  });

  test('cost per million from the mean billed duration and the memory size', () => {
    const report = modeReport([sample({ billedDurationMs: 50 }), sample({ billedDurationMs: 150 })], 1024, AWS_PRICE_PER_GB_SECOND);
    assert.deepEqual(report.costPerMillionUsd, costPerMillion(100, 1024, AWS_PRICE_PER_GB_SECOND));
    assert.equal(modeReport([], 128, AWS_PRICE_PER_GB_SECOND).costPerMillionUsd.x86_64, REQUEST_PRICE_PER_MILLION_USD, 'no invocation: the request charge only');
  });
});

describe('costPerMillion', () => {
  test('GB-seconds × price, a million times, plus $0.20 of requests, to 6 significant digits', () => {
    // 100 ms at 1024 MB = 0.1 GB-s per invocation.
    assert.deepEqual(costPerMillion(100, 1024, AWS_PRICE_PER_GB_SECOND), {
      x86_64: 1.86667,
      arm64: 1.53334,
      requestsUsd: 0.2,
      pricePerGbSecondUsd: { x86_64: 0.0000166667, arm64: 0.0000133334 },
    });
    assert.equal(costPerMillion(100, 512, { x86_64: 0.00001, arm64: 0 }).x86_64, 0.7);
    assert.equal(costPerMillion(100, 512, { x86_64: 0.00001, arm64: 0 }).arm64, 0.2);
  });

  test('the prices in the report are a copy, not the caller’s object', () => {
    const prices = { x86_64: 0.00001, arm64: 0.00001 };
    const cost = costPerMillion(1, 128, prices);
    prices.x86_64 = 1;
    assert.equal(cost.pricePerGbSecondUsd.x86_64, 0.00001);
  });
});

describe('coldStartPenalty', () => {
  const references = { startCommand: 'node -e 0', startMs: [40, 40, 40], noopInitDurationMs: [60, 60, 60] };
  const cold = modeReport(
    [150, 150, 300].map((callerLatencyMs) => sample({ mode: 'cold', coldStart: true, initDurationMs: 100, callerLatencyMs })),
    128,
    AWS_PRICE_PER_GB_SECOND,
  );
  const warm = modeReport([10, 10, 20].map((callerLatencyMs) => sample({ callerLatencyMs })), 128, AWS_PRICE_PER_GB_SECOND);

  test('p50 and p99 differences of caller latency, and the cold p50 split into node start, bootstrap, module load and the rest', () => {
    assert.deepEqual(coldStartPenalty(cold, warm, references), {
      p50Ms: 140,
      p99Ms: 280,
      coldCallerLatencyP50Ms: 150,
      breakdown: {
        startCommand: 'node -e 0',
        nodeStartMs: 40,
        bootstrapMs: 20,
        moduleLoadMs: 40,
        invocationAndOverheadMs: 50,
        shares: { nodeStart: 0.2667, bootstrap: 0.1333, moduleLoad: 0.2667, invocationAndOverhead: 0.3333 },
        nodeStartSamplesMs: distributionOf([40, 40, 40]),
        noopInitDurationMs: distributionOf([60, 60, 60]),
      },
    });
  });

  test('none without both modes, the cold init, or the references', () => {
    const empty = modeReport([], 128, AWS_PRICE_PER_GB_SECOND);
    assert.equal(coldStartPenalty(empty, warm, references), undefined);
    assert.equal(coldStartPenalty(cold, empty, references), undefined);
    assert.equal(coldStartPenalty(cold, warm, { startCommand: 'node -e 0', startMs: [], noopInitDurationMs: [60] }), undefined);
    assert.equal(coldStartPenalty(cold, warm, { startCommand: 'node -e 0', startMs: [40], noopInitDurationMs: [] }), undefined);
    assert.equal(coldStartPenalty(cold, warm, { startMs: [40], noopInitDurationMs: [60] }), undefined, 'a custom runtime has no bare start');
    const noInit = modeReport([sample({ mode: 'cold', coldStart: true, callerLatencyMs: 150 })], 128, AWS_PRICE_PER_GB_SECOND);
    assert.equal(coldStartPenalty(noInit, warm, references), undefined);
  });

  test('a cold p50 of 0 gives shares of 0, not NaN', () => {
    const instant = modeReport([sample({ mode: 'cold', coldStart: true, initDurationMs: 0, callerLatencyMs: 0 })], 128, AWS_PRICE_PER_GB_SECOND);
    const penalty = coldStartPenalty(instant, warm, references);
    assert.deepEqual(penalty?.breakdown.shares, { nodeStart: 0, bootstrap: 0, moduleLoad: 0, invocationAndOverhead: 0 });
  });
});
