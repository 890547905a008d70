/** The CI gates on one run: no invocation's peak RSS past a limit, warm p50 Duration under a limit. */
import type { BenchSample } from './bench-runner.js';
import type { BenchReport, MaxDurationGate, MaxMemoryGate, MemoryViolation } from './bench-schema.js';

const BYTES_PER_MB = 1024 * 1024;

/** Uses the exact peak in bytes where there is one (Max Memory Used is rounded up to whole MB). */
export function maxMemoryGate(samples: readonly BenchSample[], limitMb: number): MaxMemoryGate {
  const violations: MemoryViolation[] = [];
  let highest: number | null = null;
  for (const sample of samples) {
    const peakMb = sample.peakRssBytes !== undefined ? sample.peakRssBytes / BYTES_PER_MB : sample.maxMemoryUsedMb;
    if (peakMb === undefined) continue;
    highest = Math.max(highest ?? 0, peakMb);
    if (peakMb <= limitMb) continue;
    const { mode, run, line, requestId } = sample;
    violations.push({ mode, run, line, requestId, peakRssMb: round1(peakMb), overByMb: round1(peakMb - limitMb) });
  }
  violations.sort((a, b) => b.peakRssMb - a.peakRssMb);
  return { gate: 'max-memory', limitMb, passed: violations.length === 0, highestPeakRssMb: highest === null ? null : round1(highest), violations };
}

/** Warm p50 Duration; without a successful warm invocation there is nothing to pass, so it fails. */
export function maxDurationGate(report: BenchReport, limitMs: number): MaxDurationGate {
  const p50 = report.modes.warm?.durationMs.p50 ?? null;
  return { gate: 'max-duration', limitMs, passed: p50 !== null && p50 <= limitMs, warmDurationP50Ms: p50 };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
