// What starting a sandbox's process costs the supervisor, by starter, side by side in one run: the
// vfork starter (native/sandbox-spawn.c), the execa starter (setpriv in front, for the
// parent-death signal), and a bare child_process.spawn as Node's own floor. Each starts the cold
// floor's process (an empty CommonJS module under AWS's heap flags) and waits for its exit.
// Usage: npm run build && npx tsx benchmarks/process-starter.bench.ts [--quick]
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
// The built package, as users run it.
import { processStarter, type ProcessLaunch, type SandboxProcess } from '../dist/sandbox/process-starter.js';
import { reapedChildrenCpuMs } from './lib/process-cpu.js';
import { machineLine, writeResultsSection } from './lib/results-file.js';
import { fmt, median } from './lib/stats.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 6 : 15;
const PER_ROUND = 10;
const FLOOR: ProcessLaunch = {
  file: process.execPath,
  args: ['--max-semi-space-size=6', '--max-old-space-size=116', fileURLToPath(new URL('./fixtures/empty.cjs', import.meta.url))],
  cwd: process.cwd(),
  env: {},
};

type Start = (launch: ProcessLaunch) => SandboxProcess;

const bareSpawn: Start = (launch) => spawn(launch.file, launch.args, { cwd: launch.cwd, env: launch.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }) as SandboxProcess;
const vfork = await processStarter('vfork');
if (vfork === undefined) {
  console.error('the vfork starter is not built here (npm run build builds it where a C compiler and Node’s headers exist)');
  process.exit(1);
}
const STARTERS: { label: string; start: Start }[] = [
  { label: 'vfork starter (emu’s default), parent-death signal armed in the child', start: vfork },
  { label: 'execa starter through `setpriv --pdeathsig KILL` (the fallback)', start: (await processStarter('execa')) as Start },
  { label: 'bare `child_process.spawn`, no parent-death signal (Node’s own fork)', start: bareSpawn },
];

interface Sample {
  blockedMs: number;
  wallMs: number;
}

/** One start: how long the call held the event loop, and spawn to close. */
async function once(start: Start): Promise<Sample> {
  const started = performance.now();
  const child = start(FLOOR);
  const blockedMs = performance.now() - started;
  child.stdout?.resume();
  child.stderr?.resume();
  await new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { blockedMs, wallMs: performance.now() - started };
}

interface Figures {
  blocked: number[];
  wall: number[];
  ownCpuMs: number;
  childCpuMs: number;
  count: number;
}

const figures = STARTERS.map((): Figures => ({ blocked: [], wall: [], ownCpuMs: 0, childCpuMs: 0, count: 0 }));
for (const start of STARTERS) await once(start.start); // warm-up: libraries loaded, code compiled
for (let round = 0; round < ROUNDS; round++) {
  for (const [k, starter] of STARTERS.entries()) {
    const into = figures[k] as Figures;
    const cpuBefore = process.cpuUsage();
    const childBefore = reapedChildrenCpuMs();
    for (let i = 0; i < PER_ROUND; i++) {
      const sample = await once(starter.start);
      into.blocked.push(sample.blockedMs);
      into.wall.push(sample.wallMs);
    }
    const cpu = process.cpuUsage(cpuBefore);
    into.ownCpuMs += (cpu.user + cpu.system) / 1000;
    into.childCpuMs += reapedChildrenCpuMs() - childBefore;
    into.count += PER_ROUND;
  }
}

const load = loadavg();
const base = figures[1] as Figures;
const rows = STARTERS.map(({ label }, k) => {
  const f = figures[k] as Figures;
  const own = f.ownCpuMs / f.count;
  const child = f.childCpuMs / f.count;
  const total = own + child;
  const vsExeca = total / ((base.ownCpuMs + base.childCpuMs) / base.count);
  return `| ${label} | ${fmt(median(f.blocked), 2)} ms | ${fmt(median(f.wall))} ms | ${fmt(own, 2)} ms | ${fmt(child)} ms | ${fmt(total)} ms (${fmt(vsExeca, 2)}×) |`;
});
const markdown = `## Starting a sandbox's process (\`npx tsx benchmarks/process-starter.bench.ts${quick ? ' --quick' : ''}\`)

${machineLine()}; load average ${load.map((value) => value.toFixed(2)).join(' ')} at the end. ${ROUNDS} interleaved rounds of ${PER_ROUND} starts per starter, one at a time, of the cold floor's process (an empty CommonJS module under AWS's heap flags at 128 MB), each waited for to its exit. Blocked: how long the start call held the supervisor's event loop (median). CPU: the supervisor's own user + sys per start, and the started process's (setpriv's included), counted in 10 ms clock ticks over each block.

| starter | blocked | start to exit | supervisor CPU | process CPU | total CPU (vs execa) |
| --- | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}`;
console.log(markdown);
writeResultsSection('process-starter', markdown);
