// The bounded soak of issue #8: a long warm `emu run --stream` and as many requests through `emu serve`,
// 5% of them faults of every kind in test/fixtures/faults.mjs. Each phase checks that every input got
// its answer (in order, for the stream), that no sandbox or grandchild outlived emu, and that the
// supervisor's RSS and open file descriptors stayed flat; the figures go to benchmarks/RESULTS.md.
// Usage: npm run build && npx tsx benchmarks/soak.bench.ts [--events N] [--seed S] [--only stream|serve]
// (default 200,000 events per phase, about 10 minutes each on the 2-core development machine).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { childPids, kill, markedProcesses, type MarkedProcess, openFds, vmKb } from './lib/process-probe.js';
import { writeResultsSection } from './lib/results-file.js';
import { allowedThroughApiGateway, apiGatewayAnswer, invokeAnswer, send } from './lib/soak-http.js';
import { FAULT_KINDS, type FaultKind, planMix, type SoakEvent, soakEvents } from './lib/soak-mix.js';
import { type Checkpoint, failures, type PhaseResult, report } from './lib/soak-report.js';
import { answerOfLine, Tally } from './lib/soak-tally.js';
import { fmt } from './lib/stats.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const HANDLER = 'test/fixtures/faults.handler';
const flag = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
};
const EVENTS = Number(flag('--events') ?? 200_000);
const SEED = Number(flag('--seed') ?? 8);
const ONLY = flag('--only');
const IN_FLIGHT = 6;
/** Share of serve requests sent through the API Gateway route rather than the Invoke API. */
const APIGW_EVERY = 10;
const BASELINE_AFTER = Math.min(1_000, Math.floor(EVENTS / 4));
/** No fault in the events just before the two measuring points: both sandboxes are up when fds are counted. */
const QUIET_BEFORE = Math.min(50, Math.floor(BASELINE_AFTER / 4));
/** Per phase: 2 minutes plus 6 ms an event (22 minutes at the default size, where ~10 are expected). */
const PHASE_LIMIT_MS = Number(flag('--phase-timeout') ?? 120 + EVENTS * 0.006) * 1000;
const REQUEST_TIMEOUT_MS = 30_000;
/** Every sandbox gets it, and every grandchild inherits it: how this run finds what it left behind. */
const MARK = 'EMU_SOAK_RUN';
const RUN_ID = `${process.pid}-${Date.now()}`;
const FUNCTION_ARGS = ['--code-dir', ROOT, '-c', '2', '-t', '1', '--env', `${MARK}=${RUN_ID}`];

const mb = (kb: number): string => `${fmt(kb / 1024)} MB`;
const n = (value: number): string => value.toLocaleString('en');

/** After a watchdog or a Ctrl-C, the phase left running stops at its next step instead of going on. */
function stillRunning(): void {
  if (live.aborted) throw new Error('aborted');
}

/** What a phase started, so that a watchdog or a Ctrl-C can end exactly that. */
const live = { child: null as ChildProcess | null, closers: [] as (() => void)[], aborted: false };

function endPhaseProcesses(): MarkedProcess[] {
  live.aborted = true; // the phase's loops stop at their next step
  for (const close of live.closers.splice(0)) close();
  if (live.child?.pid !== undefined && live.child.exitCode === null && live.child.signalCode === null) kill(live.child.pid);
  const marked = markedProcesses(MARK, RUN_ID);
  for (const { pid } of marked) kill(pid);
  return marked;
}

/** Samples the supervisor every second: RSS and fds peaks, and how many of this run's processes live at once. */
class Sampler {
  rssPeakKb = 0;
  fdsPeak = 0;
  livePeak = 0;
  /** The lowest RSS seen in each tenth of the run: transient spikes (100 MB of logs) pass, a leak raises the floor. */
  readonly rssFloorKb: number[] = [];
  #ticks = 0;
  readonly #timer: NodeJS.Timeout;
  constructor(
    readonly pid: number,
    readonly name: string,
    readonly answered: () => number,
  ) {
    this.#timer = setInterval(() => this.#tick(), 1000);
    live.closers.push(() => this.stop());
  }
  #tick(): void {
    const rssKb = vmKb(this.pid);
    if (rssKb === undefined) return;
    this.rssPeakKb = Math.max(this.rssPeakKb, rssKb);
    const tenth = Math.min(9, Math.floor((this.answered() * 10) / EVENTS));
    this.rssFloorKb[tenth] = Math.min(this.rssFloorKb[tenth] ?? rssKb, rssKb);
    this.fdsPeak = Math.max(this.fdsPeak, openFds(this.pid) ?? 0);
    if (++this.#ticks % 2 === 0) this.livePeak = Math.max(this.livePeak, markedProcesses(MARK, RUN_ID).length);
    if (this.#ticks % 30 === 0) console.log(`${this.name}: ${n(this.answered())} answered after ${this.#ticks} s, RSS ${mb(vmKb(this.pid) ?? Number.NaN)}, ${openFds(this.pid)} fds`);
  }
  /** Called with nothing in flight: lets sandboxes being replaced settle, then takes the fewest fds of five looks. */
  async checkpoint(): Promise<Checkpoint> {
    await sleep(500);
    let fds = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 5; i++) {
      fds = Math.min(fds, openFds(this.pid) ?? Number.NaN);
      await sleep(100);
    }
    this.#tick();
    return { rssKb: vmKb(this.pid) ?? Number.NaN, fds, sandboxes: childPids(this.pid).length };
  }
  stop(): void {
    clearInterval(this.#timer);
  }
}

function startEmu(args: string[], stdin: 'pipe' | 'ignore'): { child: ChildProcess; exited: Promise<[number | null, NodeJS.Signals | null]>; stderrBytes: () => number } {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/emu.js'), ...args], { cwd: ROOT, stdio: [stdin, 'pipe', 'pipe'] });
  live.child = child;
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  let stderrBytes = 0;
  child.stderr?.on('data', (chunk: Buffer) => (stderrBytes += chunk.length));
  return { child, exited, stderrBytes: () => stderrBytes };
}

/** This run's processes still alive once emu is gone: looked for at exit, then again for up to a second. */
async function leftovers(): Promise<{ atExit: number; left: MarkedProcess[] }> {
  let left = markedProcesses(MARK, RUN_ID);
  const atExit = left.length;
  for (let i = 0; i < 10 && left.length > 0; i++) {
    await sleep(100);
    left = markedProcesses(MARK, RUN_ID);
  }
  for (const { pid } of left) kill(pid); // ours (they carry this run's mark), and a soak must not leave them
  return { atExit, left };
}

function grandchildren(tally: Tally): number {
  return (['grandchild', 'grandchild-group', 'grandchild-session'] as const).reduce((sum, kind) => sum + tally.count(kind, 'ok'), 0);
}

async function streamPhase(mix: Record<FaultKind, number>): Promise<PhaseResult> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'emu-soak-'));
  live.closers.push(() => rmSync(scratch, { recursive: true, force: true }));
  const summaryFile = path.join(scratch, 'summary.json');
  const args = ['run', HANDLER, '-', '--stream', '--warm', ...FUNCTION_ARGS, '--summary', summaryFile];
  const started = performance.now();
  const { child, exited, stderrBytes } = startEmu(args, 'pipe');
  const tally = new Tally();
  const sampler = new Sampler(child.pid as number, 'stream', () => tally.answered);
  const expected = soakEvents(EVENTS, mix, SEED, [BASELINE_AFTER, EVENTS], QUIET_BEFORE);
  const waiters: { count: number; resolve: () => void }[] = [];
  const decoder = new StringDecoder('utf8');
  let carry = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (carry + decoder.write(chunk)).split('\n');
    carry = lines.pop() as string;
    for (const line of lines) {
      const event = expected.next().value as SoakEvent | undefined;
      if (event === undefined) tally.record('ok', -1, { errorType: '(output beyond the inputs)' });
      else tally.record(event.kind, event.index, answerOfLine(line));
    }
    for (const waiter of waiters.filter((w) => tally.answered >= w.count)) waiter.resolve();
  });
  const closed = exited.then(() => waiters.forEach((w) => w.resolve()));
  const outputs = (count: number): Promise<void> => (tally.answered >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })));
  const inputs = soakEvents(EVENTS, mix, SEED, [BASELINE_AFTER, EVENTS], QUIET_BEFORE);
  const stdin = child.stdin as NonNullable<ChildProcess['stdin']>;
  stdin.on('error', () => {}); // EPIPE if emu dies: the output count tells
  let written = 0;
  let ended = false;
  let drained: (() => void) | null = null;
  stdin.on('drain', () => drained?.());
  void closed.then(() => ((ended = true), drained?.()));
  const feed = async (until: number): Promise<void> => {
    for (; written < until && !ended && !live.aborted; written++) {
      const event = inputs.next().value as SoakEvent;
      if (!stdin.write(`${event.json}\n`)) await new Promise<void>((resolve) => (drained = resolve));
      drained = null;
    }
  };
  await feed(BASELINE_AFTER);
  await outputs(BASELINE_AFTER);
  const start = await sampler.checkpoint();
  stillRunning();
  console.log(`stream: ${BASELINE_AFTER.toLocaleString('en')} answered, RSS ${fmt(start.rssKb / 1024)} MB, ${start.fds} fds; going on …`);
  await feed(EVENTS);
  await outputs(EVENTS);
  const end = await sampler.checkpoint();
  const rssHwmKb = vmKb(child.pid as number, 'VmHWM') ?? Number.NaN;
  stdin.end();
  const [code, signal] = await exited;
  const wallMs = performance.now() - started;
  sampler.stop();
  const { atExit, left } = await leftovers();
  tally.settleCollateral(mix['late-rejection']);
  const notes = summaryNotes(summaryFile, tally);
  return {
    name: 'stream', command: `node bin/emu.js ${args.join(' ').replace(ROOT, '.').replace(RUN_ID, '<run id>').replace(summaryFile, 'FILE')}`,
    outputs: tally.answered, tally, start, end, rssPeakKb: sampler.rssPeakKb, rssHwmKb, rssFloorKb: sampler.rssFloorKb, fdsPeak: sampler.fdsPeak, livePeak: sampler.livePeak,
    grandchildren: grandchildren(tally), leftAtExit: atExit, left, wallMs, exit: signal ?? String(code),
    // 1: some events failed, as planned.
    exitOk: code === 1, stderrBytes: stderrBytes(), notes,
  };
}

/** emu's own summary should count the same failures as the soak did. */
function summaryNotes(summaryFile: string, tally: Tally): string[] {
  if (!existsSync(summaryFile)) return ['emu wrote no --summary file'];
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { events: number; failedByErrorType: Record<string, number> };
  const seen = new Map<string, number>();
  for (const counts of tally.byKind.values()) for (const [answer, n] of counts) if (answer !== 'ok') seen.set(answer, (seen.get(answer) ?? 0) + n);
  const differ = [...new Set([...seen.keys(), ...Object.keys(summary.failedByErrorType)])].filter((type) => (seen.get(type) ?? 0) !== (summary.failedByErrorType[type] ?? 0));
  const notes = differ.map((type) => `emu's summary counts ${summary.failedByErrorType[type] ?? 0} ${type}, the soak saw ${seen.get(type) ?? 0}`);
  if (summary.events !== tally.answered) notes.push(`emu's summary counts ${summary.events} events, the soak saw ${tally.answered} outputs`);
  return notes;
}

async function servePhase(mix: Record<FaultKind, number>): Promise<PhaseResult> {
  const args = ['serve', HANDLER, ...FUNCTION_ARGS, '--host', '127.0.0.1', '--port', '0', '--json'];
  const started = performance.now();
  const { child, exited, stderrBytes } = startEmu(args, 'ignore');
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0] as string) as { url: string }).url);
    });
    void exited.then(() => reject(new Error('emu serve exited before listening')));
  });
  const tally = new Tally();
  const sampler = new Sampler(child.pid as number, 'serve', () => tally.answered);
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  live.closers.push(() => agent.destroy());
  const events = soakEvents(EVENTS, mix, SEED, [BASELINE_AFTER, EVENTS], QUIET_BEFORE);
  let issued = 0;
  const worker = async (until: number): Promise<void> => {
    while (issued < until && !live.aborted) {
      issued += 1;
      const event = events.next().value as SoakEvent;
      const viaApiGateway = event.index % APIGW_EVERY === APIGW_EVERY - 1;
      const answer = await send(url, agent, event, viaApiGateway, REQUEST_TIMEOUT_MS).then(viaApiGateway ? apiGatewayAnswer : invokeAnswer, (error: Error) => ({ errorType: `(request failed: ${error.message})` }));
      tally.record(event.kind, event.index, answer, viaApiGateway ? allowedThroughApiGateway(event.kind) : undefined);
    }
  };
  const load = (until: number): Promise<unknown> => Promise.all(Array.from({ length: IN_FLIGHT }, () => worker(until)));
  await load(BASELINE_AFTER);
  const start = await sampler.checkpoint();
  stillRunning();
  console.log(`serve: ${BASELINE_AFTER.toLocaleString('en')} answered, RSS ${fmt(start.rssKb / 1024)} MB, ${start.fds} fds; going on …`);
  await load(EVENTS);
  const end = await sampler.checkpoint();
  const rssHwmKb = vmKb(child.pid as number, 'VmHWM') ?? Number.NaN;
  agent.destroy();
  sampler.stop();
  child.kill('SIGTERM');
  const [code, signal] = await exited;
  const wallMs = performance.now() - started;
  const { atExit, left } = await leftovers();
  tally.settleCollateral(mix['late-rejection']);
  return {
    name: 'serve', command: `node bin/emu.js ${args.join(' ').replace(ROOT, '.').replace(RUN_ID, '<run id>')}`,
    outputs: tally.answered, tally, start, end, rssPeakKb: sampler.rssPeakKb, rssHwmKb, rssFloorKb: sampler.rssFloorKb, fdsPeak: sampler.fdsPeak, livePeak: sampler.livePeak,
    grandchildren: grandchildren(tally), leftAtExit: atExit, left, wallMs, exit: signal ?? String(code),
    exitOk: code === 0, stderrBytes: stderrBytes(), notes: [],
  };
}

/** Runs a phase under a watchdog: past the limit, what the phase started is killed by PID and the soak fails. */
async function withWatchdog(name: string, phase: () => Promise<PhaseResult>): Promise<PhaseResult> {
  let timer: NodeJS.Timeout | undefined;
  const overran = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const killed = endPhaseProcesses();
      reject(new Error(`${name} overran ${fmt(PHASE_LIMIT_MS / 1000, 0)} s: emu and ${killed.length} of its processes were killed`));
    }, PHASE_LIMIT_MS);
  });
  try {
    return await Promise.race([phase(), overran]);
  } finally {
    clearTimeout(timer);
    for (const close of live.closers.splice(0)) close();
    live.child = null;
  }
}

/** The CLI must start; a dist/ older than src/ only earns a warning (others may be editing src/). */
function checkBuild(): void {
  const version = spawnSync(process.execPath, [path.join(ROOT, 'bin/emu.js'), '--version'], { cwd: ROOT, encoding: 'utf8' });
  if (version.status !== 0) throw new Error(`\`node bin/emu.js --version\` failed (run \`npm run build\` first): ${version.stderr.trim()}`);
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' }).map((file) => statSync(path.join(ROOT, dir, file)).mtimeMs));
  if (newest('src') > newest('dist')) console.warn('warning: src/ changed after dist/ was built: run `npm run build`');
}

const MIX = ((): Record<FaultKind, number> => {
  try {
    if (!Number.isInteger(EVENTS) || EVENTS <= 0) throw new Error('--events takes a positive integer');
    return planMix(EVENTS);
  } catch (error) {
    console.error(`soak: ${(error as Error).message}`);
    process.exit(2);
  }
})();

async function main(): Promise<number> {
  checkBuild();
  console.log(`soak: ${n(EVENTS)} events per phase, seed ${SEED}; faults: ${FAULT_KINDS.map((k) => `${k} ${MIX[k]}`).join(', ')}`);
  const onSignal = (): void => {
    const killed = endPhaseProcesses();
    console.error(`soak interrupted: emu and ${killed.length} of its processes killed`);
    process.exit(130);
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const loads = [loadavg()[0] ?? 0];
  const phases: PhaseResult[] = [];
  for (const [name, phase] of [['stream', streamPhase], ['serve', servePhase]] as const) {
    if (ONLY !== undefined && ONLY !== name) continue;
    console.log(`${name}: ${n(EVENTS)} events …`);
    const result = await withWatchdog(name, () => phase(MIX));
    console.log(`${name}: ${n(result.outputs)} outputs in ${fmt(result.wallMs / 1000, 1)} s, ${result.tally.mismatches} wrong, ${result.left.length} processes left`);
    phases.push(result);
    loads.push(loadavg()[0] ?? 0);
  }
  const failed = phases.flatMap((phase) => failures(phase, EVENTS));
  const command = ['npx tsx benchmarks/soak.bench.ts', ...process.argv.slice(2)].join(' ');
  const settings = { command, events: EVENTS, mix: MIX, seed: SEED, baselineAfter: BASELINE_AFTER, quietBefore: QUIET_BEFORE, inFlight: IN_FLIGHT, apiGatewayEvery: APIGW_EVERY, mark: MARK, loads };
  const markdown = report(phases, failed, settings);
  console.log(`\n${markdown}`);
  writeResultsSection('soak', markdown);
  return failed.length === 0 ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (error) {
  endPhaseProcesses();
  const { left } = await leftovers(); // a second sweep: a process can be mid-spawn when the first one kills its parent
  console.error(`soak failed: ${(error as Error).message}${left.length > 0 ? ` (${left.length} more processes of this run killed)` : ''}`);
  process.exitCode = 1;
}
