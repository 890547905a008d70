// emu run --stream: throughput warm and cold, and the supervisor's RSS over a long warm stream.
// Each figure is the real CLI (bin/emu.js, so `npm run build` first) reading an NDJSON file, its
// stdout read by this process; beside it, the emulator alone (an in-process invoke loop, no stream
// layer) at the same concurrency, so that the stream's own cost and the core's show apart.
// Usage: npx tsx benchmarks/stream.bench.ts [--full] [--repeats N] [--rss-events N]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmulator } from '../src/index.js';
import { machineLine, writeResultsSection } from './lib/results-file.js';
import { fmt, median } from './lib/stats.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../test/fixtures/', import.meta.url));
const BUNDLE = path.join(ROOT, 'dist/cli/main.cjs');
const full = process.argv.includes('--full');
const flag = (name: string): number | undefined => {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : Number(process.argv[at + 1]);
};
const REPEATS = flag('--repeats') ?? 3;
const WARM_EVENTS = full ? 100_000 : 20_000;
const COLD_EVENTS = full ? 1_000 : 200;
const RSS_EVENTS = flag('--rss-events') ?? (full ? 1_000_000 : 100_000);
/** The comparison run only explains the first one: it need not be as long. */
const COMPARISON_RSS_EVENTS = Math.min(RSS_EVENTS, 100_000);
const RSS_BASELINE_AFTER = 1_000;

interface StreamRun {
  wallMs: number;
  /** The summary's own events/s: first read to last answer, without the CLI's start and exit. */
  summaryPerSecond: number;
  lines: number;
  failedByErrorType: Record<string, number>;
  rss: { afterBaselineKb: number; peakAfterKb: number; lastKb: number } | null;
}

/** Runs the CLI over file; counts stdout lines and, with watchRss, samples the CLI's VmRSS as they arrive. */
function runStream(file: string, args: string[], watchRss = false, nodeOptions?: string): Promise<StreamRun> {
  const summaryFile = path.join(scratch, `summary-${process.hrtime.bigint()}.json`);
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/emu.js'), 'run', 'noop.handler', file, '--stream', '--code-dir', FIXTURES, '--summary', summaryFile, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: nodeOptions === undefined ? process.env : { ...process.env, NODE_OPTIONS: nodeOptions },
  });
  let lines = 0;
  let stderr = '';
  let rss: StreamRun['rss'] = null;
  const sample = (): void => {
    if (!watchRss || lines < RSS_BASELINE_AFTER) return;
    const kb = vmRssKb(child.pid as number);
    if (kb === undefined) return;
    rss ??= { afterBaselineKb: kb, peakAfterKb: kb, lastKb: kb };
    rss.peakAfterKb = Math.max(rss.peakAfterKb, kb);
    rss.lastKb = kb;
  };
  const timer = setInterval(sample, 100);
  child.stdout.on('data', (chunk: Buffer) => {
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines += 1;
    if (rss === null) sample(); // the baseline as close to the 1,000th line as possible
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  return new Promise((resolve, reject) =>
    child.once('close', (code) => {
      clearInterval(timer);
      const wallMs = performance.now() - started;
      // 1 = some event failed: the summary says which, and the caller decides whether that is acceptable.
      if (code !== 0 && code !== 1) return reject(new Error(`emu exited ${code}: ${stderr}`));
      const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { eventsPerSecond: number; failedByErrorType: Record<string, number> };
      resolve({ wallMs, summaryPerSecond: summary.eventsPerSecond, lines, rss, failedByErrorType: summary.failedByErrorType });
    }),
  );
}

/** The yardstick: the same invocations straight through the emulator, `concurrency` loops at once. */
async function emulatorAlone(mode: 'warm' | 'cold', concurrency: number, count: number): Promise<number> {
  const emulator = createEmulator({ handler: 'noop.handler', codeDir: FIXTURES, mode, concurrency, prewarm: true, onLog: () => {} });
  const started = performance.now();
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      await emulator.invokeJson('{"n":1}');
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const perSecond = count / ((performance.now() - started) / 1000);
  await emulator.close();
  return perSecond;
}

/** undefined once the process is gone, or a zombie (whose status has no Vm lines). */
function vmRssKb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb);
  } catch {
    return undefined;
  }
}

function eventsFile(count: number): string {
  const file = path.join(scratch, `events-${count}.ndjson`);
  if (!existsSync(file)) writeFileSync(file, Array.from({ length: count }, (_, i) => `{"n":${i + 1}}\n`).join(''));
  return file;
}

function verdict(met: boolean): string {
  return met ? 'met' : '**not met**';
}

function checkBuild(): void {
  if (!existsSync(BUNDLE)) throw new Error('dist/cli/main.cjs is missing: run `npm run build` first');
  const stale = ['src/stream', 'src/cli'].flatMap((dir) => sourceFiles(path.join(ROOT, dir))).filter((file) => statSync(file).mtimeMs > statSync(BUNDLE).mtimeMs);
  if (stale.length > 0) console.warn(`warning: dist/ is older than ${stale.map((f) => path.relative(ROOT, f)).join(', ')}: run \`npm run build\``);
}

function sourceFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.ts')).map((name) => path.join(dir, name)) : [];
}

interface Row {
  label: string;
  wall: number[];
  summary: number[];
  alone: number[];
  target: number;
}

function throughputRow(row: Row, events: number): string {
  const wall = median(row.wall);
  const range = `${fmt(Math.min(...row.wall), 0)}–${fmt(Math.max(...row.wall), 0)}`;
  return `| ${row.label} | ${events.toLocaleString('en')} | **${fmt(wall, 0)} /s** (${range}) | ${fmt(median(row.summary), 0)} /s | ${fmt(median(row.alone), 0)} /s | ≥ ${row.target.toLocaleString('en')}/s | ${verdict(wall >= row.target)} |`;
}

interface RssRun {
  nodeOptions: string | undefined;
  events: number;
  run: StreamRun;
  rss: NonNullable<StreamRun['rss']>;
  growthMb: number;
}

function rssRow({ nodeOptions, events, run, rss, growthMb }: RssRun): string {
  const how = nodeOptions === undefined ? 'as shipped' : `\`NODE_OPTIONS=${nodeOptions}\` (for comparison)`;
  const kbToMb = (kb: number): string => `${fmt(kb / 1024)} MB`;
  const judged = nodeOptions === undefined ? `≤ +30 MB | ${verdict(growthMb <= 30)}` : 'comparison only | ';
  const failures = Object.entries(run.failedByErrorType).map(([type, count]) => `${count} ${type}`).join(', ') || 'none';
  return `| supervisor (CLI) RSS, warm \`-c 1\`, ${events.toLocaleString('en')} events, ${how} (${fmt(run.wallMs / 1000, 0)} s) | ${kbToMb(rss.afterBaselineKb)} | ${kbToMb(rss.peakAfterKb)} | ${kbToMb(rss.lastKb)} | +${fmt(growthMb)} MB | ${failures} | ${judged} |`;
}

const scratch = mkdtempSync(path.join(tmpdir(), 'emu-stream-bench-'));
try {
  checkBuild();
  const loadBefore = loadavg()[0] ?? 0;
  const warmFile = eventsFile(WARM_EVENTS);
  const coldFile = eventsFile(COLD_EVENTS);
  const rows: Record<'warm1' | 'warm2' | 'cold2', Row> = {
    warm1: { label: 'warm stream, no-op handler, `-c 1`', wall: [], summary: [], alone: [], target: 2000 },
    warm2: { label: 'warm stream, no-op handler, `-c 2`', wall: [], summary: [], alone: [], target: 4000 },
    cold2: { label: 'cold stream, no-op handler, `--cold -c 2`', wall: [], summary: [], alone: [], target: 40 },
  };
  const plan = [
    { key: 'warm1', file: warmFile, args: ['-c', '1'], mode: 'warm', concurrency: 1, events: WARM_EVENTS },
    { key: 'warm2', file: warmFile, args: ['-c', '2'], mode: 'warm', concurrency: 2, events: WARM_EVENTS },
    { key: 'cold2', file: coldFile, args: ['--cold', '-c', '2'], mode: 'cold', concurrency: 2, events: COLD_EVENTS },
  ] as const;
  // Interleaved, so that a noisy minute on this shared machine hits every figure alike.
  for (let repeat = 1; repeat <= REPEATS; repeat++) {
    for (const step of plan) {
      const run = await runStream(step.file, [...step.args]);
      if (run.lines !== step.events) throw new Error(`${step.key}: ${run.lines} output lines for ${step.events} events`);
      if (Object.keys(run.failedByErrorType).length > 0) throw new Error(`${step.key}: failures ${JSON.stringify(run.failedByErrorType)}`);
      const row = rows[step.key];
      row.wall.push(step.events / (run.wallMs / 1000));
      row.summary.push(run.summaryPerSecond);
      row.alone.push(await emulatorAlone(step.mode, step.concurrency, step.events));
      console.log(`repeat ${repeat} ${step.key}: ${fmt(row.wall.at(-1) as number, 0)}/s wall, ${fmt(run.summaryPerSecond, 0)}/s summary, ${fmt(row.alone.at(-1) as number, 0)}/s emulator alone`);
    }
  }
  // As shipped. (`--rss-compare` adds a run with NODE_OPTIONS=--max-semi-space-size=1, V8's young generation
  // capped from the start: the stream command itself keeps it from growing, so the two should agree.)
  const rssRuns: RssRun[] = [];
  for (const nodeOptions of process.argv.includes('--rss-compare') ? [undefined, '--max-semi-space-size=1'] : [undefined]) {
    const events = nodeOptions === undefined ? RSS_EVENTS : COMPARISON_RSS_EVENTS;
    console.log(`RSS run: ${events.toLocaleString('en')} warm events, -c 1${nodeOptions === undefined ? '' : `, NODE_OPTIONS=${nodeOptions}`} …`);
    const run = await runStream(eventsFile(events), ['-c', '1'], true, nodeOptions);
    const rss = run.rss ?? { afterBaselineKb: Number.NaN, peakAfterKb: Number.NaN, lastKb: Number.NaN };
    rssRuns.push({ nodeOptions, events, run, rss, growthMb: (rss.peakAfterKb - rss.afterBaselineKb) / 1024 });
  }
  const loadAfter = loadavg()[0] ?? 0;

  const sizesNote =
    WARM_EVENTS < 100_000 || RSS_EVENTS < 1_000_000
      ? " Where the events column is smaller than the issue's figures (100,000 warm events, 1,000,000 for RSS), `--full` runs those (`--rss-events 1000000` only the RSS one)."
      : '';
  const oomNote = rssRuns.some((r) => r.run.failedByErrorType['Runtime.OutOfMemory'] !== undefined)
    ? "\n\nA Runtime.OutOfMemory in a long warm run is the *sandbox's* RSS drifting up (about 150 bytes per invocation when this was written: the bootstrap sets `process.env._X_AMZN_TRACE_ID` to a new value per invocation and glibc's setenv never frees the old string), not the supervisor's."
    : '';
  const command = ['npx tsx benchmarks/stream.bench.ts', ...process.argv.slice(2)].join(' ');
  const markdown = `## emu run --stream (\`${command}\`)

${machineLine()}, ${cpus().length} cores, NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS === undefined ? 'unset' : 'set (each CLI start pays for it)'}; 1-minute load average ${fmt(loadBefore, 2)} before, ${fmt(loadAfter, 2)} after (the machine is shared). CLI: \`node bin/emu.js run noop.handler events.ndjson --stream [-c N | --cold -c N] --summary FILE\` (the bundled dist/), stdout read by the benchmark. Throughput rows: median of ${REPEATS} runs (min–max), interleaved. **Wall** = events ÷ the CLI's whole life (start, first cold start, exit included): the verdict uses it. *Summary* = the CLI's own events/s (first read to last answer). *Emulator alone* = the same invocations from an in-process loop over \`invokeJson\`, without the stream layer: the core's ceiling on this machine.${sizesNote}

| measure | events | wall | summary | emulator alone | target | |
| --- | --- | --- | --- | --- | --- | --- |
${throughputRow(rows.warm1, WARM_EVENTS)}
${throughputRow(rows.warm2, WARM_EVENTS)}
${throughputRow(rows.cold2, COLD_EVENTS)}

| measure | after ${RSS_BASELINE_AFTER.toLocaleString('en')} events | peak after that | at the end | growth | failed events | target | |
| --- | --- | --- | --- | --- | --- | --- | --- |
${rssRuns.map(rssRow).join('\n')}${oomNote}`;
  console.log(`\n${markdown}`);
  writeResultsSection('stream', markdown);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
