// Python sandboxes side by side with their yardsticks, in one run (issue #14):
//   1. a cold invoke of a trivial Python handler against spawning `python3.11 -c pass` to exit, one at
//      a time, then 2 at a time for the rate and the CPU of each;
//   2. a warm stream of no-op events through one Python sandbox against one Node.js sandbox: events/s and
//      CPU per event (this process + the sandbox, from /proc), and emulambda's published 25 ms per event beside it.
// Usage: npm run build && npx tsx benchmarks/python.bench.ts [--quick]
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createEmulator } from '../dist/index.js';
import { processStarterName } from '../dist/sandbox/process-starter.js';
import { ownCpuMs, processCpuMs } from './lib/process-cpu.js';
import { childPids } from './lib/process-probe.js';
import { machineLine, writeResultsSection } from './lib/results-file.js';
import { twoAtATime, type ParallelFigures } from './lib/two-at-a-time.js';
import { fmt, median } from './lib/stats.js';

const quick = process.argv.includes('--quick');
const COLD_RUNS = quick ? 10 : 25;
const WARM_EVENTS = quick ? 5_000 : 20_000;
const ROUNDS = 4;
/** Rounds of the -c 2 blocks, emu and the bare interpreter alternating, and cold starts in each. */
const PARALLEL_ROUNDS = 3;
const PARALLEL_PER_ROUND = quick ? 20 : 60;
const PYTHON = '/usr/bin/python3.11';
const BENCH_FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const TEST_FIXTURES = fileURLToPath(new URL('../test/fixtures/', import.meta.url));

function spawnToExit(file: string, args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => spawn(file, args, { env: {}, stdio: 'ignore' }).once('exit', () => resolve(performance.now() - started)));
}

async function cold(): Promise<string[]> {
  const emulator = createEmulator({ handler: 'noop.handler', codeDir: BENCH_FIXTURES, runtime: 'python3.11', mode: 'cold', onLog: () => {} });
  await emulator.invoke({});
  const emu: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    emu.push((await emulator.invoke({})).metrics.callerLatencyMs);
    bare.push(await spawnToExit(PYTHON, ['-c', 'pass']));
  }
  await emulator.close();
  const ratio = median(emu) / median(bare);

  // 2 at a time, alternating blocks: the rate and the CPU of each cold start (sandbox + supervisor).
  const parallel = createEmulator({ handler: 'noop.handler', codeDir: BENCH_FIXTURES, runtime: 'python3.11', mode: 'cold', concurrency: 2, onLog: () => {} });
  await parallel.invoke({});
  const emuRounds: ParallelFigures[] = [];
  const bareRounds: ParallelFigures[] = [];
  for (let round = 0; round < PARALLEL_ROUNDS; round++) {
    bareRounds.push(await twoAtATime(PARALLEL_PER_ROUND, () => spawnToExit(PYTHON, ['-c', 'pass'])));
    emuRounds.push(await twoAtATime(PARALLEL_PER_ROUND, () => parallel.invoke({})));
  }
  await parallel.close();
  const of = (rounds: ParallelFigures[], key: keyof ParallelFigures): number => median(rounds.map((figures) => figures[key]));
  const bareCpu = of(bareRounds, 'childCpuMs');
  const cpuRatio = (of(emuRounds, 'childCpuMs') + of(emuRounds, 'ownCpuMs')) / bareCpu;
  const rateRatio = of(emuRounds, 'perSecond') / of(bareRounds, 'perSecond');
  return [
    `| cold invoke of a no-op Python handler (spawn to answer) | ${fmt(median(emu))} ms | \`python3.11 -c pass\`, spawn to exit: ${fmt(median(bare))} ms | ${fmt(ratio, 2)}× | ≤ 1.5× | ${ratio <= 1.5 ? 'met' : '**not met**'} |`,
    `| CPU per cold invocation (2 in parallel), Python no-op: sandbox + supervisor | ${fmt(of(emuRounds, 'childCpuMs'))} + ${fmt(of(emuRounds, 'ownCpuMs'))} ms | \`python3.11 -c pass\`, 2 in parallel: ${fmt(bareCpu)} ms | ${fmt(cpuRatio, 2)}× | | |`,
    `| cold invocations/s at -c 2, Python no-op | ${fmt(of(emuRounds, 'perSecond'))} /s | \`python3.11 -c pass\` processes/s, 2 in parallel: ${fmt(of(bareRounds, 'perSecond'))} /s | ${fmt(rateRatio, 2)}× | | |`,
  ];
}

interface WarmFigures {
  perSecond: number;
  cpuUsPerEvent: number;
}

/** One warm sandbox answering `events` invocations back to back; CPU is this process's and the sandbox's. */
async function warmRound(runtime: 'python' | 'node', events: number): Promise<WarmFigures> {
  const options = runtime === 'python' ? { handler: 'noop.handler', codeDir: BENCH_FIXTURES, runtime: 'python3.11' } : { handler: 'noop.handler', codeDir: TEST_FIXTURES };
  const emulator = createEmulator({ ...options, onLog: () => {} });
  await emulator.invoke({}); // the sandbox is started, untimed
  const pid = childPids(process.pid).at(-1) as number; // the sandbox just started
  const sandboxBefore = processCpuMs(pid);
  const ownBefore = ownCpuMs();
  const started = performance.now();
  for (let i = 0; i < events; i++) await emulator.invokeJson('{}');
  const elapsedMs = performance.now() - started;
  const cpuMs = ownCpuMs() - ownBefore + processCpuMs(pid) - sandboxBefore;
  await emulator.close();
  return { perSecond: events / (elapsedMs / 1000), cpuUsPerEvent: (cpuMs / events) * 1000 };
}

async function warm(): Promise<string[]> {
  const python: WarmFigures[] = [];
  const node: WarmFigures[] = [];
  const perRound = Math.round(WARM_EVENTS / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    python.push(await warmRound('python', perRound));
    node.push(await warmRound('node', perRound));
  }
  const py = { perSecond: median(python.map((f) => f.perSecond)), cpu: median(python.map((f) => f.cpuUsPerEvent)) };
  const js = { perSecond: median(node.map((f) => f.perSecond)), cpu: median(node.map((f) => f.cpuUsPerEvent)) };
  return [
    `| warm no-op events through one Python sandbox, ${WARM_EVENTS.toLocaleString('en')} in ${ROUNDS} rounds: events/s; CPU per event | ${fmt(py.perSecond, 0)} /s (${fmt(1000 / py.perSecond, 3)} ms each); ${fmt(py.cpu, 0)} µs | the same through one Node.js sandbox: ${fmt(js.perSecond, 0)} /s; ${fmt(js.cpu, 0)} µs | ${fmt(py.perSecond / js.perSecond, 2)}× the rate | | |`,
    `| per event, Python, against emulambda's published stream figure | ${fmt(1000 / py.perSecond, 3)} ms | emulambda: 25 ms per event (its published figure, as the issue quotes it) | ${fmt(1000 / py.perSecond / 25, 3)}× | | |`,
  ];
}

const rows = [...(await cold()), ...(await warm())];
const markdown = `## Python (\`npx tsx benchmarks/python.bench.ts${quick ? ' --quick' : ''}\`)

${machineLine()}, ${os.cpus().length} cores, ${PYTHON}. Cold: medians of ${COLD_RUNS} interleaved pairs, then ${PARALLEL_ROUNDS} alternating blocks of ${PARALLEL_PER_ROUND} two at a time (CPU: reaped children's, in 10 ms ticks, and this process's own). The bare interpreter is started by Node's own spawn (a fork of this process), emu's sandboxes by ${processStarterName()}: on this VM a fork costs the started process too, which is how emu can come in under its yardstick. Warm: invokeJson back to back through the programmatic API (the stream's core, without the CLI), Python and Node.js rounds interleaved, medians of ${ROUNDS} rounds; CPU is this process's plus the sandbox's (10 ms ticks) per event.

| measure | emu | yardstick | ratio | target | |
| --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
process.stdout.write(markdown);
writeResultsSection('python', markdown);
