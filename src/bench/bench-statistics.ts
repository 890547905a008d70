/**
 * Raw samples → the figures of a mode and the cold-start penalty. Percentiles
 * come from the stream mode's LogHistogram, prices from its AWS price table,
 * so that `emu bench` and `emu run --stream` never disagree on the arithmetic.
 */
import type { PricePerGbSecond } from '../measure/index.js';
import { billedSummary, LogHistogram, type Distribution } from '../stream/index.js';
import type { BenchSample, BenchSamples } from './bench-runner.js';
import type { ColdStartBreakdown, ColdStartPenalty, CostPerMillion, ModeReport } from './bench-schema.js';

/** AWS's request charge, USD per million requests, added to the duration cost. */
export const REQUEST_PRICE_PER_MILLION_USD = 0.2;

export function modeReport(samples: readonly BenchSample[], memorySizeMb: number, prices: PricePerGbSecond): ModeReport {
  const succeeded = samples.filter((sample) => sample.status === 'ok');
  const failedByErrorType: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.status === 'error') failedByErrorType[sample.errorType ?? 'Unknown'] = (failedByErrorType[sample.errorType ?? 'Unknown'] ?? 0) + 1;
  }
  const peaks = samples.flatMap((sample) => (sample.peakRssBytes === undefined ? [] : [sample.peakRssBytes]));
  const billed = distributionOf(samples.map((sample) => sample.billedDurationMs));
  const report: ModeReport = {
    invocations: samples.length,
    succeeded: succeeded.length,
    failed: samples.length - succeeded.length,
    failedByErrorType,
    coldStarts: samples.filter((sample) => sample.coldStart).length,
    initDurationMs: distributionOf(samples.flatMap((sample) => (sample.initDurationMs === undefined ? [] : [sample.initDurationMs]))),
    durationMs: distributionOf(succeeded.map((sample) => sample.durationMs)),
    callerLatencyMs: distributionOf(succeeded.map((sample) => sample.callerLatencyMs)),
    maxMemoryUsedMb: distributionOf(samples.flatMap((sample) => (sample.maxMemoryUsedMb === undefined ? [] : [sample.maxMemoryUsedMb]))),
    peakRssBytesMax: peaks.length === 0 ? null : Math.max(...peaks),
    billedDurationMs: billed,
    costPerMillionUsd: costPerMillion(billed.mean ?? 0, memorySizeMb, prices),
  };
  addStreamedFigures(report, succeeded);
  return report;
}

/** Time to first byte and bytes streamed, only for a function that streamed: a buffered one's report is unchanged. */
function addStreamedFigures(report: ModeReport, succeeded: readonly BenchSample[]): void {
  const streamed = succeeded.filter((sample) => sample.bytesStreamed !== undefined);
  if (streamed.length === 0) return;
  report.timeToFirstByteMs = distributionOf(streamed.flatMap((sample) => (sample.timeToFirstByteMs === undefined ? [] : [sample.timeToFirstByteMs])));
  report.bytesStreamed = distributionOf(streamed.map((sample) => sample.bytesStreamed as number));
}

/** Mean billed duration × memory × price per GB-second, a million times, plus the request charge. */
export function costPerMillion(meanBilledMs: number, memorySizeMb: number, prices: PricePerGbSecond): CostPerMillion {
  const perInvocation = billedSummary(meanBilledMs, { memorySizeMb, prices }).estimatedCostUsd;
  const perMillion = (usd: number): number => Number((usd * 1e6 + REQUEST_PRICE_PER_MILLION_USD).toPrecision(6));
  return {
    x86_64: perMillion(perInvocation.x86_64),
    arm64: perMillion(perInvocation.arm64),
    requestsUsd: REQUEST_PRICE_PER_MILLION_USD,
    pricePerGbSecondUsd: { ...prices },
  };
}

/** Needs both modes; the breakdown needs the references measured alongside. */
export function coldStartPenalty(cold: ModeReport, warm: ModeReport, references: BenchSamples['references']): ColdStartPenalty | undefined {
  const coldP50 = cold.callerLatencyMs.p50;
  const coldP99 = cold.callerLatencyMs.p99;
  const warmP50 = warm.callerLatencyMs.p50;
  const warmP99 = warm.callerLatencyMs.p99;
  if (coldP50 === null || coldP99 === null || warmP50 === null || warmP99 === null) return undefined;
  const breakdown = coldStartBreakdown(coldP50, cold.initDurationMs.p50, references);
  if (breakdown === undefined) return undefined;
  return { p50Ms: round(coldP50 - warmP50), p99Ms: round(coldP99 - warmP99), coldCallerLatencyP50Ms: round(coldP50), breakdown };
}

function coldStartBreakdown(coldP50: number, initP50: number | null, references: BenchSamples['references']): ColdStartBreakdown | undefined {
  const nodeStart = distributionOf(references.startMs);
  const noopInit = distributionOf(references.noopInitDurationMs);
  if (initP50 === null || nodeStart.p50 === null || noopInit.p50 === null || references.startCommand === undefined) return undefined;
  const parts = {
    nodeStart: nodeStart.p50,
    bootstrap: noopInit.p50 - nodeStart.p50,
    moduleLoad: initP50 - noopInit.p50,
    invocationAndOverhead: coldP50 - initP50,
  };
  const share = (ms: number): number => (coldP50 > 0 ? Number((ms / coldP50).toFixed(4)) : 0);
  return {
    startCommand: references.startCommand,
    nodeStartMs: round(parts.nodeStart),
    bootstrapMs: round(parts.bootstrap),
    moduleLoadMs: round(parts.moduleLoad),
    invocationAndOverheadMs: round(parts.invocationAndOverhead),
    shares: {
      nodeStart: share(parts.nodeStart),
      bootstrap: share(parts.bootstrap),
      moduleLoad: share(parts.moduleLoad),
      invocationAndOverhead: share(parts.invocationAndOverhead),
    },
    nodeStartSamplesMs: nodeStart,
    noopInitDurationMs: noopInit,
  };
}

export function distributionOf(values: readonly number[]): Distribution {
  const histogram = new LogHistogram();
  for (const value of values) histogram.add(value);
  const d = histogram.distribution();
  const r = (value: number | null): number | null => (value === null ? null : round(value));
  return { count: d.count, min: r(d.min), p50: r(d.p50), p90: r(d.p90), p99: r(d.p99), max: r(d.max), mean: r(d.mean), stddev: r(d.stddev) };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
