/**
 * How `emu bench --compare-remote` looks: one table, each statistic in two
 * columns (local, remote) for the same events, the invocations and cost per
 * side, and each side's gates labelled with it.
 */
import Table from 'cli-table3';
import { BENCH_MODES, type BenchReport, type GateResult } from '../bench/index.js';
import type { Distribution } from '../stream/index.js';
import { renderGates } from './bench-render.js';
import { fixed } from './number-format.js';

export type Side = 'local' | 'remote';

export interface ComparedSides {
  local: BenchReport;
  remote: BenchReport;
}

const STYLE = { head: [], border: [], compact: true };
const STATISTICS = ['count', 'p50', 'p99', 'max'] as const;
type Metric = 'initDurationMs' | 'durationMs' | 'callerLatencyMs' | 'billedDurationMs' | 'maxMemoryUsedMb';
const METRICS: ReadonlyArray<[Metric, string, number]> = [
  ['initDurationMs', 'Init Duration (ms)', 2],
  ['durationMs', 'Duration (ms)', 2],
  ['callerLatencyMs', 'caller latency (ms)', 2],
  ['billedDurationMs', 'Billed Duration (ms)', 0],
  ['maxMemoryUsedMb', 'Max Memory Used (MB)', 0],
];

export function renderComparison(sides: ComparedSides): string {
  const { local, remote } = sides;
  const title = `emu bench ${local.measuredOn.handler} (local) beside ${remote.measuredOn.handler} (remote): ${local.runs} run(s) × ${local.measuredOn.eventCount} event(s) per mode, -c ${local.concurrency}`;
  const where = [
    `  local:  ${local.measuredOn.handler} in ${local.measuredOn.codeDir}, ${local.measuredOn.memorySizeMb} MB, figures measured by emu`,
    `  remote: ${remote.measuredOn.handler} at ${remote.measuredOn.codeDir.replace(/^remote:/, '')}, ${remote.measuredOn.memorySizeMb} MB, figures reported by the service (REPORT lines)`,
  ];
  return `${[title, ...where, statisticsTable(sides), invocationsTable(sides)].join('\n')}\n`;
}

function statisticsTable({ local, remote }: ComparedSides): string {
  const head = ['', ...STATISTICS.flatMap((statistic) => [`${statistic} local`, `${statistic} remote`])];
  const table = new Table({ style: STYLE, head, colAligns: ['left', ...head.slice(1).map(() => 'right' as const)] });
  for (const mode of BENCH_MODES) {
    const mine = local.modes[mode];
    const theirs = remote.modes[mode];
    if (mine === undefined || theirs === undefined) continue;
    for (const [metric, label, decimals] of METRICS) {
      if (metric === 'initDurationMs' && mode === 'warm') continue;
      table.push([`${mode} ${label}`, ...STATISTICS.flatMap((statistic) => [cell(mine[metric], statistic, decimals), cell(theirs[metric], statistic, decimals)])]);
    }
  }
  return table.toString();
}

function cell(d: Distribution, statistic: (typeof STATISTICS)[number], decimals: number): string {
  const value = d[statistic];
  if (value === null || value === undefined) return '-';
  return statistic === 'count' ? String(value) : fixed(value, decimals);
}

function invocationsTable(sides: ComparedSides): string {
  const table = new Table({ style: STYLE, head: ['', 'invocations', 'failed', 'cold starts', 'cost/1M x86_64', 'cost/1M arm64'], colAligns: ['left', 'right', 'right', 'right', 'right', 'right'] });
  for (const mode of BENCH_MODES) {
    for (const side of ['local', 'remote'] as const) {
      const figures = sides[side].modes[mode];
      if (figures === undefined) continue;
      const failed = Object.entries(figures.failedByErrorType).map(([type, count]) => `${count} ${type}`).join(', ');
      const cost = figures.costPerMillionUsd;
      table.push([`${mode} ${side}`, String(figures.invocations), figures.failed === 0 ? '0' : failed, String(figures.coldStarts), `$${fixed(cost.x86_64, 2)}`, `$${fixed(cost.arm64, 2)}`]);
    }
  }
  return `${table.toString()}\n(cost: mean Billed Duration at each side's memory size, plus $0.20 per million requests)`;
}

/** Each gate's text with the side it gated in front of it: "remote: max-memory 64 MB: FAILED …". */
export function renderSideGates(gates: ReadonlyArray<{ side: Side; gate: GateResult }>): string {
  return gates.map(({ side, gate }) => `${side}: ${renderGates([gate])}`).join('');
}

/** The --json document: both reports whole (each with its own gates), under their side. */
export function serializeComparison(sides: ComparedSides): string {
  return `${JSON.stringify({ schema: 'emu-bench-compare', schemaVersion: 1, local: sides.local, remote: sides.remote }, null, 2)}\n`;
}
