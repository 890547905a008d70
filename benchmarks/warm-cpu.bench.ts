// Warm CPU per invocation in `emu run --stream -c 1` (issue #18): the CLI's and the sandbox's CPU
// per no-op event, read from /proc over a window that starts once the warm-up events are answered
// and ends when the last answer is on stdout (before the sandbox is shut down), so neither start
// nor exit is counted. Beside it in the same run, interleaved: the floor for the same exchange (a
// node:http server and a lean HTTP client in a child, GET /next then POST /response per round)
// and a pipe round trip. Python and a custom `bootstrap` runtime get rows too.
// Usage: npm run build && npx tsx benchmarks/warm-cpu.bench.ts [--events N] [--repeats N]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { processCpuMs, treeCpuMs } from './lib/process-cpu.js';
import { machineLine, writeResultsSection } from './lib/results-file.js';
import { fmt, median } from './lib/stats.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FLOOR = path.join(ROOT, 'benchmarks/fixtures/warm-floor');
const flag = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const EVENTS = flag('--events', 20_000);
const REPEATS = flag('--repeats', 3);
const WARMUP = 200;
const OTHER_RUNTIME_EVENTS = Math.min(EVENTS, 2_000);
const CUSTOM_EVENTS = 300;

interface Sample {
  /** CPU per round, µs: the supervisor side (emu CLI, or the floor's server / pipe parent). */
  hostUs: number;
  /** CPU per round, µs: the sandbox side (the runtime, or the floor's client / pipe child). */
  childUs: number;
  perSecond: number;
}

interface Window {
  lines: number;
  host: number;
  child: number;
  at: number;
}

/** Runs the CLI over events; samples the CLI's and its sandbox's CPU after WARMUP lines and at the last line. */
function runEmu(events: number, args: string[]): Promise<Sample> {
  const file = path.join(scratch, `events-${events}.ndjson`);
  writeFileSync(file, '{}\n'.repeat(events));
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/emu.js'), 'run', ...args, file, '--stream', '-c', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const cliPid = child.pid as number;
  // The sandbox side is everything under the CLI, live or reaped: the last answer can be read here
  // after the CLI has already retired and reaped the sandbox, whose CPU is then in the CLI's cutime.
  const read = (lines: number): Window => {
    const host = processCpuMs(cliPid);
    return { lines, host, child: treeCpuMs(cliPid) - host, at: performance.now() };
  };
  let lines = 0;
  let first: Window | undefined;
  let last: Window | undefined;
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
    if (first === undefined && lines >= Math.min(WARMUP, events / 10)) first = read(lines);
    if (lines === events) last = read(lines);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (first === undefined || last === undefined) return reject(new Error(`emu ${args.join(' ')}: ${lines}/${events} lines, exit ${code}\n${stderr.slice(-2000)}`));
      resolve(perRound(last.lines - first.lines, last.host - first.host, last.child - first.child, last.at - first.at));
    });
  });
}

function perRound(rounds: number, hostMs: number, childMs: number, wallMs: number): Sample {
  return { hostUs: (hostMs * 1000) / rounds, childUs: (childMs * 1000) / rounds, perSecond: rounds / (wallMs / 1000) };
}

/** Runs a floor script that prints {rounds, clientCpuMs, serverCpuMs, wallMs}. */
function runFloorScript(file: string, args: string[]): Promise<{ rounds: number; clientCpuMs: number; serverCpuMs: number; wallMs: number }> {
  const child = spawn(process.execPath, [path.join(FLOOR, file), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${file} exited ${code}`))));
  });
}

async function runHttpFloor(rounds: number): Promise<Sample> {
  const server = spawn(process.execPath, [path.join(FLOOR, 'http-server.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => server.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
  try {
    const result = await runFloorScript('http-client.mjs', [port, String(server.pid), String(rounds + WARMUP), String(WARMUP)]);
    return perRound(result.rounds, result.serverCpuMs, result.clientCpuMs, result.wallMs);
  } finally {
    server.stdin.end();
  }
}

async function runPipeFloor(rounds: number): Promise<Sample> {
  const result = await runFloorScript('pipe-parent.mjs', [String(rounds + WARMUP), String(WARMUP)]);
  return perRound(result.rounds, result.clientCpuMs, result.serverCpuMs, result.wallMs);
}

interface Row {
  name: string;
  run: () => Promise<Sample>;
  samples: Sample[];
}

const scratch = mkdtempSync(path.join(tmpdir(), 'emu-warm-cpu-'));
const fixtures = path.join(ROOT, 'test/fixtures');
const rows: Row[] = [
  { name: `emu run --stream -c 1, Node no-op (${EVENTS} events)`, run: () => runEmu(EVENTS, ['noop.handler', '--code-dir', fixtures]), samples: [] },
  { name: 'floor: node:http server + lean HTTP client (2 requests per round)', run: () => runHttpFloor(EVENTS), samples: [] },
  { name: 'floor: pipe round trip (1 line each way)', run: () => runPipeFloor(EVENTS), samples: [] },
  {
    name: `emu run --stream -c 1, python3.11 no-op (${OTHER_RUNTIME_EVENTS} events)`,
    run: () => runEmu(OTHER_RUNTIME_EVENTS, ['noop.handler', '--code-dir', path.join(ROOT, 'benchmarks/fixtures'), '--runtime', 'python3.11']),
    samples: [],
  },
  {
    name: `emu run --stream -c 1, custom bootstrap, sh + curl (${CUSTOM_EVENTS} events)`,
    run: () => runEmu(CUSTOM_EVENTS, ['function.handler', '--code-dir', path.join(fixtures, 'custom-runtime/echo'), '--runtime', 'provided.al2023']),
    samples: [],
  },
];

const loadBefore = loadavg();
try {
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    for (const row of rows) {
      try {
        const sample = await row.run();
        row.samples.push(sample);
        console.log(`${row.name}: host ${fmt(sample.hostUs)} µs + child ${fmt(sample.childUs)} µs per round, ${fmt(sample.perSecond, 0)}/s`);
      } catch (error) {
        console.log(`${row.name}: failed: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const loadAfter = loadavg();

const medianOf = (row: Row, pick: (sample: Sample) => number): number => median(row.samples.map(pick));
const total = (sample: Sample): number => sample.hostUs + sample.childUs;
const emuTotal = rows[0] === undefined ? Number.NaN : medianOf(rows[0], total);
const floorTotal = rows[1] === undefined ? Number.NaN : medianOf(rows[1], total);
const table = rows
  .filter((row) => row.samples.length > 0)
  .map((row) => `| ${row.name} | ${fmt(medianOf(row, (s) => s.hostUs))} | ${fmt(medianOf(row, (s) => s.childUs))} | ${fmt(medianOf(row, total))} | ${fmt(medianOf(row, total) / floorTotal, 2)}x | ${fmt(medianOf(row, (s) => s.perSecond), 0)} | ${row.samples.length} |`)
  .join('\n');
const verdict = emuTotal <= 200 ? 'met' : 'not met';

writeResultsSection(
  'warm-cpu',
  `## Warm CPU per invocation (\`npx tsx benchmarks/warm-cpu.bench.ts\`)

${machineLine()}, ${cpus().length} cores, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' ')} after. Rows interleaved, medians of ${REPEATS} runs. CPU is user + sys from /proc (10 ms ticks) over the rounds after the first ${WARMUP} answers up to the last answer on stdout: start and shutdown are not counted. "Supervisor side" is the emu CLI process (or the floor's node:http server, or the pipe's parent); "sandbox side" is the runtime process tree (or the floor's client, or the pipe's child).

Target (issue #18): ≤ 200 µs per event, emu plus sandbox, Node no-op in \`--stream -c 1\`: **${verdict}** (${fmt(emuTotal)} µs, ${fmt(emuTotal / floorTotal, 2)}x the node:http floor).

| Row | Supervisor side µs/round | Sandbox side µs/round | Total µs/round | vs node:http floor | Rounds/s (wall) | Runs |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${table}
`,
);
console.log(readFileSync(path.join(ROOT, 'benchmarks/RESULTS.md'), 'utf8').split('<!-- warm-cpu:start -->')[1]?.split('<!-- warm-cpu:end -->')[0]);
