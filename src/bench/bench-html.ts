/**
 * A self-contained report page for a CI run's artifacts: inline CSS and SVG,
 * no script, nothing fetched from the network.
 */
import type { Distribution } from '../stream/index.js';
import { binValues } from './bench-histogram.js';
import type { BenchSample } from './bench-runner.js';
import { BENCH_MODES, type BenchMode, type BenchReport, type ColdStartPenalty, type GateResult, type ModeReport } from './bench-schema.js';

const COLOURS: Record<BenchMode, string> = { cold: '#3b6fd8', warm: '#d8743b' };
const PART_COLOURS = ['#6c8ebf', '#82b366', '#d6b656', '#b85450'];

export function renderBenchHtml(report: BenchReport, samples: readonly BenchSample[]): string {
  const on = report.measuredOn;
  const sections = BENCH_MODES.flatMap((mode) => {
    const figures = report.modes[mode];
    return figures === undefined ? [] : [modeSection(mode, figures, samples.filter((sample) => sample.mode === mode))];
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>emu bench: ${escape(on.handler)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222;max-width:60rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:right}
th:first-child,td:first-child{text-align:left}.fail{color:#b00;font-weight:bold}.pass{color:#070}
svg{display:block;margin:.25rem 0 1rem}small{color:#666}
</style></head><body>
<h1>emu bench: <code>${escape(on.handler)}</code></h1>
<p><small>${escape(on.codeDir)} · ${on.eventCount} event(s), sha256 ${escape(on.eventsSha256.slice(0, 16))}… · ${on.memorySizeMb} MB · ${report.runs} run(s) per mode, -c ${report.concurrency} ·
Node ${escape(on.node)} on ${escape(on.platform)}/${escape(on.arch)} · ${escape(on.date)}</small></p>
${report.coldStartPenalty === undefined ? '' : penaltySection(report.coldStartPenalty)}
${sections.join('\n')}
${report.gates === undefined ? '' : gatesSection(report.gates)}
</body></html>
`;
}

function penaltySection(penalty: ColdStartPenalty): string {
  const { breakdown } = penalty;
  const parts: [string, number, number][] = [
    [`start (${breakdown.startCommand})`, breakdown.nodeStartMs, breakdown.shares.nodeStart],
    ['bootstrap', breakdown.bootstrapMs, breakdown.shares.bootstrap],
    ['module loading', breakdown.moduleLoadMs, breakdown.shares.moduleLoad],
    ['invocation + overhead', breakdown.invocationAndOverheadMs, breakdown.shares.invocationAndOverhead],
  ];
  let x = 0;
  const bars = parts.map(([label, ms, share], i) => {
    const width = Math.max(0, share) * 600;
    const rect = `<rect x="${x.toFixed(1)}" y="0" width="${width.toFixed(1)}" height="24" fill="${PART_COLOURS[i]}"><title>${label}: ${ms.toFixed(1)} ms</title></rect>`;
    x += width;
    return rect;
  });
  const rows = parts.map(([label, ms, share], i) => `<tr><td><span style="color:${PART_COLOURS[i]}">■</span> ${label}</td><td>${ms.toFixed(1)} ms</td><td>${(share * 100).toFixed(0)}%</td></tr>`);
  return `<h2>Cold-start penalty: ${penalty.p50Ms.toFixed(1)} ms at p50, ${penalty.p99Ms.toFixed(1)} ms at p99</h2>
<p>Where the p50 cold invocation (${penalty.coldCallerLatencyP50Ms.toFixed(1)} ms as the caller sees it) goes. <small>Differences of medians, not a trace: parts can come out slightly negative under noise.</small></p>
<svg width="600" height="24" viewBox="0 0 600 24" role="img" aria-label="cold start breakdown">${bars.join('')}</svg>
<table><tr><th>part</th><th>ms</th><th>share</th></tr>${rows.join('')}</table>`;
}

function modeSection(mode: BenchMode, figures: ModeReport, samples: readonly BenchSample[]): string {
  const ok = samples.filter((sample) => sample.status === 'ok');
  const rows: [string, Distribution, number][] = [
    ['Caller latency (ms)', figures.callerLatencyMs, 2],
    ['Duration (ms)', figures.durationMs, 2],
    ['Init Duration (ms)', figures.initDurationMs, 2],
    ['Billed Duration (ms)', figures.billedDurationMs, 0],
    ['Max Memory Used (MB)', figures.maxMemoryUsedMb, 0],
  ];
  const cost = figures.costPerMillionUsd;
  return `<h2>${mode}</h2>
<p>${figures.invocations} invocations, ${figures.failed === 0 ? 'none failed' : `<span class="fail">${figures.failed} failed</span>`}, ${figures.coldStarts} cold start(s).
Estimated cost per million invocations: $${cost.x86_64.toFixed(2)} x86_64, $${cost.arm64.toFixed(2)} arm64 <small>(requests included)</small>.</p>
${distributionTable(rows)}
<h3>Caller latency (ms)</h3>${histogramSvg(ok.map((sample) => sample.callerLatencyMs), COLOURS[mode])}
<h3>Duration (ms)</h3>${histogramSvg(ok.map((sample) => sample.durationMs), COLOURS[mode])}
<h3>Max Memory Used (MB)</h3>${histogramSvg(samples.flatMap((sample) => (sample.maxMemoryUsedMb === undefined ? [] : [sample.maxMemoryUsedMb])), COLOURS[mode])}`;
}

function distributionTable(rows: [string, Distribution, number][]): string {
  const columns = ['count', 'min', 'p50', 'p90', 'p99', 'max', 'mean'] as const;
  const head = `<tr><th></th>${columns.map((column) => `<th>${column}</th>`).join('')}</tr>`;
  const body = rows.map(([label, d, decimals]) => {
    const cells = columns.map((column) => {
      const value = d[column];
      return `<td>${value === null ? '-' : column === 'count' ? String(value) : value.toFixed(decimals)}</td>`;
    });
    return `<tr><td>${label}</td>${cells.join('')}</tr>`;
  });
  return `<table>${head}${body.join('')}</table>`;
}

function histogramSvg(values: readonly number[], colour: string): string {
  const bins = binValues(values, 30);
  if (bins.length === 0) return '<p><small>no values</small></p>';
  const width = 600;
  const height = 120;
  const most = Math.max(...bins.map((bin) => bin.count));
  const barWidth = width / bins.length;
  const bars = bins.map((bin, i) => {
    const h = (bin.count / most) * (height - 20);
    const title = `${bin.from.toFixed(2)}–${bin.to.toFixed(2)}: ${bin.count}`;
    return `<rect x="${(i * barWidth).toFixed(1)}" y="${(height - 20 - h).toFixed(1)}" width="${Math.max(1, barWidth - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${colour}"><title>${title}</title></rect>`;
  });
  const first = bins[0] as { from: number };
  const last = bins.at(-1) as { to: number };
  const labels = `<text x="0" y="${height - 4}" font-size="11">${first.from.toFixed(1)}</text><text x="${width}" y="${height - 4}" font-size="11" text-anchor="end">${last.to.toFixed(1)}</text>`;
  return `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">${bars.join('')}${labels}</svg>`;
}

function gatesSection(gates: readonly GateResult[]): string {
  const rows = gates.map((gate) => {
    const verdict = gate.passed ? '<span class="pass">passed</span>' : '<span class="fail">FAILED</span>';
    return `<tr><td>${gate.gate}</td><td>${escape(gateDetail(gate))}</td><td>${verdict}</td></tr>`;
  });
  return `<h2>Gates</h2><table><tr><th>gate</th><th>detail</th><th>result</th></tr>${rows.join('')}</table>`;
}

function gateDetail(gate: GateResult): string {
  if (gate.gate === 'max-memory') return `limit ${gate.limitMb} MB, highest peak ${gate.highestPeakRssMb ?? '-'} MB, ${gate.violations.length} invocation(s) over`;
  if (gate.gate === 'max-duration') return `limit ${gate.limitMs} ms, warm p50 Duration ${gate.warmDurationP50Ms ?? '-'} ms`;
  const failed = gate.comparisons.filter((comparison) => !comparison.passed).map((comparison) => `${comparison.mode} ${comparison.metric}`);
  return `${gate.file}${failed.length > 0 ? `: regressed ${failed.join(', ')}` : ''}`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
