/**
 * Baselines: a saved report, checked for being comparable before anything
 * runs (another handler, other events or another memory size is refused,
 * never silently passed), then compared with the new figures.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { usageError } from '../errors/emu-error.js';
import { BENCH_MODES, BENCH_SCHEMA, BENCH_SCHEMA_VERSION, type BaselineComparison, type BaselineGate, type BenchMode, type BenchReport, type MeasuredOn } from './bench-schema.js';

export interface BaselineTolerances {
  /** Max Memory Used may grow by this much, %. */
  memoryPct: number;
  /** Warm p50 Duration may grow by this much, %. */
  durationPct: number;
}

/** Warm p50 Duration may also always grow by this much: a 0.4 ms handler becoming 0.6 ms is noise, not a 50% regression. */
export const DURATION_SLACK_MS = 1;

export async function loadBaseline(file: string): Promise<BenchReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw usageError(`baseline ${file}: ${code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a folder' : (error as Error).message}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw usageError(`baseline ${file} is not valid JSON (corrupt or truncated?); make a new one with --save-baseline`);
  }
  return checkBaselineDocument(document, file);
}

export async function saveBaseline(file: string, report: BenchReport): Promise<void> {
  try {
    await writeFile(file, serializeReport(report));
  } catch (error) {
    throw usageError(`cannot write baseline ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

export function serializeReport(report: BenchReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function checkBaselineDocument(document: unknown, file: string): BenchReport {
  const record = isRecord(document) ? document : {};
  if (record.schema !== BENCH_SCHEMA) throw usageError(`baseline ${file} is not an emu bench report (no "schema": "${BENCH_SCHEMA}")`);
  if (record.schemaVersion !== BENCH_SCHEMA_VERSION) {
    throw usageError(`baseline ${file} has schema version ${JSON.stringify(record.schemaVersion)}; this emu reads version ${BENCH_SCHEMA_VERSION}: make a new one with --save-baseline`);
  }
  const on = isRecord(record.measuredOn) ? record.measuredOn : undefined;
  const fields: (keyof MeasuredOn)[] = ['handler', 'codeDir', 'eventsSha256', 'memorySizeMb', 'node', 'platform', 'arch'];
  const missing = on === undefined ? ['measuredOn'] : fields.filter((field) => on[field] === undefined);
  const modes = isRecord(record.modes) ? record.modes : undefined;
  const badMode = modes === undefined || BENCH_MODES.some((mode) => modes[mode] !== undefined && !isModeReport(modes[mode]));
  if (missing.length > 0 || badMode) throw usageError(`baseline ${file} is damaged: ${missing.length > 0 ? `missing ${missing.join(', ')}` : 'bad "modes"'}`);
  return document as BenchReport;
}

function isModeReport(value: unknown): boolean {
  if (!isRecord(value) || !isRecord(value.maxMemoryUsedMb) || !isRecord(value.durationMs)) return false;
  return isNumberOrNull(value.maxMemoryUsedMb.max) && isNumberOrNull(value.durationMs.p50);
}

/**
 * Throws a usage error when the baseline was measured on something else; returns notes on
 * differences that do not invalidate it (Node version, platform, timeout) but may explain a change.
 */
export function checkComparable(baseline: BenchReport, current: MeasuredOn, modes: readonly BenchMode[], file: string): string[] {
  const was = baseline.measuredOn;
  const refuse = (what: string, then: string, now: string): never => {
    throw usageError(`baseline ${file} was measured on ${what} ${then}, this run is on ${now}: not comparable (make a new baseline with --save-baseline)`);
  };
  if (was.handler !== current.handler || was.codeDir !== current.codeDir) refuse('handler', `${was.handler} in ${was.codeDir}`, `${current.handler} in ${current.codeDir}`);
  if (was.eventsSha256 !== current.eventsSha256) refuse('other events:', `sha256 ${was.eventsSha256.slice(0, 12)}… (${was.eventCount} events)`, `sha256 ${current.eventsSha256.slice(0, 12)}… (${current.eventCount} events)`);
  if (was.memorySizeMb !== current.memorySizeMb) refuse('memory size', `${was.memorySizeMb} MB`, `${current.memorySizeMb} MB`);
  const missingModes = BENCH_MODES.filter((mode) => baseline.modes[mode] !== undefined && !modes.includes(mode));
  if (missingModes.length > 0) throw usageError(`baseline ${file} has ${missingModes.join(' and ')} figures but this run does not measure ${missingModes.join(' or ')}: add it to --modes`);
  const notes: string[] = [];
  if (was.node !== current.node) notes.push(`Node ${was.node} then, ${current.node} now`);
  if (was.platform !== current.platform || was.arch !== current.arch) notes.push(`${was.platform}/${was.arch} then, ${current.platform}/${current.arch} now`);
  if (was.timeoutSeconds !== current.timeoutSeconds) notes.push(`timeout ${was.timeoutSeconds} s then, ${current.timeoutSeconds} s now`);
  return notes;
}

/** Max Memory Used (the highest of the mode) per mode, and warm p50 Duration. */
export function compareWithBaseline(baseline: BenchReport, current: BenchReport, tolerances: BaselineTolerances, file: string, notes: string[]): BaselineGate {
  const comparisons: BaselineComparison[] = [];
  for (const mode of BENCH_MODES) {
    const before = baseline.modes[mode];
    const now = current.modes[mode];
    if (before === undefined || now === undefined) continue;
    comparisons.push(compare('max-memory-used-mb', mode, before.maxMemoryUsedMb.max, now.maxMemoryUsedMb.max, tolerances.memoryPct, 0));
    if (mode === 'warm') comparisons.push(compare('warm-duration-p50-ms', mode, before.durationMs.p50, now.durationMs.p50, tolerances.durationPct, DURATION_SLACK_MS));
  }
  return { gate: 'baseline', file, passed: comparisons.every((comparison) => comparison.passed), notes, comparisons };
}

/** A figure missing now (every invocation failed) fails; one missing from the baseline cannot regress. */
function compare(metric: BaselineComparison['metric'], mode: BenchMode, baseline: number | null, current: number | null, tolerancePct: number, slack: number): BaselineComparison {
  const changePct = baseline === null || current === null || baseline === 0 ? null : Math.round(((current - baseline) / baseline) * 1000) / 10;
  let passed = current !== null;
  if (baseline !== null && current !== null) passed = current <= baseline * (1 + tolerancePct / 100) || current - baseline <= slack;
  return { metric, mode, baseline, current, changePct, tolerancePct, passed };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumberOrNull(value: unknown): boolean {
  return value === null || typeof value === 'number';
}
