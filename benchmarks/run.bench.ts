// emu run's speed and footprint, each measured side by side with its yardstick in one run.
// Usage: npm run build && npx tsx benchmarks/run.bench.ts [--quick]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
// The built package, as users run it (tsx's on-the-fly transpiling would add its own overhead).
import { createEmulator } from '../dist/index.js';
import { processStarterName } from '../dist/sandbox/process-starter.js';
import { reapedChildrenCpuMs } from './lib/process-cpu.js';
import { fmt, median, percentile } from './lib/stats.js';
import { twoAtATime, type ParallelFigures } from './lib/two-at-a-time.js';
import { machineLine, writeResultsSection } from './lib/results-file.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../test/fixtures/', import.meta.url));
const quick = process.argv.includes('--quick');
const ONE_SHOT_RUNS = quick ? 7 : 25;
const COLD_RUNS = quick ? 15 : 60;
const COLD_PARALLEL_INVOCATIONS = quick ? 60 : 300;
const WARM_INVOCATIONS = quick ? 5_000 : 30_000;

function timeSpawnSync(args: string[], env?: NodeJS.ProcessEnv, file = process.execPath): number {
  const started = performance.now();
  const run = spawnSync(file, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (run.status !== 0) throw new Error(`${args.join(' ')} failed: ${run.stderr}`);
  return performance.now() - started;
}

function timeSpawnToExit(args: string[], env: NodeJS.ProcessEnv, file = process.execPath): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => spawn(file, args, { env, stdio: 'ignore' }).once('exit', () => resolve(performance.now() - started)));
}

/** 1. One-shot CLI wall time against `node -e 0` and lambda-local, interleaved so noise hits all alike. */
function oneShot(): string[] {
  const runs = { node: [] as number[], emu: [] as number[], lambdaLocal: [] as number[] };
  const event = `${ROOT}examples/hello/event.json`;
  // As a user types it: the emu command (bin/emu: the launcher where the install built it). One untimed run
  // first: it writes the CLI's V8 code cache if the build has none yet, and remembers the launch for the early start.
  const emuRun = (): number => timeSpawnSync(['run', 'plain.handler', event, '--code-dir', FIXTURES], undefined, `${ROOT}bin/emu`);
  emuRun();
  for (let i = 0; i < ONE_SHOT_RUNS; i++) {
    runs.node.push(timeSpawnSync(['-e', '0']));
    runs.emu.push(emuRun());
    runs.lambdaLocal.push(timeSpawnSync(['node_modules/lambda-local/build/cli.js', '-l', `${FIXTURES}plain.cjs`, '-h', 'handler', '-e', event, '-v', '0']));
  }
  const node = median(runs.node);
  const emu = median(runs.emu);
  const lambdaLocal = median(runs.lambdaLocal);
  return [
    `| one-shot \`emu run\` (trivial handler), wall | ${fmt(emu)} ms | \`node -e 0\`: ${fmt(node)} ms | ${fmt(emu / node, 2)}× | ≤ 2.5× | ${verdict(emu / node <= 2.5)} |`,
    `| one-shot \`emu run\` vs lambda-local (same handler), wall | ${fmt(emu)} ms | lambda-local: ${fmt(lambdaLocal)} ms | ${fmt(emu / lambdaLocal, 2)}× | < 1× | ${verdict(emu < lambdaLocal)} |`,
  ];
}

/**
 * The floor under any cold start here: an empty module in the bootstrap's own format (CommonJS)
 * under AWS's heap flags at 128 MB. Any V8 flag makes V8 refuse Node's built-in code cache, so
 * what Node compiles from source at start is the floor too; an empty ES module is shown beside it
 * (Node's ESM loader is then compiled from source as well).
 */
const HEAP_FLAGS = ['--max-semi-space-size=6', '--max-old-space-size=116'];
const FLOOR_ARGS = [...HEAP_FLAGS, fileURLToPath(new URL('./fixtures/empty.cjs', import.meta.url))];
const ESM_FLOOR_ARGS = [...HEAP_FLAGS, fileURLToPath(new URL('./fixtures/empty.mjs', import.meta.url))];
/** Rounds of the parallel blocks, emu and floor alternating, so noise hits both alike. */
const PARALLEL_ROUNDS = 3;

/** The no-op handlers of the cold rows: CommonJS (the bootstrap's own format) and an ES module. */
const COLD_HANDLERS = [
  { label: 'CommonJS', handler: 'noop.handler', codeDir: fileURLToPath(new URL('./fixtures/cold/', import.meta.url)) },
  { label: 'ES module', handler: 'noop.handler', codeDir: FIXTURES },
] as const;

/**
 * 2. Cold invocations inside a running supervisor (spawn to answer), a CommonJS and an ES module
 * no-op handler, against the floor spawned to exit, interleaved; then 2 at a time: cold
 * invocations at -c 2 against floor processes 2 in parallel, alternating blocks, for the rate
 * and the CPU of each. Every verdict is against the floor in the bootstrap's format (CommonJS).
 */
async function cold(): Promise<string[]> {
  const emulators = COLD_HANDLERS.map(({ handler, codeDir }) => createEmulator({ handler, codeDir, mode: 'cold', onLog: () => {} }));
  const coldMs = COLD_HANDLERS.map(() => [] as number[]);
  const floorMs: number[] = [];
  const esmFloorMs: number[] = [];
  const nodeMs: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    for (const [k, emulator] of emulators.entries()) coldMs[k]?.push((await emulator.invoke({})).metrics.callerLatencyMs);
    floorMs.push(await timeSpawnToExit(FLOOR_ARGS, {}));
    esmFloorMs.push(await timeSpawnToExit(ESM_FLOOR_ARGS, {}));
    nodeMs.push(await timeSpawnToExit(['-e', '0'], {}));
  }
  await Promise.all(emulators.map((emulator) => emulator.close()));

  const parallels = COLD_HANDLERS.map(({ handler, codeDir }) => createEmulator({ handler, codeDir, mode: 'cold', concurrency: 2, onLog: () => {} }));
  for (const parallel of parallels) await parallel.invoke({});
  const perRound = Math.ceil(COLD_PARALLEL_INVOCATIONS / PARALLEL_ROUNDS);
  const emuRounds = COLD_HANDLERS.map(() => [] as ParallelFigures[]);
  const floorRounds: ParallelFigures[] = [];
  for (let round = 0; round < PARALLEL_ROUNDS; round++) {
    floorRounds.push(await twoAtATime(perRound, () => timeSpawnToExit(FLOOR_ARGS, {})));
    for (const [k, parallel] of parallels.entries()) emuRounds[k]?.push(await twoAtATime(perRound, () => parallel.invoke({})));
  }
  await Promise.all(parallels.map((parallel) => parallel.close()));
  const of = (rounds: ParallelFigures[], key: keyof ParallelFigures): number => median(rounds.map((figures) => figures[key]));
  const floor = median(floorMs);
  const floorCpuMs = of(floorRounds, 'childCpuMs');
  const floorPerSecond = of(floorRounds, 'perSecond');
  const rows = [
    `| *floor*: an empty CommonJS module under AWS's heap flags (128 MB), spawn to exit; CPU, 2 in parallel | ${fmt(floor)} ms; ${fmt(floorCpuMs)} ms | empty ES module, same flags: ${fmt(median(esmFloorMs))} ms; \`node -e 0\`: ${fmt(median(nodeMs))} ms | ${fmt(floor / median(nodeMs), 2)}× \`node -e 0\` | | |`,
  ];
  for (const [k, { label }] of COLD_HANDLERS.entries()) {
    const samples = coldMs[k] ?? [];
    const rounds = emuRounds[k] ?? [];
    // An ES module handler makes Node start its ES module loader, which an empty ES module pays too: its time is judged against that floor.
    const [floorLabel, timeFloor] = label === 'ES module' ? ['empty ES module floor', median(esmFloorMs)] : ['*floor*', floor];
    const overMs = median(samples) - timeFloor;
    const cpuRatio = (of(rounds, 'childCpuMs') + of(rounds, 'ownCpuMs')) / floorCpuMs;
    const rateRatio = of(rounds, 'perSecond') / floorPerSecond;
    rows.push(
      `| cold invoke in a running supervisor (spawn to answer), ${label} no-op | ${fmt(median(samples))} ms (p90 ${fmt(percentile(samples, 90))}) | ${floorLabel}: ${fmt(timeFloor)} ms | ${overMs < 0 ? '−' : '+'}${fmt(Math.abs(overMs))} ms | ≤ floor + 8 ms | ${verdict(overMs <= 8)} |`,
      `| CPU per cold invocation (2 in parallel), ${label} no-op: sandbox + supervisor | ${fmt(of(rounds, 'childCpuMs'))} + ${fmt(of(rounds, 'ownCpuMs'))} ms | *floor*, 2 in parallel: ${fmt(floorCpuMs)} ms | ${fmt(cpuRatio, 2)}× | ≤ 1.2× | ${verdict(cpuRatio <= 1.2)} |`,
      `| cold invocations/s at -c 2, ${label} no-op | ${fmt(of(rounds, 'perSecond'))} /s | *floor* processes/s, 2 in parallel: ${fmt(floorPerSecond)} /s | ${fmt(rateRatio, 2)}× | ≥ 0.8× | ${verdict(rateRatio >= 0.8)} |`,
    );
  }
  return rows;
}

/**
 * 2b. What the parent-death signal costs a cold start under the execa starter: `node -e 0` spawned directly
 * and through `setpriv --pdeathsig KILL` (one more execve before Node starts), interleaved, wall and CPU.
 */
async function parentDeathSignal(): Promise<string[]> {
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((file) => existsSync(file));
  if (setpriv === undefined) return ['| parent-death signal (setpriv) per cold start | n/a: no setpriv here | | | | |'];
  const direct: number[] = [];
  const wrapped: number[] = [];
  const wrappedArgs = ['--pdeathsig', 'KILL', '--', process.execPath, '-e', '0'];
  for (let i = 0; i < COLD_RUNS; i++) {
    direct.push(await timeSpawnToExit(['-e', '0'], {}));
    wrapped.push(await timeSpawnToExit(wrappedArgs, {}, setpriv));
  }
  const cpuOf = async (run: () => Promise<number>): Promise<number> => {
    const before = reapedChildrenCpuMs();
    for (let i = 0; i < COLD_RUNS; i++) await run();
    return (reapedChildrenCpuMs() - before) / COLD_RUNS;
  };
  const directCpuMs = await cpuOf(() => timeSpawnToExit(['-e', '0'], {}));
  const wrappedCpuMs = await cpuOf(() => timeSpawnToExit(wrappedArgs, {}, setpriv));
  return [
    `| spawn \`node -e 0\` through \`setpriv --pdeathsig KILL\` (what the execa starter pays; the vfork starter arms the signal in the child, with no exec), wall; CPU | ${fmt(median(wrapped))} ms; ${fmt(wrappedCpuMs)} ms | spawned directly: ${fmt(median(direct))} ms; ${fmt(directCpuMs)} ms | ${fmt(median(wrapped) / median(direct), 2)}× (+${fmt(median(wrapped) - median(direct), 1)} ms) | | |`,
  ];
}

/** 3. Warm overhead for a no-op handler, as the supervisor sees it, and sequential throughput from one sandbox. */
async function warm(): Promise<string[]> {
  const emulator = createEmulator({ handler: 'noop.handler', codeDir: FIXTURES, mode: 'warm', onLog: () => {} });
  for (let i = 0; i < 500; i++) await emulator.invoke({});
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < WARM_INVOCATIONS; i++) latencies.push((await emulator.invoke({})).metrics.callerLatencyMs);
  const perSecond = WARM_INVOCATIONS / ((performance.now() - started) / 1000);
  await emulator.close();
  const p50 = median(latencies);
  return [
    `| warm invoke, no-op handler, supervisor-observed p50 (p99) | ${fmt(p50, 3)} ms (${fmt(percentile(latencies, 99), 3)}) | | | ≤ 0.35 ms | ${verdict(p50 <= 0.35)} |`,
    `| warm invocations/s from one sandbox | ${fmt(perSecond, 0)} /s | | | ≥ 2,500/s | ${verdict(perSecond >= 2500)} |`,
  ];
}

/** 4. Idle RSS of a sandbox (bootstrap plus a no-op handler) against an idle `node`. */
async function idleRss(): Promise<string[]> {
  const emulator = createEmulator({ handler: 'counter.handler', codeDir: FIXTURES, mode: 'warm', onLog: () => {} });
  const { pid } = (await emulator.invoke({})).payload as { pid: number };
  await new Promise((resolve) => setTimeout(resolve, 300));
  const sandboxKb = vmRssKb(pid);
  await emulator.close();
  const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { env: {}, stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const nodeKb = vmRssKb(idle.pid as number);
  idle.kill('SIGKILL');
  const extraMb = (sandboxKb - nodeKb) / 1024;
  return [`| idle sandbox RSS (bootstrap + no-op handler) | ${fmt(sandboxKb / 1024)} MB | idle \`node\`: ${fmt(nodeKb / 1024)} MB | +${fmt(extraMb)} MB | ≤ +5 MB | ${verdict(extraMb <= 5)} |`];
}

function vmRssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
}

function verdict(met: boolean): string {
  return met ? 'met' : '**not met**';
}

const loadBefore = loadavg();
const rows = [...oneShot(), ...(await cold()), ...(await parentDeathSignal()), ...(await warm()), ...(await idleRss())];
const loadAfter = loadavg();
const loadLine = `load average ${loadBefore.map((value) => value.toFixed(2)).join(' ')} before, ${loadAfter.map((value) => value.toFixed(2)).join(' ')} after (1, 5, 15 min; 2 cores)`;
const table = [
  '| measure | emu | yardstick | ratio | target | |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows,
].join('\n');
const caStatus = process.env.NODE_EXTRA_CA_CERTS === undefined ? 'unset' : 'set (every CLI-level Node start pays for it; sandboxes do not inherit it)';
const markdown = `## emu run (\`npx tsx benchmarks/run.bench.ts${quick ? ' --quick' : ''}\`)

${machineLine()}; ${loadLine}; NODE_EXTRA_CA_CERTS ${caStatus}; sandboxes started by the ${processStarterName()} starter. Medians of ${ONE_SHOT_RUNS} one-shot runs, ${COLD_RUNS} cold invocations, ${WARM_INVOCATIONS.toLocaleString('en')} warm invocations; each row measured side by side with its yardstick, interleaved.

${table}`;
console.log(markdown);
writeResultsSection('run', markdown);
