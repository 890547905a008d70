/**
 * The numbers at the end of a stream. Counts cover every event; timing covers
 * only the invocations that succeeded, so that a few 3-second timeouts or
 * crashes cannot pass for slow successes. Pure: it returns data, the CLI
 * decides how it looks.
 */
import { ErrorTypes } from '../errors/catalogue.js';
import type { PricePerGbSecond } from '../measure/index.js';
import { LogHistogram, type Distribution } from './log-histogram.js';
import { recordErrorType, StreamErrorTypes, type StreamRecord } from './stream-record.js';

export interface SummaryContext {
  /** From the stream's start to its last record. */
  elapsedMs: number;
  memorySizeMb: number;
  prices: PricePerGbSecond;
  interrupted: boolean;
}

export interface BilledSummary {
  /** Every invocation that ran, failed ones included: AWS bills those too. Includes billed init. */
  durationMs: number;
  memorySizeMb: number;
  gbSeconds: number;
  pricePerGbSecondUsd: PricePerGbSecond;
  estimatedCostUsd: PricePerGbSecond;
}

export interface StreamSummaryReport {
  events: number;
  succeeded: number;
  failed: number;
  /** Every failed event under its errorType (AWS's, the handler's, or Emu.*), most frequent first. */
  failedByErrorType: Record<string, number>;
  timeouts: number;
  invalidLines: number;
  interruptedEvents: number;
  interrupted: boolean;
  elapsedMs: number;
  eventsPerSecond: number;
  /** Successful invocations only. */
  durationMs: Distribution;
  /** Every cold start that reported an init, failed or not. */
  initDurationMs: Distribution;
  /** Every invocation that reported a peak. */
  maxMemoryUsedMb: Distribution;
  /** Only when a function streamed its response: successful streamed invocations. */
  timeToFirstByteMs?: Distribution;
  bytesStreamed?: Distribution;
  billed: BilledSummary;
}

const MB_PER_GB = 1024;

export class StreamSummary {
  #events = 0;
  #succeeded = 0;
  readonly #failedByErrorType = new Map<string, number>();
  #billedMs = 0;
  readonly #duration = new LogHistogram();
  readonly #init = new LogHistogram();
  readonly #memory = new LogHistogram();
  readonly #firstByte = new LogHistogram();
  readonly #streamedBytes = new LogHistogram();

  get events(): number {
    return this.#events;
  }

  get failed(): number {
    return this.#events - this.#succeeded;
  }

  add(record: StreamRecord): void {
    this.#events += 1;
    const errorType = recordErrorType(record);
    if (errorType === undefined) this.#succeeded += 1;
    else this.#failedByErrorType.set(errorType, (this.#failedByErrorType.get(errorType) ?? 0) + 1);
    if (record.kind !== 'result') return;
    const { metrics } = record.result;
    this.#billedMs += metrics.billedDurationMs;
    if (errorType === undefined) this.#duration.add(metrics.durationMs);
    if (metrics.initDurationMs !== undefined) this.#init.add(metrics.initDurationMs);
    if (metrics.maxMemoryUsedMb !== undefined) this.#memory.add(metrics.maxMemoryUsedMb);
    if (errorType === undefined && metrics.timeToFirstByteMs !== undefined) this.#firstByte.add(metrics.timeToFirstByteMs);
    if (errorType === undefined && metrics.bytesStreamed !== undefined) this.#streamedBytes.add(metrics.bytesStreamed);
  }

  report(context: SummaryContext): StreamSummaryReport {
    const byType = [...this.#failedByErrorType.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const seconds = context.elapsedMs / 1000;
    const report: StreamSummaryReport = {
      events: this.#events,
      succeeded: this.#succeeded,
      failed: this.failed,
      failedByErrorType: Object.fromEntries(byType),
      timeouts: this.#failedByErrorType.get(ErrorTypes.timedOut) ?? 0,
      invalidLines: this.#failedByErrorType.get(StreamErrorTypes.invalidJson) ?? 0,
      interruptedEvents: this.#failedByErrorType.get(StreamErrorTypes.interrupted) ?? 0,
      interrupted: context.interrupted,
      elapsedMs: round(context.elapsedMs, 3),
      eventsPerSecond: seconds > 0 ? round(this.#events / seconds, 3) : 0,
      durationMs: rounded(this.#duration.distribution()),
      initDurationMs: rounded(this.#init.distribution()),
      maxMemoryUsedMb: rounded(this.#memory.distribution()),
      billed: billedSummary(this.#billedMs, context),
    };
    // A buffered function's summary is unchanged: these appear only when something streamed.
    if (this.#streamedBytes.count > 0) {
      report.timeToFirstByteMs = rounded(this.#firstByte.distribution());
      report.bytesStreamed = rounded(this.#streamedBytes.distribution());
    }
    return report;
  }
}

/** GB-seconds × price per GB-second, memory in AWS's GB of 1024 MB. */
export function billedSummary(billedMs: number, context: Pick<SummaryContext, 'memorySizeMb' | 'prices'>): BilledSummary {
  const gbSeconds = (billedMs / 1000) * (context.memorySizeMb / MB_PER_GB);
  return {
    durationMs: billedMs,
    memorySizeMb: context.memorySizeMb,
    gbSeconds: significant(gbSeconds),
    pricePerGbSecondUsd: { ...context.prices },
    estimatedCostUsd: { x86_64: significant(gbSeconds * context.prices.x86_64), arm64: significant(gbSeconds * context.prices.arm64) },
  };
}

function rounded(distribution: Distribution): Distribution {
  const r = (value: number | null): number | null => (value === null ? null : round(value, 3));
  const { count, min, p50, p90, p99, max, mean, stddev } = distribution;
  return { count, min: r(min), p50: r(p50), p90: r(p90), p99: r(p99), max: r(max), mean: r(mean), stddev: r(stddev) };
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** Costs are tiny fractions of a dollar: keep significant digits, not decimals, and no float noise. */
function significant(value: number): number {
  return Number(value.toPrecision(10));
}
