// AWS's Node.js runtime interface client (aws-lambda-ric, as a custom runtime from a layer's bootstrap)
// against emu's own Node.js bootstrap, same handler (test/fixtures/conformance/async.mjs), same run:
// the warm round trip (invoke to answer, interleaved rounds) and its CPU (this supervisor's
// process.cpuUsage plus the live sandbox trees' utime+stime from /proc), then cold starts (CPU of
// dead sandboxes from this process's reaped-children counters).
// Usage: npm ci --prefix conformance/ric && npx tsx benchmarks/runtime-clients.bench.ts [--quick]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmulator, type EmulatorOptions } from '../src/index.js';
import { ricUnavailableReason, ricVersion, writeRicLayer } from '../test/ric-runtime.js';
import { childPids } from './lib/process-probe.js';
import { machineLine, writeResultsSection } from './lib/results-file.js';
import { fmt, median, percentile } from './lib/stats.js';

const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 4 : 20;
const PER_ROUND = 100;
const COLD_RUNS = QUICK ? 5 : 15;
const CODE_DIR = fileURLToPath(new URL('../test/fixtures/conformance/', import.meta.url));
const TICK_MS = 1000 / 100; // USER_HZ

type Client = 'emu' | 'ric';
interface Tally {
  wallMs: number[];
  cpuMs: number[];
}

/** utime+stime (fields 14 and 15) of a process, live or exited (0 when gone); cutime+cstime when `reaped`. */
function procCpuMs(pid: number | 'self', reaped = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [a, b] = reaped ? [13, 14] : [11, 12];
    return (Number(fields[a]) + Number(fields[b])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** CPU of every live descendant of this process (the sandboxes and their children). */
function sandboxTreeCpuMs(): number {
  let total = 0;
  const pending = childPids(process.pid);
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    total += procCpuMs(pid);
    pending.push(...childPids(pid));
  }
  return total;
}

function supervisorCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function options(client: Client, layer: string, mode: 'warm' | 'cold'): EmulatorOptions {
  const base: EmulatorOptions = { handler: 'async.handler', codeDir: CODE_DIR, mode, memoryMb: 256, onLog: () => {}, onWarning: () => {} };
  return client === 'ric' ? { ...base, runtime: 'provided.al2023', layers: [layer] } : base;
}

async function warm(layer: string): Promise<Record<Client, Tally>> {
  const clients: Client[] = ['emu', 'ric'];
  const emulators = Object.fromEntries(clients.map((client) => [client, createEmulator(options(client, layer, 'warm'))]));
  const tallies: Record<Client, Tally> = { emu: { wallMs: [], cpuMs: [] }, ric: { wallMs: [], cpuMs: [] } };
  try {
    for (const client of clients) for (let i = 0; i < 50; i++) await emulators[client]?.invoke({ i }); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const client of round % 2 === 0 ? clients : [...clients].reverse()) {
        const emulator = emulators[client];
        if (emulator === undefined) continue;
        const cpuBefore = supervisorCpuMs() + sandboxTreeCpuMs();
        for (let i = 0; i < PER_ROUND; i++) {
          const started = performance.now();
          await emulator.invoke({ i });
          tallies[client].wallMs.push(performance.now() - started);
        }
        tallies[client].cpuMs.push((supervisorCpuMs() + sandboxTreeCpuMs() - cpuBefore) / PER_ROUND);
      }
    }
  } finally {
    await Promise.all(Object.values(emulators).map((emulator) => emulator.close()));
  }
  return tallies;
}

async function cold(layer: string): Promise<Record<Client, Tally>> {
  const tallies: Record<Client, Tally> = { emu: { wallMs: [], cpuMs: [] }, ric: { wallMs: [], cpuMs: [] } };
  for (let run = 0; run < COLD_RUNS; run++) {
    for (const client of run % 2 === 0 ? (['emu', 'ric'] as const) : (['ric', 'emu'] as const)) {
      const emulator = createEmulator(options(client, layer, 'cold'));
      const cpuBefore = supervisorCpuMs() + procCpuMs('self', true);
      const started = performance.now();
      const result = await emulator.invoke({ run });
      tallies[client].wallMs.push(performance.now() - started);
      await emulator.close();
      tallies[client].cpuMs.push(supervisorCpuMs() + procCpuMs('self', true) - cpuBefore);
      if (result.status !== 'ok') throw new Error(`${client} cold start failed: ${result.payloadJson}`);
    }
  }
  return tallies;
}

function row(label: string, unit: string, emu: number, ric: number): string {
  return `| ${label} | ${fmt(emu, 2)} ${unit} | ${fmt(ric, 2)} ${unit} | ${fmt(ric / emu, 2)}× |`;
}

const reason = ricUnavailableReason();
if (reason !== undefined) {
  process.stderr.write(`runtime-clients: ${reason}\n`);
  process.exit(1);
}
const scratch = mkdtempSync(path.join(os.tmpdir(), 'emu-runtime-clients-'));
try {
  const layer = writeRicLayer(path.join(scratch, 'ric-layer'));
  const w = await warm(layer);
  const c = await cold(layer);
  const markdown = `## Runtime clients: emu's Node.js bootstrap against aws-lambda-ric ${ricVersion()}

${machineLine()}, ${os.cpus().length} cores. Handler test/fixtures/conformance/async.mjs; RIC runs as a custom runtime (provided.al2023, a layer's bootstrap exec'ing this Node on RIC's bin/index.mjs). Warm: ${ROUNDS} interleaved rounds of ${PER_ROUND} invokes each (${ROUNDS * PER_ROUND} per client) after 50 warm-up invokes; CPU = supervisor process.cpuUsage + the live sandbox trees' utime+stime (/proc, 10 ms ticks), per invocation, median of rounds. Cold: ${COLD_RUNS} each, interleaved, a new emulator per start; CPU includes the dead sandbox's (reaped children's) time.

| | emu's bootstrap | aws-lambda-ric | RIC / emu |
|---|---|---|---|
${row('warm round trip, median', 'ms', median(w.emu.wallMs), median(w.ric.wallMs))}
${row('warm round trip, p99', 'ms', percentile(w.emu.wallMs, 99), percentile(w.ric.wallMs, 99))}
${row('warm CPU per invocation', 'ms', median(w.emu.cpuMs), median(w.ric.cpuMs))}
${row('cold start (invoke to answer), median', 'ms', median(c.emu.wallMs), median(c.ric.wallMs))}
${row('cold CPU per start', 'ms', median(c.emu.cpuMs), median(c.ric.cpuMs))}
`;
  process.stdout.write(markdown);
  writeResultsSection('runtime-clients', markdown);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
