// emu serve's throughput, latency and server-side CPU per request on a trivial route (warm, -c 2),
// side by side in one run with serverless-offline (default worker threads, and --useInProcess) on
// the same handler and a bare node:http server for scale. Rounds are interleaved; the load client
// (benchmarks/lib/http-load-client.mjs) runs in its own process, so its CPU is never the server's.
// Usage: npm run build && npx tsx benchmarks/serve.bench.ts [--quick]
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { treeCpuMs } from './lib/process-cpu.js';
import { machineLine, writeResultsSection } from './lib/results-file.js';
import { startServe } from './lib/serve-process.js';
import { fmt, median } from './lib/stats.js';
import { startUntilLine, type ServerUnderLoad } from './lib/serve-targets.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLIENT = fileURLToPath(new URL('./lib/http-load-client.mjs', import.meta.url));
const SLS_DIR = fileURLToPath(new URL('./fixtures/serverless-offline/', import.meta.url));
const quick = process.argv.includes('--quick');
const ROUNDS = 3;
const DURATION_MS = quick ? 1_500 : 4_000;
const WARMUP_MS = 1_000;
const CONNECTIONS = 16;
const GOAL_RPS = 5_000;
const GOAL_CPU_US = 250;

interface ClientRun {
  requests: number;
  wallMs: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  cpuMs: number;
}

interface Sample extends ClientRun {
  serverCpuMs: number;
}

function runClient(url: string, durationMs: number): Promise<ClientRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT, url, String(CONNECTIONS), String(durationMs)], { stdio: ['ignore', 'pipe', 'inherit'], timeout: durationMs + 30_000 });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as ClientRun) : reject(new Error(`load client exited ${code}`))));
  });
}

async function measure(server: ServerUnderLoad): Promise<Sample> {
  const before = treeCpuMs(server.pid);
  const run = await runClient(server.url, DURATION_MS);
  const serverCpuMs = treeCpuMs(server.pid) - before;
  if (run.errors > 0) throw new Error(`${server.name}: ${run.errors} answers were not 200`);
  return { ...run, serverCpuMs };
}

async function startAll(): Promise<ServerUnderLoad[]> {
  const emu = await startServe(['noop.handler', '--code-dir', `${ROOT}test/fixtures`, '-c', '2', '--host', '127.0.0.1']);
  const sls = (name: string, port: number, extra: string[]): Promise<ServerUnderLoad> =>
    startUntilLine(name, `http://127.0.0.1:${port}/hello`, [`${ROOT}node_modules/osls/bin/serverless.js`, 'offline', '--httpPort', String(port), '--lambdaPort', String(port + 1), '--host', '127.0.0.1', ...extra], SLS_DIR, /Server ready/);
  return [
    { name: '`emu serve -c 2` (payload 2.0 event, Runtime API, sandbox processes)', url: `${emu.url}/hello`, pid: emu.pid, stop: emu.stop },
    await sls('serverless-offline 14, default (worker threads, no process isolation)', 3917, []),
    await sls('serverless-offline 14, `--useInProcess` (no isolation at all)', 3927, ['--useInProcess']),
    await startUntilLine('bare `node:http` server (for scale: no event, no handler)', '', ['-e', BARE_SERVER], ROOT, /^listening (\d+)/),
  ];
}

const BARE_SERVER = `require('node:http').createServer((q, s) => { s.setHeader('content-type', 'application/json'); s.end('null'); }).listen(0, '127.0.0.1', function () { console.log('listening ' + this.address().port); });`;

function row(server: ServerUnderLoad, samples: Sample[]): string {
  const rps = median(samples.map((s) => (s.requests / s.wallMs) * 1000));
  const cpuUs = median(samples.map((s) => (s.serverCpuMs * 1000) / s.requests));
  const clientUs = median(samples.map((s) => (s.cpuMs * 1000) / s.requests));
  return `| ${server.name} | ${Math.round(rps).toLocaleString('en')} | ${fmt(median(samples.map((s) => s.p50Ms)), 2)} ms | ${fmt(median(samples.map((s) => s.p99Ms)), 2)} ms | ${Math.round(cpuUs)} µs | ${Math.round(clientUs)} µs |`;
}

async function main(): Promise<void> {
  const servers = await startAll();
  const samples = new Map<ServerUnderLoad, Sample[]>(servers.map((server) => [server, []]));
  const loadBefore = loadavg();
  try {
    for (const server of servers) await runClient(server.url, WARMUP_MS);
    for (let round = 0; round < ROUNDS; round++) {
      for (const server of servers) samples.get(server)?.push(await measure(server));
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
  const loadAfter = loadavg();
  const rps = (server: ServerUnderLoad): number => median((samples.get(server) ?? []).map((s) => (s.requests / s.wallMs) * 1000));
  const cpuUs = (server: ServerUnderLoad): number => median((samples.get(server) ?? []).map((s) => (s.serverCpuMs * 1000) / s.requests));
  const [emu, slsDefault, slsInProcess] = servers as [ServerUnderLoad, ServerUnderLoad, ServerUnderLoad];
  const met = (ok: boolean): string => (ok ? 'met' : '**not met**');
  const markdown = `## emu serve

${machineLine()}; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' ')} after. A trivial handler (\`noop\`, \`async () => null\`) on \`GET /hello\` (an HTTP API route for both emu and serverless-offline, \`benchmarks/fixtures/serverless-offline/\`), warm; ${CONNECTIONS} keep-alive connections, one request in flight on each; ${ROUNDS} interleaved rounds of ${DURATION_MS / 1000} s per server after ${WARMUP_MS / 1000} s of warm-up; medians of the rounds. Server CPU is user + system of the server's whole process tree (/proc: emu and its sandboxes; serverless-offline and its worker threads); the load client runs in its own process and its CPU is shown apart.

| Server | Requests/s | p50 | p99 | server CPU/request | client CPU/request |
|---|---:|---:|---:|---:|---:|
${servers.map((server) => row(server, samples.get(server) ?? [])).join('\n')}

| Target | Measured | |
|---|---:|---|
| ≥ ${GOAL_RPS.toLocaleString('en')} requests/s through \`emu serve\` | ${Math.round(rps(emu)).toLocaleString('en')} | ${met(rps(emu) >= GOAL_RPS)} |
| ≤ ${GOAL_CPU_US} µs CPU per request (emu + sandboxes) | ${Math.round(cpuUs(emu))} µs | ${met(cpuUs(emu) <= GOAL_CPU_US)} |
| ≥ 2.5× serverless-offline default (requests/s) | ${fmt(rps(emu) / rps(slsDefault), 2)}× | ${met(rps(emu) / rps(slsDefault) >= 2.5)} |
| ≥ 1.5× serverless-offline \`--useInProcess\` (requests/s) | ${fmt(rps(emu) / rps(slsInProcess), 2)}× | ${met(rps(emu) / rps(slsInProcess) >= 1.5)} |

CPU per request, emu against serverless-offline: ${fmt(cpuUs(emu) / cpuUs(slsDefault), 2)}× its default mode, ${fmt(cpuUs(emu) / cpuUs(slsInProcess), 2)}× its in-process mode. On this shared 2-core VM requests/s swing with the machine's load; CPU per request is the stable figure.
`;
  process.stdout.write(`${markdown}\n`);
  writeResultsSection('serve', markdown);
}

await main();
