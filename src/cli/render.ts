/** How results reach stdout: the bare payload, or one JSON record with the metrics. */
import type { InvocationResult } from '../supervisor/index.js';
import type { BuildFacts } from './function-build.js';

/** The --json record; the stream mode adds its line number. Field names are part of emu's interface. */
export function toJsonRecord(result: InvocationResult): Record<string, unknown> {
  const { metrics } = result;
  return {
    requestId: result.requestId,
    status: result.status,
    ...(result.status === 'ok' ? { payload: result.payload } : { error: result.payload }),
    coldStart: metrics.coldStart,
    initDurationMs: round2(metrics.initDurationMs),
    durationMs: round2(metrics.durationMs),
    billedDurationMs: metrics.billedDurationMs,
    memorySizeMb: metrics.memorySizeMb,
    maxMemoryUsedMb: metrics.maxMemoryUsedMb ?? null,
    peakRssBytes: metrics.peakRssBytes ?? null,
    peakRssMethod: metrics.peakRssMethod,
    callerLatencyMs: round2(metrics.callerLatencyMs),
    // A streamed response only: time to first byte and the bytes it streamed.
    ...(metrics.bytesStreamed === undefined ? {} : { timeToFirstByteMs: round2(metrics.timeToFirstByteMs), bytesStreamed: metrics.bytesStreamed }),
  };
}

/** The build's own figures, beside (never inside) Init Duration: `build` in --json records and summaries. */
export function buildRecord(build: BuildFacts): { durationMs: number | null; cacheHit: boolean } {
  return { durationMs: round2(build.buildMs), cacheHit: build.cacheHit };
}

function round2(value: number | undefined): number | null {
  return value === undefined ? null : Math.round(value * 100) / 100;
}

/** Lambda writes multi-line messages as one record with \r separators; a terminal wants real line breaks. */
export function displayLog(chunk: Buffer): string {
  return chunk.toString('utf8').replace(/\r(?!\n)/g, '\n');
}
