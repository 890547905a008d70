/**
 * Runs a benchmark: every event, `runs` times, in each mode, interleaved
 * (cold, warm, warm, cold, …) so that machine noise hits both modes alike,
 * with the cold-start references (a bare Node start, a no-op handler's init)
 * measured in between. Returns raw samples; bench-statistics turns them into figures.
 */
import { createEmulator, type Emulator, type EmulatorOptions } from '../emulator.js';
import { monotonicMs } from '../measure/clock.js';
import type { InvocationResult } from '../supervisor/index.js';
import type { BenchEvent } from './bench-events.js';
import type { BenchMode } from './bench-schema.js';
import { coldStartReferenceFor, type ColdStartReference, type NoopFunction } from './cold-start-references.js';

export type FunctionOptions = Omit<EmulatorOptions, 'handler' | 'mode' | 'concurrency' | 'prewarm' | 'onLog' | 'onPlatformLog' | 'onWarning'>;

export interface BenchPlan {
  handler: string;
  function: FunctionOptions;
  events: readonly BenchEvent[];
  runs: number;
  modes: readonly BenchMode[];
  concurrency: number;
  /** The function's output. Default: dropped (a benchmark's logs would drown its results). */
  onLog?: (chunk: Buffer) => void;
  onWarning?: (message: string) => void;
  onProgress?: (progress: BenchProgress) => void;
  /** Aborting stops starting invocations and ends every sandbox; the samples so far are returned. */
  signal?: AbortSignal;
}

export interface BenchProgress {
  done: number;
  total: number;
  failed: number;
}

export interface BenchSample {
  mode: BenchMode;
  run: number;
  line: number;
  requestId: string;
  status: 'ok' | 'error';
  errorType?: string;
  errorMessage?: string;
  coldStart: boolean;
  initDurationMs?: number;
  durationMs: number;
  billedDurationMs: number;
  callerLatencyMs: number;
  maxMemoryUsedMb?: number;
  peakRssBytes?: number;
  /** Only for a streamed response. */
  timeToFirstByteMs?: number;
  bytesStreamed?: number;
}

export interface BenchSamples {
  samples: BenchSample[];
  /** Present when both modes ran on a Node.js or Python runtime: one of each per run. */
  references: { startCommand?: string; startMs: number[]; noopInitDurationMs: number[] };
  warmupInvocations: number;
  elapsedMs: number;
  interrupted: boolean;
}

type Task = { kind: 'invoke'; mode: BenchMode; run: number; event: BenchEvent } | { kind: 'runtime-start' } | { kind: 'noop-init' };

interface Emulators {
  byMode: Partial<Record<BenchMode, Emulator>>;
  noop?: Emulator;
  noopFunction?: NoopFunction;
  reference?: ColdStartReference;
}

export async function runBench(plan: BenchPlan): Promise<BenchSamples> {
  const startedAt = monotonicMs();
  const emulators = await startEmulators(plan, plan.modes.includes('cold') && plan.modes.includes('warm'));
  const withReferences = emulators.reference !== undefined;
  const closeAll = once(() => closeEmulators(emulators));
  const onAbort = (): void => void closeAll();
  plan.signal?.addEventListener('abort', onAbort, { once: true });
  const references = { startCommand: emulators.reference?.startCommand, startMs: [], noopInitDurationMs: [] };
  const result: BenchSamples = { samples: [], references, warmupInvocations: 0, elapsedMs: 0, interrupted: false };
  try {
    result.warmupInvocations = await warmUp(plan, emulators);
    const tasks = planTasks(plan, withReferences);
    const invocations = tasks.filter((task) => task.kind === 'invoke').length;
    const progress: BenchProgress = { done: 0, total: invocations, failed: 0 };
    await runPool(tasks, plan.concurrency, plan.signal, async (task) => {
      await runTask(task, emulators, result);
      if (task.kind !== 'invoke') return;
      progress.done += 1;
      if (result.samples.at(-1)?.status === 'error') progress.failed += 1;
      plan.onProgress?.({ ...progress });
    });
  } catch (error) {
    if (plan.signal?.aborted !== true) throw error; // after an abort, invocations cut short are expected to fail
  } finally {
    plan.signal?.removeEventListener('abort', onAbort);
    await closeAll();
  }
  result.interrupted = plan.signal?.aborted === true;
  result.elapsedMs = monotonicMs() - startedAt;
  return result;
}

async function startEmulators(plan: BenchPlan, withReferences: boolean): Promise<Emulators> {
  const common = { onLog: plan.onLog ?? (() => {}), onWarning: plan.onWarning ?? (() => {}), concurrency: plan.concurrency };
  const emulators: Emulators = { byMode: {} };
  try {
    for (const mode of plan.modes) emulators.byMode[mode] = createEmulator({ ...plan.function, ...common, handler: plan.handler, mode });
    const runtime = Object.values(emulators.byMode)[0]?.config.runtime;
    emulators.reference = withReferences && runtime !== undefined ? coldStartReferenceFor(runtime) : undefined;
    if (emulators.reference !== undefined) {
      emulators.noopFunction = await emulators.reference.createNoopFunction();
      const { codeDir, handler } = emulators.noopFunction;
      emulators.noop = createEmulator({ ...plan.function, ...common, codeDir, handler, functionName: 'emu-bench-noop', mode: 'cold' });
    }
  } catch (error) {
    await closeEmulators(emulators);
    throw error;
  }
  return emulators;
}

async function closeEmulators(emulators: Emulators): Promise<void> {
  const all = [...Object.values(emulators.byMode), emulators.noop].filter((emulator) => emulator !== undefined);
  await Promise.all(all.map((emulator) => emulator.close()));
  await emulators.noopFunction?.remove();
}

/**
 * Untimed invocations first: the warm pool gets one per sandbox, so that every
 * measured warm invocation is warm; the cold ones get one, so that the first
 * measured cold start does not also pay for filling the file cache.
 */
async function warmUp(plan: BenchPlan, emulators: Emulators): Promise<number> {
  const first = plan.events[0]?.json ?? '{}';
  const pending: Promise<InvocationResult>[] = [];
  if (emulators.byMode.cold !== undefined) pending.push(emulators.byMode.cold.invokeJson(first));
  for (let i = 0; i < plan.concurrency; i += 1) if (emulators.byMode.warm !== undefined) pending.push(emulators.byMode.warm.invokeJson(first));
  if (emulators.noop !== undefined) pending.push(emulators.noop.invokeJson('{}'));
  await Promise.all(pending);
  return pending.length;
}

/** Mode order alternates from one event to the next, so that neither mode always runs right after the other. */
function planTasks(plan: BenchPlan, withReferences: boolean): Task[] {
  const tasks: Task[] = [];
  let turn = 0;
  for (let run = 1; run <= plan.runs; run += 1) {
    if (withReferences) tasks.push({ kind: 'runtime-start' }, { kind: 'noop-init' });
    for (const event of plan.events) {
      const modes = turn % 2 === 0 ? plan.modes : [...plan.modes].reverse();
      for (const mode of modes) tasks.push({ kind: 'invoke', mode, run, event });
      turn += 1;
    }
  }
  return tasks;
}

async function runTask(task: Task, emulators: Emulators, result: BenchSamples): Promise<void> {
  if (task.kind === 'runtime-start') {
    result.references.startMs.push(await (emulators.reference as ColdStartReference).measureStartMs());
    return;
  }
  if (task.kind === 'noop-init') {
    const noop = await (emulators.noop as Emulator).invokeJson('{}');
    if (noop.metrics.initDurationMs !== undefined) result.references.noopInitDurationMs.push(noop.metrics.initDurationMs);
    return;
  }
  const emulator = emulators.byMode[task.mode] as Emulator;
  result.samples.push(toSample(task.mode, task.run, task.event.line, await emulator.invokeJson(task.event.json)));
}

function toSample(mode: BenchMode, run: number, line: number, result: InvocationResult): BenchSample {
  const { metrics } = result;
  const sample: BenchSample = {
    mode,
    run,
    line,
    requestId: result.requestId,
    status: result.status,
    coldStart: metrics.coldStart,
    durationMs: metrics.durationMs,
    billedDurationMs: metrics.billedDurationMs,
    callerLatencyMs: metrics.callerLatencyMs,
  };
  if (result.error !== undefined) {
    sample.errorType = result.error.errorType;
    sample.errorMessage = result.error.errorMessage;
  }
  if (metrics.initDurationMs !== undefined) sample.initDurationMs = metrics.initDurationMs;
  if (metrics.maxMemoryUsedMb !== undefined) sample.maxMemoryUsedMb = metrics.maxMemoryUsedMb;
  if (metrics.peakRssBytes !== undefined) sample.peakRssBytes = metrics.peakRssBytes;
  if (metrics.timeToFirstByteMs !== undefined) sample.timeToFirstByteMs = metrics.timeToFirstByteMs;
  if (metrics.bytesStreamed !== undefined) sample.bytesStreamed = metrics.bytesStreamed;
  return sample;
}

/** `workers` loops taking the next task in order until none is left or the signal aborts. */
async function runPool<T>(tasks: readonly T[], workers: number, signal: AbortSignal | undefined, run: (task: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length && signal?.aborted !== true) {
      const task = tasks[next] as T;
      next += 1;
      await run(task);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, worker));
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let promise: Promise<void> | undefined;
  return () => (promise ??= fn());
}
