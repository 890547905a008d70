/**
 * The `emu bench --json` document, which is also the baseline file format.
 * Versioned: a change that breaks a reader bumps BENCH_SCHEMA_VERSION, and a
 * baseline of another version is refused rather than misread.
 * Documented for people in docs/bench-schema.md; keep the two in step.
 */
import type { PricePerGbSecond } from '../measure/index.js';
import type { Distribution } from '../stream/index.js';

export const BENCH_SCHEMA = 'emu-bench';
export const BENCH_SCHEMA_VERSION = 1;

export type BenchMode = 'cold' | 'warm';
export const BENCH_MODES: readonly BenchMode[] = ['cold', 'warm'];

/** What the figures were measured on: a baseline is only comparable with a run on the same function and events. */
export interface MeasuredOn {
  handler: string;
  /** The code folder relative to the working folder ("." for the working folder itself). */
  codeDir: string;
  /** sha256 (hex) of the events as sent, joined by "\n"; "{}" when none were given. */
  eventsSha256: string;
  eventCount: number;
  memorySizeMb: number;
  timeoutSeconds: number;
  /** process.version of the Node that ran the sandboxes, e.g. "v20.19.0". */
  node: string;
  platform: string;
  arch: string;
  /** ISO 8601, when the run finished. */
  date: string;
}

export interface CostPerMillion {
  /** USD per million invocations: mean billed duration × memory × price per GB-second, plus requestsUsd. */
  x86_64: number;
  arm64: number;
  /** AWS's request charge included in both figures: $0.20 per million. */
  requestsUsd: number;
  pricePerGbSecondUsd: PricePerGbSecond;
}

export interface ModeReport {
  invocations: number;
  succeeded: number;
  failed: number;
  failedByErrorType: Record<string, number>;
  /** Invocations that started a sandbox: all of them when cold, normally none when warm. */
  coldStarts: number;
  /** Cold starts only. */
  initDurationMs: Distribution;
  /** Successful invocations only. */
  durationMs: Distribution;
  /** Successful invocations, from asking to answer: spawn and init included when cold. */
  callerLatencyMs: Distribution;
  /** Every invocation that reported a peak, whole MB as AWS reports it. */
  maxMemoryUsedMb: Distribution;
  /** The largest peak RSS of any invocation, in bytes (null where none was measured). */
  peakRssBytesMax: number | null;
  billedDurationMs: Distribution;
  costPerMillionUsd: CostPerMillion;
  /** Only when the function streamed its response: from the event's delivery to the first streamed byte, successful invocations. */
  timeToFirstByteMs?: Distribution;
  /** Only when the function streamed its response: the bytes each successful invocation streamed. */
  bytesStreamed?: Distribution;
}

export interface ColdStartShares {
  nodeStart: number;
  bootstrap: number;
  moduleLoad: number;
  invocationAndOverhead: number;
}

/** Differences of medians, measured interleaved with the benchmark; they can come out slightly negative under noise. */
export interface ColdStartBreakdown {
  /** The bare interpreter start measured: `node -e 0` for a Node.js runtime, `python3.X -c pass` for Python. */
  startCommand: string;
  /** p50 of spawning startCommand with an empty environment until it exits (named for Node.js, its first runtime). */
  nodeStartMs: number;
  /** p50 Init Duration of a no-op handler, minus nodeStartMs. */
  bootstrapMs: number;
  /** p50 Init Duration of this handler, minus the no-op's. */
  moduleLoadMs: number;
  /** p50 cold caller latency minus p50 Init Duration of this handler: the invocation and emu's overhead. */
  invocationAndOverheadMs: number;
  /** Each part as a fraction (0-1) of the p50 cold caller latency. */
  shares: ColdStartShares;
  /** The reference measurements the parts come from. */
  nodeStartSamplesMs: Distribution;
  noopInitDurationMs: Distribution;
}

export interface ColdStartPenalty {
  /** p50 cold caller latency minus p50 warm caller latency. */
  p50Ms: number;
  /** p99 cold caller latency minus p99 warm caller latency. */
  p99Ms: number;
  coldCallerLatencyP50Ms: number;
  breakdown: ColdStartBreakdown;
}

export interface MemoryViolation {
  mode: BenchMode;
  /** 1-based. */
  run: number;
  /** The event's line in the events file (0 for the default {}). */
  line: number;
  requestId: string;
  peakRssMb: number;
  overByMb: number;
}

export interface MaxMemoryGate {
  gate: 'max-memory';
  limitMb: number;
  passed: boolean;
  /** The highest peak RSS of any invocation, MB (1 MB = 1,048,576 bytes). */
  highestPeakRssMb: number | null;
  violations: MemoryViolation[];
}

export interface MaxDurationGate {
  gate: 'max-duration';
  limitMs: number;
  passed: boolean;
  warmDurationP50Ms: number | null;
}

export interface BaselineComparison {
  metric: 'max-memory-used-mb' | 'warm-duration-p50-ms';
  mode: BenchMode;
  baseline: number | null;
  current: number | null;
  /** (current - baseline) / baseline × 100; null when either is missing or the baseline is 0. */
  changePct: number | null;
  tolerancePct: number;
  passed: boolean;
}

export interface BaselineGate {
  gate: 'baseline';
  file: string;
  passed: boolean;
  /** Differences in what the two were measured on that do not refuse the comparison (Node version, platform). */
  notes: string[];
  comparisons: BaselineComparison[];
}

export type GateResult = MaxMemoryGate | MaxDurationGate | BaselineGate;

export interface BuildFigures {
  durationMs: number;
  /** Nothing was compiled: every input was unchanged since the last build. */
  cacheHit: boolean;
}

export interface BenchReport {
  schema: typeof BENCH_SCHEMA;
  schemaVersion: typeof BENCH_SCHEMA_VERSION;
  measuredOn: MeasuredOn;
  /** Each event was invoked this many times in each mode. */
  runs: number;
  concurrency: number;
  /** Untimed invocations before measuring, per sandbox pool (not in any figure). */
  warmupInvocations: number;
  elapsedMs: number;
  modes: Partial<Record<BenchMode, ModeReport>>;
  /** Only when both modes were measured. */
  coldStartPenalty?: ColdStartPenalty;
  /** Only for a function emu built (TypeScript, Metadata BuildMethod esbuild): once, before any invocation, in no figure above. */
  build?: BuildFigures;
  /** Only when a gate was asked for. */
  gates?: GateResult[];
}
