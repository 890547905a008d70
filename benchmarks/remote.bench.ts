// emu run --stream --remote against `emu serve` on loopback: events/s at -c 1, 4 and 16, and the
// client's own CPU per invocation beside what the same invocations cost run locally (emu run
// --stream, its sandboxes included). The target: the remote client costs ≤ 10% of the local run.
// CPU is /proc's, of reaped children (the CLI and, locally, its sandboxes), in 10 ms ticks; each
// run includes one CLI start, amortised over the events. Beside them, the floor under any Node
// client: the same events POSTed with bare node:http (keep-alive), unsigned and SigV4-signed
// (benchmarks/fixtures/bare-invoke-client.mjs), to show what a leaner client could reach.
// Usage: npm run build && npx tsx benchmarks/remote.bench.ts [--full] [--repeats N]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { reapedChildrenCpuMs } from './lib/process-cpu.js';
import { machineLine, writeResultsSection } from './lib/results-file.js';
import { fmt, median } from './lib/stats.js';
import { startServe } from './lib/serve-process.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../test/fixtures/', import.meta.url));
const EMU = path.join(ROOT, 'bin/emu.js');
const full = process.argv.includes('--full');
const repeatsAt = process.argv.indexOf('--repeats');
const REPEATS = repeatsAt === -1 ? 1 : Number(process.argv[repeatsAt + 1]);
const EVENTS = full ? 20_000 : 3_000;
const CONCURRENCIES = [1, 4, 16];
const AWS_ENV = { ...process.env, AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_REGION: 'us-east-1', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' };

interface Measured {
  eventsPerSecond: number;
  cpuMsPerInvocation: number;
}

const scratch = mkdtempSync(path.join(tmpdir(), 'emu-remote-bench-'));

/** One CLI run over the events; its CPU is what this process reaps of it (and of its sandboxes). */
function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  const summaryFile = path.join(scratch, `summary-${process.hrtime.bigint()}.json`);
  const cpuBefore = reapedChildrenCpuMs();
  const child = spawn(process.execPath, [EMU, 'run', ...args, '--stream', '--summary', summaryFile], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  return new Promise((resolve, reject) =>
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`emu ${args.join(' ')} exited ${code}: ${stderr}`));
      const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { eventsPerSecond: number; events: number };
      resolve({ eventsPerSecond: summary.eventsPerSecond, cpuMsPerInvocation: (reapedChildrenCpuMs() - cpuBefore) / summary.events });
    }),
  );
}

const BARE_CLIENT = fileURLToPath(new URL('./fixtures/bare-invoke-client.mjs', import.meta.url));

/** The bare client over the same events: its CPU per invocation (no CLI, no stream, no output). */
function runBare(url: string, concurrency: number, sign: boolean): Promise<number> {
  const cpuBefore = reapedChildrenCpuMs();
  const child = spawn(process.execPath, [BARE_CLIENT, url, 'noop', file, String(concurrency), ...(sign ? ['--sign'] : [])], { stdio: ['ignore', 'ignore', 'inherit'], env: AWS_ENV });
  return new Promise((resolve, reject) =>
    child.once('close', (code) => (code === 0 ? resolve((reapedChildrenCpuMs() - cpuBefore) / EVENTS) : reject(new Error(`bare-invoke-client exited ${code}`)))),
  );
}

const file = path.join(scratch, 'events.ndjson');
writeFileSync(file, Array.from({ length: EVENTS }, (_, index) => `{"n":${index}}`).join('\n') + '\n');
const rows: string[] = [];
const serve = await startServe(['noop.handler', '--code-dir', FIXTURES, '--function-name', 'noop', '-c', '16']);
try {
  for (const concurrency of CONCURRENCIES) {
    const remote: Measured[] = [];
    const local: Measured[] = [];
    const bare: number[] = [];
    const bareSigned: number[] = [];
    for (let repeat = 0; repeat < REPEATS; repeat += 1) {
      remote.push(await runCli(['noop', file, '--remote', '--endpoint-url', serve.url, '-c', String(concurrency)], AWS_ENV));
      local.push(await runCli(['noop.handler', file, '--code-dir', FIXTURES, '-c', String(concurrency)], process.env));
      bare.push(await runBare(serve.url, concurrency, false));
      bareSigned.push(await runBare(serve.url, concurrency, true));
    }
    const remoteCpu = median(remote.map((run) => run.cpuMsPerInvocation));
    const localCpu = median(local.map((run) => run.cpuMsPerInvocation));
    const row = `| ${concurrency} | ${fmt(median(remote.map((run) => run.eventsPerSecond)), 0)} | ${fmt(median(local.map((run) => run.eventsPerSecond)), 0)} | ${fmt(remoteCpu, 3)} | ${fmt(localCpu, 3)} | ${fmt((100 * remoteCpu) / localCpu, 1)}% | ${fmt(median(bare), 3)} (${fmt((100 * median(bare)) / localCpu, 0)}%) | ${fmt(median(bareSigned), 3)} (${fmt((100 * median(bareSigned)) / localCpu, 0)}%) |`;
    console.log(row);
    rows.push(row);
  }
} finally {
  await serve.stop();
  rmSync(scratch, { recursive: true, force: true });
}

const markdown = `## emu run --stream --remote (benchmarks/remote.bench.ts)

${machineLine()}, ${cpus().length} cores, load ${loadavg()[0]?.toFixed(2)}; ${EVENTS.toLocaleString('en-US')} events of noop.handler, median of ${REPEATS}.
Remote: \`emu run noop <events> --stream --remote --endpoint-url\` an \`emu serve -c 16\` on loopback (the client only: its CPU excludes serve's).
Local: \`emu run noop.handler <events> --stream\` at the same -c, its sandboxes included. CPU per invocation from /proc (10 ms ticks), one CLI start included.
Target: the remote client's CPU ≤ 10% of the local run's.
Floors (not emu): bare \`node:http\` keep-alive POSTs of the same events to the same serve, unsigned and SigV4-signed (\`benchmarks/fixtures/bare-invoke-client.mjs\`), CPU ms/inv and % of local.

| -c | remote events/s | local events/s | remote client CPU ms/inv | local CPU ms/inv | client / local | bare http | bare http + SigV4 |
|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}
`;
writeResultsSection('remote', markdown);
console.log(markdown);
