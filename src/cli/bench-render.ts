/**
 * How `emu bench` looks to a person: the figures as cli-table3 tables, each
 * mode's distributions drawn as sparklines, the gates and the baseline
 * comparison, and the progress line on a terminal's stderr.
 */
import { fixed } from './number-format.js';
import Table from 'cli-table3';
import { binValues, BENCH_MODES, type BaselineGate, type BenchReport, type BenchSample, type ColdStartPenalty, type GateResult, type MaxMemoryGate } from '../bench/index.js';
import type { Distribution } from '../stream/index.js';
import { monotonicMs } from '../measure/clock.js';

const STYLE = { head: [], border: [], compact: true };
const COLUMNS = ['count', 'min', 'p50', 'p90', 'p99', 'max', 'mean'] as const;
const SPARKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const SPARK_WIDTH = 32;
const VIOLATIONS_SHOWN = 10;

export function renderBenchReport(report: BenchReport, samples: readonly BenchSample[]): string {
  const on = report.measuredOn;
  const title = `emu bench ${on.handler}: ${report.runs} run(s) × ${on.eventCount} event(s) per mode, ${on.memorySizeMb} MB, -c ${report.concurrency}`;
  const parts = [title, distributionsTable(report), costTable(report), sparklines(samples)];
  // The build is the user's tooling, not Lambda's cold start: on its own line, in no table above.
  if (report.build !== undefined) parts.push(`build: ${fixed(report.build.durationMs, 1)} ms${report.build.cacheHit ? ' (unchanged: from the cache)' : ''}, before the first invocation and in no figure above`);
  if (report.coldStartPenalty !== undefined) parts.push(penaltyTable(report.coldStartPenalty));
  return `${parts.filter((part) => part !== '').join('\n')}\n`;
}

function distributionsTable(report: BenchReport): string {
  const table = new Table({ style: STYLE, head: ['', ...COLUMNS], colAligns: ['left', ...COLUMNS.map(() => 'right' as const)] });
  for (const mode of BENCH_MODES) {
    const figures = report.modes[mode];
    if (figures === undefined) continue;
    if (mode === 'cold') table.push(row(`${mode} Init Duration (ms)`, figures.initDurationMs, 2));
    table.push(
      row(`${mode} Duration (ms)`, figures.durationMs, 2),
      ...(figures.timeToFirstByteMs === undefined ? [] : [row(`${mode} Time To First Byte (ms)`, figures.timeToFirstByteMs, 2)]),
      ...(figures.bytesStreamed === undefined ? [] : [row(`${mode} Bytes Streamed`, figures.bytesStreamed, 0)]),
      row(`${mode} caller latency (ms)`, figures.callerLatencyMs, 2),
      row(`${mode} Billed Duration (ms)`, figures.billedDurationMs, 0),
      row(`${mode} Max Memory Used (MB)`, figures.maxMemoryUsedMb, 0),
    );
  }
  return table.toString();
}

function row(label: string, d: Distribution, decimals: number): string[] {
  return [label, ...COLUMNS.map((column) => (d[column] === null ? '-' : column === 'count' ? String(d[column]) : fixed(d[column] ?? 0, decimals)))];
}

function costTable(report: BenchReport): string {
  const table = new Table({ style: STYLE, head: ['', 'invocations', 'failed', 'cold starts', 'cost/1M x86_64', 'cost/1M arm64'], colAligns: ['left', 'right', 'right', 'right', 'right', 'right'] });
  for (const mode of BENCH_MODES) {
    const figures = report.modes[mode];
    if (figures === undefined) continue;
    const failed = Object.entries(figures.failedByErrorType).map(([type, count]) => `${count} ${type}`).join(', ');
    const cost = figures.costPerMillionUsd;
    table.push([mode, String(figures.invocations), figures.failed === 0 ? '0' : failed, String(figures.coldStarts), `$${fixed(cost.x86_64, 2)}`, `$${fixed(cost.arm64, 2)}`]);
  }
  return `${table.toString()}\n(cost: mean Billed Duration at this memory size, plus $0.20 per million requests)`;
}

/** One line per mode and metric: min, the shape over equal-width bins, max. */
function sparklines(samples: readonly BenchSample[]): string {
  const lines: string[] = [];
  for (const mode of BENCH_MODES) {
    const ok = samples.filter((sample) => sample.mode === mode && sample.status === 'ok');
    if (ok.length === 0) continue;
    lines.push(sparkline(`${mode} caller latency`, ok.map((sample) => sample.callerLatencyMs), 'ms'));
    lines.push(sparkline(`${mode} Duration`, ok.map((sample) => sample.durationMs), 'ms'));
  }
  return lines.join('\n');
}

export function sparkline(label: string, values: readonly number[], unit: string): string {
  const bins = binValues(values, SPARK_WIDTH);
  const most = Math.max(...bins.map((bin) => bin.count));
  const bars = bins.map((bin) => (bin.count === 0 ? ' ' : (SPARKS[Math.min(SPARKS.length - 1, Math.floor((bin.count / most) * SPARKS.length))] ?? '█'))).join('');
  const first = bins[0]?.from ?? 0;
  const last = bins.at(-1)?.to ?? 0;
  return `${label.padEnd(24)} ${fixed(first, 2).padStart(9)} ${bars.padEnd(SPARK_WIDTH)} ${fixed(last, 2)} ${unit}`;
}

function penaltyTable(penalty: ColdStartPenalty): string {
  const { breakdown } = penalty;
  const table = new Table({ style: STYLE, colAligns: ['left', 'right', 'right'] });
  table.push([{ colSpan: 3, content: `Cold-start penalty: ${signed(penalty.p50Ms)} ms at p50, ${signed(penalty.p99Ms)} ms at p99` }]);
  table.push([{ colSpan: 3, content: `p50 cold invocation, ${fixed(penalty.coldCallerLatencyP50Ms, 1)} ms as the caller sees it:` }]);
  const parts: [string, number, number][] = [
    [`  start (${breakdown.startCommand})`, breakdown.nodeStartMs, breakdown.shares.nodeStart],
    ['  bootstrap', breakdown.bootstrapMs, breakdown.shares.bootstrap],
    ['  module loading', breakdown.moduleLoadMs, breakdown.shares.moduleLoad],
    ['  invocation + overhead', breakdown.invocationAndOverheadMs, breakdown.shares.invocationAndOverhead],
  ];
  for (const [label, ms, share] of parts) table.push([label, `${fixed(ms, 1)} ms`, `${fixed(share * 100, 0)}%`]);
  return `${table.toString()}\n(differences of medians, measured alongside: an estimate, not a trace)`;
}

export function renderGates(gates: readonly GateResult[]): string {
  return gates.map((gate) => (gate.gate === 'max-memory' ? memoryGate(gate) : gate.gate === 'baseline' ? baselineGate(gate) : durationGate(gate))).join('\n');
}

function memoryGate(gate: MaxMemoryGate): string {
  const head = `max-memory ${gate.limitMb} MB: ${gate.passed ? 'passed' : 'FAILED'} (highest peak RSS ${gate.highestPeakRssMb ?? '-'} MB)`;
  if (gate.passed) return `${head}\n`;
  const table = new Table({ style: STYLE, head: ['mode', 'run', 'event line', 'request id', 'peak RSS (MB)', 'over by (MB)'], colAligns: ['left', 'right', 'right', 'left', 'right', 'right'] });
  for (const v of gate.violations.slice(0, VIOLATIONS_SHOWN)) table.push([v.mode, String(v.run), v.line === 0 ? '{}' : String(v.line), v.requestId, fixed(v.peakRssMb, 1), fixed(v.overByMb, 1)]);
  const more = gate.violations.length - VIOLATIONS_SHOWN;
  return `${head}\n${table.toString()}\n${more > 0 ? `and ${more} more invocation(s) over the limit\n` : ''}`;
}

function durationGate(gate: Extract<GateResult, { gate: 'max-duration' }>): string {
  const actual = gate.warmDurationP50Ms === null ? 'no successful warm invocation' : `warm p50 Duration ${fixed(gate.warmDurationP50Ms, 2)} ms`;
  return `max-duration ${gate.limitMs} ms: ${gate.passed ? 'passed' : 'FAILED'} (${actual})\n`;
}

function baselineGate(gate: BaselineGate): string {
  const table = new Table({ style: STYLE, head: ['', 'baseline', 'now', 'change', 'tolerance', ''], colAligns: ['left', 'right', 'right', 'right', 'right', 'left'] });
  for (const c of gate.comparisons) {
    const label = c.metric === 'max-memory-used-mb' ? `${c.mode} Max Memory Used (MB)` : 'warm p50 Duration (ms)';
    const change = c.changePct === null ? '-' : `${c.changePct > 0 ? '+' : ''}${fixed(c.changePct, 1)}%`;
    table.push([label, c.baseline === null ? '-' : String(c.baseline), c.current === null ? '-' : String(c.current), change, `${c.tolerancePct}%`, c.passed ? 'ok' : 'REGRESSED']);
  }
  const notes = gate.notes.map((note) => `note: ${note}\n`).join('');
  return `baseline ${gate.file}: ${gate.passed ? 'passed' : 'FAILED'}\n${table.toString()}\n${notes}`;
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${fixed(value, 1)}`;
}

const CLEAR_LINE = '\r\u001b[2K';

/** "emu bench: 12/40 invocations · 0 failed · 3.2 s", redrawn in place; nothing at all off a terminal. */
export class BenchProgressLine {
  readonly #stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly #startedAt = monotonicMs();
  #shown = false;

  constructor(stderr: NodeJS.WritableStream & { isTTY?: boolean }) {
    this.#stderr = stderr;
  }

  update(done: number, total: number, failed: number): void {
    if (this.#stderr.isTTY !== true) return;
    const seconds = (monotonicMs() - this.#startedAt) / 1000;
    this.#stderr.write(`${CLEAR_LINE}emu bench: ${done}/${total} invocations · ${failed} failed · ${fixed(seconds, 1)} s`);
    this.#shown = true;
  }

  /** Erases the line, so that what follows starts clean. */
  clear(): void {
    if (this.#shown) this.#stderr.write(CLEAR_LINE);
    this.#shown = false;
  }
}
