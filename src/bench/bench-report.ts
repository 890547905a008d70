/** Samples plus what they were measured on → the versioned report (also the baseline format). */
import type { PricePerGbSecond } from '../measure/index.js';
import type { BenchEvents } from './bench-events.js';
import type { BenchSamples } from './bench-runner.js';
import { BENCH_SCHEMA, BENCH_SCHEMA_VERSION, type BenchMode, type BenchReport, type BuildFigures, type MeasuredOn } from './bench-schema.js';
import { coldStartPenalty, modeReport } from './bench-statistics.js';

export interface ReportContext {
  handler: string;
  /** Relative to the working folder. */
  codeDir: string;
  events: BenchEvents;
  memorySizeMb: number;
  timeoutSeconds: number;
  runs: number;
  concurrency: number;
  modes: readonly BenchMode[];
  prices: PricePerGbSecond;
  /** Default: now. */
  date?: Date;
  /** The function's build, if emu built it. */
  build?: BuildFigures;
}

export function measuredOn(context: ReportContext): MeasuredOn {
  return {
    handler: context.handler,
    codeDir: context.codeDir,
    eventsSha256: context.events.sha256,
    eventCount: context.events.events.length,
    memorySizeMb: context.memorySizeMb,
    timeoutSeconds: context.timeoutSeconds,
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    date: (context.date ?? new Date()).toISOString(),
  };
}

export function buildBenchReport(samples: BenchSamples, context: ReportContext): BenchReport {
  const report: BenchReport = {
    schema: BENCH_SCHEMA,
    schemaVersion: BENCH_SCHEMA_VERSION,
    measuredOn: measuredOn(context),
    runs: context.runs,
    concurrency: context.concurrency,
    warmupInvocations: samples.warmupInvocations,
    elapsedMs: Math.round(samples.elapsedMs),
    modes: {},
  };
  for (const mode of context.modes) {
    const ofMode = samples.samples.filter((sample) => sample.mode === mode);
    report.modes[mode] = modeReport(ofMode, context.memorySizeMb, context.prices);
  }
  if (context.build !== undefined) report.build = { durationMs: Math.round(context.build.durationMs * 10) / 10, cacheHit: context.build.cacheHit };
  const { cold, warm } = report.modes;
  if (cold !== undefined && warm !== undefined) {
    const penalty = coldStartPenalty(cold, warm, samples.references);
    if (penalty !== undefined) report.coldStartPenalty = penalty;
  }
  return report;
}
