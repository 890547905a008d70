/** The soak's figures as a RESULTS.md section, and its verdict. */
import { cpus } from 'node:os';
import type { MarkedProcess } from './process-probe.js';
import { machineLine } from './results-file.js';
import { type EventKind, FAULT_KINDS, type FaultKind } from './soak-mix.js';
import { describeExpected, type Tally } from './soak-tally.js';
import { fmt } from './stats.js';

export interface SoakSettings {
  command: string;
  events: number;
  mix: Record<FaultKind, number>;
  seed: number;
  baselineAfter: number;
  quietBefore: number;
  inFlight: number;
  apiGatewayEvery: number;
  mark: string;
  /** 1-minute load averages: before, between and after the phases. */
  loads: number[];
}

export interface Checkpoint {
  rssKb: number;
  fds: number;
  sandboxes: number;
}

export interface PhaseResult {
  name: 'stream' | 'serve';
  command: string;
  outputs: number;
  tally: Tally;
  start: Checkpoint;
  end: Checkpoint;
  rssPeakKb: number;
  rssHwmKb: number;
  rssFloorKb: number[];
  fdsPeak: number;
  livePeak: number;
  grandchildren: number;
  leftAtExit: number;
  left: MarkedProcess[];
  wallMs: number;
  exit: string;
  exitOk: boolean;
  stderrBytes: number;
  notes: string[];
}

const mb = (kb: number): string => `${fmt(kb / 1024)} MB`;
const n = (value: number): string => value.toLocaleString('en');
const faultCount = (mix: Record<FaultKind, number>): number => FAULT_KINDS.reduce((sum, kind) => sum + mix[kind], 0);

/**
 * Fds a legitimate difference between the two checkpoints explains: a sandbox holds up to
 * FDS_PER_SANDBOX (its stdout and stderr pipes, its Runtime API listener and connection, and
 * the peak-RSS probe's two /proc files), and the probe opens its clear_refs file only at a
 * sandbox's second invocation. More than that is a leak.
 */
const FDS_PER_SANDBOX = 6;
function fdAllowance(phase: PhaseResult): number {
  return Math.max(0, phase.end.sandboxes - phase.start.sandboxes) * FDS_PER_SANDBOX + phase.end.sandboxes;
}

/** Why the soak fails: the issue's conditions (outputs = inputs, no process left, fds flat), wrong answers, an unexpected exit. */
export function failures(phase: PhaseResult, events: number): string[] {
  const failed: string[] = [];
  if (phase.outputs !== events) failed.push(`${phase.name}: ${phase.outputs} outputs for ${events} inputs`);
  if (phase.tally.mismatches > 0) failed.push(`${phase.name}: ${phase.tally.mismatches} wrong answers`);
  if (phase.left.length > 0) failed.push(`${phase.name}: ${phase.left.length} processes left (killed now): ${phase.left.map((p) => `${p.pid} ${p.command}`).join('; ')}`);
  if (phase.end.fds > phase.start.fds + fdAllowance(phase)) failed.push(`${phase.name}: fds grew from ${phase.start.fds} to ${phase.end.fds}`);
  if (!phase.exitOk) failed.push(`${phase.name}: emu exited ${phase.exit}`);
  return failed;
}

function phaseTable(phases: PhaseResult[], { events, mix, baselineAfter }: SoakSettings): string {
  const row = (label: string, cell: (p: PhaseResult) => string): string => `| ${label} | ${phases.map(cell).join(' | ')} |`;
  return [
    `| | ${phases.map((p) => p.name).join(' | ')} |`,
    `| --- | ${phases.map(() => '---:').join(' | ')} |`,
    row('inputs (events / requests)', () => n(events)),
    row('outputs', (p) => `${n(p.outputs)} ${p.outputs === events ? '(= inputs)' : '**≠ inputs**'}`),
    row('faults', () => n(faultCount(mix))),
    row('wrong answers', (p) => (p.tally.mismatches === 0 ? '0' : `**${n(p.tally.mismatches)}**`)),
    row('collateral failures (≤ one per late-rejection)', (p) => n(p.tally.collateral)),
    row('grandchildren spawned', (p) => n(p.grandchildren)),
    row("this run's processes alive at once, peak", (p) => n(p.livePeak)),
    row('processes left after exit', (p) => (p.left.length === 0 ? `0${p.leftAtExit > 0 ? ` (${p.leftAtExit} at the exit, gone within 1 s)` : ''}` : `**${p.left.length}**`)),
    row(`supervisor RSS after ${n(baselineAfter)} → end (peak sampled / VmHWM)`, (p) => `${mb(p.start.rssKb)} → ${mb(p.end.rssKb)} (${mb(p.rssPeakKb)} / ${mb(p.rssHwmKb)})`),
    row('supervisor RSS floor in each tenth of the run (MB)', (p) => Array.from({ length: 10 }, (_, i) => (p.rssFloorKb[i] === undefined ? '–' : fmt(p.rssFloorKb[i] / 1024, 0))).join(' · ')),
    row(`supervisor fds after ${n(baselineAfter)} → end (peak)`, (p) => `${p.start.fds} → ${p.end.fds}${p.end.fds > p.start.fds + fdAllowance(p) ? ' **grew**' : ''} (${p.fdsPeak})`),
    row('live sandboxes at those two points', (p) => `${p.start.sandboxes} → ${p.end.sandboxes}`),
    row("emu's stderr", (p) => mb(p.stderrBytes / 1024)),
    row('exit', (p) => `${p.exit}${p.exitOk ? '' : ' **unexpected**'}`),
    row('wall time', (p) => `${fmt(p.wallMs / 1000, 0)} s`),
    row('rate', (p) => `${n(Math.round(events / (p.wallMs / 1000)))} /s`),
  ].join('\n');
}

function kindTable(phases: PhaseResult[], { events, mix }: SoakSettings): string {
  const kinds: EventKind[] = ['ok', ...FAULT_KINDS];
  return [
    `| kind | count | expected | ${phases.map((p) => `${p.name} answered`).join(' | ')} |`,
    `| --- | ---: | --- | ${phases.map(() => '---').join(' | ')} |`,
    ...kinds.map((kind) => `| \`${kind}\` | ${n(kind === 'ok' ? events - faultCount(mix) : mix[kind])} | ${describeExpected(kind)} | ${phases.map((p) => p.tally.describe(kind)).join(' | ')} |`),
  ].join('\n');
}

/** The RESULTS.md section. */
export function report(phases: PhaseResult[], failed: string[], settings: SoakSettings): string {
  const { command, events, mix, seed, baselineAfter, quietBefore, inFlight, apiGatewayEvery, mark, loads } = settings;
  const details = phases.flatMap((p) => [...p.notes, ...p.tally.examples].map((line) => `- ${p.name}: ${line}`));
  return `## Soak (\`${command}\`)

${machineLine()}, ${cpus().length} cores; 1-minute load average ${loads.map((l) => fmt(l, 2)).join(' → ')} (before, between and after the phases; the machine is shared). Issue #8: ${n(events)} events per phase, 5% faults (${n(faultCount(mix))}), every kind of \`test/fixtures/faults.mjs\`, placed by a seeded generator (seed ${seed}; none in the ${quietBefore} events before each measuring point); the kinds that cost a second, 100 MB or a cold start each are capped (\`benchmarks/lib/soak-mix.ts\`). \`-c 2 -t 1\`, 128 MB.

- **stream**: \`${phases.find((p) => p.name === 'stream')?.command ?? 'not run'}\`, the events written with back-pressure, stdout checked line by line against the event it answers.
- **serve**: \`${phases.find((p) => p.name === 'serve')?.command ?? 'not run'}\`, ${inFlight} requests in flight over keep-alive connections: 1 in ${apiGatewayEvery} as \`GET /soak?fault=KIND\` through the API Gateway route (a function error is a 502), the others through the Invoke API (status, \`X-Amz-Function-Error\` and errorType checked); SIGTERM at the end.
- RSS and fds of the emu process after ${n(baselineAfter)} answers and after the last, each time with nothing in flight; processes left = any process carrying this run's \`${mark}\` variable (sandboxes, and grandchildren however detached) once emu has exited. Fds count as flat when the live sandboxes explain the difference: up to 6 for each sandbox more than at the start, and 1 per sandbox for the peak-RSS probe's /proc file opened at its second invocation.

${phaseTable(phases, settings)}

${kindTable(phases, settings)}
${details.length > 0 ? `\n${details.join('\n')}\n` : ''}
**${failed.length === 0 ? 'Met' : 'Not met'}**: outputs = inputs, every answer as expected, no process left, fds flat${failed.length === 0 ? '.' : `: ${failed.join('; ')}.`}`;
}
