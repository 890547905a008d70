/**
 * `emu bench --remote`: each event `runs` times against a deployed function.
 * Warm: invocations on the environments the service keeps (one warm-up
 * first, not counted). Cold: a configuration bump before each invocation, so
 * that it lands on a fresh environment; its REPORT must then carry an Init
 * Duration, or the sample says it was warm after all. Modes are interleaved
 * per run, as locally. Samples have the local bench's shape; the figures are
 * the service's REPORT lines.
 */
import type { BenchMode, BenchProgress, BenchSample, BenchSamples } from '../bench/index.js';
import type { InvocationResult } from '../supervisor/index.js';
import type { ColdStartForcer } from './cold-start-forcer.js';
import type { RemoteInvoker } from './remote-invoker.js';
import { monotonicMs } from '../measure/clock.js';

export type RemoteBenchMode = BenchMode;

export interface RemoteBenchPlan {
  invoker: RemoteInvoker;
  /** Required when modes include cold. */
  forcer?: ColdStartForcer;
  events: ReadonlyArray<{ line: number; json: string }>;
  runs: number;
  modes: readonly RemoteBenchMode[];
  concurrency: number;
  signal?: AbortSignal;
  onProgress?: (progress: BenchProgress) => void;
  onWarning?: (message: string) => void;
}

/** The local bench's sample and samples: the report, gates and baselines read them alike. */
export type RemoteBenchSample = BenchSample;
export type RemoteBenchSamples = BenchSamples;

export async function runRemoteBench(plan: RemoteBenchPlan): Promise<RemoteBenchSamples> {
  const startedAt = monotonicMs();
  const result: RemoteBenchSamples = { samples: [], references: { startMs: [], noopInitDurationMs: [] }, warmupInvocations: 0, elapsedMs: 0, interrupted: false };
  const total = plan.runs * plan.events.length * plan.modes.length;
  const progress = (): void => plan.onProgress?.({ done: result.samples.length, total, failed: result.samples.filter((sample) => sample.status === 'error').length });
  let warmedUp = false;
  for (let run = 1; run <= plan.runs && !plan.signal?.aborted; run += 1) {
    for (const mode of run % 2 === 1 ? plan.modes : [...plan.modes].reverse()) {
      if (plan.signal?.aborted) break;
      if (mode === 'cold') await runCold(plan, run, result, progress);
      else {
        if (!warmedUp) await warmUp(plan, result);
        warmedUp = true;
        await runWarm(plan, run, result, progress);
      }
    }
  }
  result.interrupted = plan.signal?.aborted === true;
  result.elapsedMs = monotonicMs() - startedAt;
  return result;
}

async function runCold(plan: RemoteBenchPlan, run: number, result: RemoteBenchSamples, progress: () => void): Promise<void> {
  if (plan.forcer === undefined) throw new Error('cold mode needs a ColdStartForcer');
  for (const event of plan.events) {
    if (plan.signal?.aborted) return;
    await plan.forcer.bump();
    if (plan.signal?.aborted) return;
    const sample = toSample('cold', run, event.line, await plan.invoker.invokeJson(event.json));
    if (!sample.coldStart && sample.status === 'ok') plan.onWarning?.(`--cold: run ${run}, event line ${event.line}: the REPORT has no Init Duration, so it ran on a warm environment after all`);
    result.samples.push(sample);
    progress();
  }
}

async function runWarm(plan: RemoteBenchPlan, run: number, result: RemoteBenchSamples, progress: () => void): Promise<void> {
  for (let start = 0; start < plan.events.length && !plan.signal?.aborted; start += plan.concurrency) {
    const batch = plan.events.slice(start, start + plan.concurrency);
    const answers = await Promise.all(batch.map((event) => plan.invoker.invokeJson(event.json)));
    batch.forEach((event, index) => result.samples.push(toSample('warm', run, event.line, answers[index] as InvocationResult)));
    progress();
  }
}

/** After a cold bump or on a function idle for a while, the first warm invocation would be cold: one is spent first, per concurrent slot. */
async function warmUp(plan: RemoteBenchPlan, result: RemoteBenchSamples): Promise<void> {
  const first = plan.events[0];
  if (first === undefined) return;
  await Promise.all(Array.from({ length: plan.concurrency }, () => plan.invoker.invokeJson(first.json)));
  result.warmupInvocations += plan.concurrency;
}

function toSample(mode: RemoteBenchMode, run: number, line: number, invocation: InvocationResult): RemoteBenchSample {
  const { metrics } = invocation;
  const sample: RemoteBenchSample = {
    mode,
    run,
    line,
    requestId: invocation.requestId,
    status: invocation.status,
    coldStart: metrics.coldStart,
    durationMs: metrics.durationMs,
    billedDurationMs: metrics.billedDurationMs,
    callerLatencyMs: metrics.callerLatencyMs,
  };
  if (invocation.error !== undefined) Object.assign(sample, { errorType: invocation.error.errorType, errorMessage: invocation.error.errorMessage });
  if (metrics.initDurationMs !== undefined) sample.initDurationMs = metrics.initDurationMs;
  if (metrics.maxMemoryUsedMb !== undefined) sample.maxMemoryUsedMb = metrics.maxMemoryUsedMb;
  return sample;
}
