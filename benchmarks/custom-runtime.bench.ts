// A custom runtime's cold start under emu against the same shell bootstrap run without emu, side by side:
// test/fixtures/custom-runtime/echo (sh + curl) answers one event, spawn to answer. Without emu the script
// talks to a bare Runtime API server in this process (one /next, one /response) and is killed once it
// has answered; under emu a cold sandbox is started per invocation (the process starter, its memory cgroup, the
// Runtime API, the kill of its group). CPU is user + sys of this process and its reaped children.
// Usage: npm run build && npx tsx benchmarks/custom-runtime.bench.ts [--quick]
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createEmulator } from '../dist/index.js';
import { processStarterName } from '../dist/sandbox/process-starter.js';
import { ownCpuMs, reapedChildrenCpuMs } from './lib/process-cpu.js';
import { machineLine, writeResultsSection } from './lib/results-file.js';
import { fmt, median } from './lib/stats.js';
import { twoAtATime, type ParallelFigures } from './lib/two-at-a-time.js';

const BOOTSTRAP_DIR = fileURLToPath(new URL('../test/fixtures/custom-runtime/echo/', import.meta.url));
const RUNS = process.argv.includes('--quick') ? 10 : 30;
/** Blocks of the -c 2 rows, emu and the bare script alternating. */
const PARALLEL_ROUNDS = 3;

/** A Runtime API that hands out one event and resolves when its answer arrives. */
function bareRuntimeApi(): Promise<{ server: Server; address: string; answered: () => Promise<void> }> {
  let resolveAnswer: () => void = () => {};
  const server = createServer((req, res) => {
    if (req.url?.endsWith('/invocation/next')) {
      res.writeHead(200, { 'lambda-runtime-aws-request-id': 'bench-1', 'lambda-runtime-deadline-ms': String(Date.now() + 3000) });
      res.end('{"n":1}');
      return;
    }
    req.resume();
    req.on('end', () => {
      res.writeHead(202).end('{"status":"OK"}');
      resolveAnswer();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, address: `127.0.0.1:${(server.address() as AddressInfo).port}`, answered: () => new Promise((done) => (resolveAnswer = done)) }),
    ),
  );
}

async function bare(): Promise<{ wallMs: number; cpuMs: number }> {
  const api = await bareRuntimeApi();
  const answered = api.answered();
  const cpuBefore = ownCpuMs() + reapedChildrenCpuMs();
  const started = performance.now();
  const child = spawn(`${BOOTSTRAP_DIR}bootstrap`, [], {
    cwd: BOOTSTRAP_DIR,
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', AWS_LAMBDA_RUNTIME_API: api.address, _HANDLER: 'function.handler', LAMBDA_TASK_ROOT: BOOTSTRAP_DIR },
    stdio: 'ignore',
    detached: true,
  });
  await answered;
  const wallMs = performance.now() - started;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-(child.pid as number), 'SIGKILL');
  await exited;
  await new Promise((resolve) => api.server.close(resolve));
  return { wallMs, cpuMs: ownCpuMs() + reapedChildrenCpuMs() - cpuBefore };
}

const emulator = createEmulator({ handler: 'function.handler', codeDir: BOOTSTRAP_DIR, runtime: 'provided.al2023', mode: 'cold', onLog: () => {} });
const emu = { wall: [] as number[], cpu: [] as number[] };
const plain = { wall: [] as number[], cpu: [] as number[] };
await emulator.invoke({}); // untimed: the memory cgroup's parent folder is made once
for (let i = 0; i < RUNS; i++) {
  const cpuBefore = ownCpuMs() + reapedChildrenCpuMs();
  const result = await emulator.invoke({ n: i });
  if (result.status !== 'ok') throw new Error(`the custom runtime failed: ${result.payloadJson}`);
  await new Promise((resolve) => setTimeout(resolve, 50)); // the cold sandbox is reaped, its CPU counted
  emu.wall.push(result.metrics.callerLatencyMs);
  emu.cpu.push(ownCpuMs() + reapedChildrenCpuMs() - cpuBefore);
  const run = await bare();
  plain.wall.push(run.wallMs);
  plain.cpu.push(run.cpuMs);
}
const method = (await emulator.invoke({})).metrics.peakRssMethod;
await emulator.close();

// 2 at a time, alternating blocks: the rate and the CPU of each cold start.
const parallel = createEmulator({ handler: 'function.handler', codeDir: BOOTSTRAP_DIR, runtime: 'provided.al2023', mode: 'cold', concurrency: 2, onLog: () => {} });
await parallel.invoke({});
const emuRounds: ParallelFigures[] = [];
const bareRounds: ParallelFigures[] = [];
for (let round = 0; round < PARALLEL_ROUNDS; round++) {
  bareRounds.push(await twoAtATime(RUNS, () => bare()));
  emuRounds.push(await twoAtATime(RUNS, () => parallel.invoke({})));
}
await parallel.close();
const of = (rounds: ParallelFigures[], key: keyof ParallelFigures): number => median(rounds.map((figures) => figures[key]));
const cpuOf = (rounds: ParallelFigures[]): number => of(rounds, 'childCpuMs') + of(rounds, 'ownCpuMs');

const ratio = median(emu.wall) / median(plain.wall);
const markdown = `## Custom runtimes (\`npx tsx benchmarks/custom-runtime.bench.ts\`)

${machineLine()}, ${os.cpus().length} cores. A shell \`bootstrap\` with curl (test/fixtures/custom-runtime/echo), one event, spawn to answer; medians of ${RUNS} interleaved pairs. CPU: user + sys of this process and its reaped children (10 ms ticks for children), median per invocation. Peak memory method under emu: ${method}. The bare script is started by Node's own spawn (a fork of this process), emu's sandboxes by the ${processStarterName()} starter; the -c 2 rows count this process's CPU as well as its reaped children's.

| measure | emu (cold) | the same script, no emu | ratio |
| --- | --- | --- | --- |
| spawn to answer, wall | ${fmt(median(emu.wall))} ms | ${fmt(median(plain.wall))} ms | ${fmt(ratio, 2)}× |
| CPU per invocation | ${fmt(median(emu.cpu))} ms | ${fmt(median(plain.cpu))} ms | ${fmt(median(emu.cpu) / median(plain.cpu), 2)}× |
| CPU per invocation, 2 in parallel (${PARALLEL_ROUNDS} alternating blocks of ${RUNS}) | ${fmt(cpuOf(emuRounds))} ms | ${fmt(cpuOf(bareRounds))} ms | ${fmt(cpuOf(emuRounds) / cpuOf(bareRounds), 2)}× |
| cold invocations/s at -c 2 | ${fmt(of(emuRounds, 'perSecond'))} /s | ${fmt(of(bareRounds, 'perSecond'))} /s | ${fmt(of(emuRounds, 'perSecond') / of(bareRounds, 'perSecond'), 2)}× |
`;
process.stdout.write(markdown);
writeResultsSection('custom-runtime', markdown);
