// The cost of a cached Lambda authorizer in emu serve: one server, one function behind two REST routes,
// /open without an authorizer and /guarded behind a TOKEN authorizer whose answer is cached (one
// invocation, then the policy evaluated per request). The two are measured in alternating rounds of
// the same run, requests/s and CPU per request (emu serve and its sandboxes, from /proc).
// Usage: npm run build && npx tsx benchmarks/authorizer.bench.ts [--quick]
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { treeCpuMs } from './lib/process-cpu.js';
import { machineLine, writeResultsSection } from './lib/results-file.js';
import { fmt, median } from './lib/stats.js';
import { startServe } from './lib/serve-process.js';

const TEMPLATE = fileURLToPath(new URL('./fixtures/authorizer/template.yaml', import.meta.url));
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 4 : 10;
const REQUESTS_PER_ROUND = quick ? 1_000 : 3_000;
const WARMUP = 500;
const CONNECTIONS = 8;
const GOAL_RATIO = 0.9;

function get(url: string, agent: Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { authorization: 'bench-token' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${url}: status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Requests/s and CPU ms per request of one round: `count` requests over CONNECTIONS keep-alive connections. */
async function round(url: string, agent: Agent, count: number, pid: number): Promise<{ rps: number; cpuMsPerRequest: number }> {
  let next = 0;
  const cpuBefore = treeCpuMs(pid);
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      await get(url, agent);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const wallMs = performance.now() - started;
  return { rps: (count / wallMs) * 1000, cpuMsPerRequest: (treeCpuMs(pid) - cpuBefore) / count };
}

async function main(): Promise<void> {
  const serve = await startServe(['--template', TEMPLATE, '--no-credentials', '-c', '2']);
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const open: Array<{ rps: number; cpuMsPerRequest: number }> = [];
  const guarded: typeof open = [];
  try {
    for (const path of ['/open', '/guarded']) await round(`${serve.url}${path}`, agent, WARMUP, serve.pid);
    // Alternating rounds, so that the machine's noise falls on both routes alike.
    for (let i = 0; i < ROUNDS; i++) {
      open.push(await round(`${serve.url}/open`, agent, REQUESTS_PER_ROUND, serve.pid));
      guarded.push(await round(`${serve.url}/guarded`, agent, REQUESTS_PER_ROUND, serve.pid));
    }
  } finally {
    agent.destroy();
    await serve.stop();
  }
  const rps = (runs: typeof open): number => median(runs.map((run) => run.rps));
  const cpu = (runs: typeof open): number => median(runs.map((run) => run.cpuMsPerRequest));
  const ratio = rps(guarded) / rps(open);
  const markdown = `## emu serve: a cached Lambda authorizer

${machineLine()}. One REST route function (a trivial 200), warm, \`-c 2\`; \`/open\` has no authorizer, \`/guarded\` a TOKEN authorizer whose answer is cached (ReauthorizeEvery 300: one invocation, then its policy evaluated per request). ${ROUNDS} alternating rounds of ${REQUESTS_PER_ROUND.toLocaleString('en')} requests per route over ${CONNECTIONS} keep-alive connections, after ${WARMUP} warm-up requests each; medians of the rounds. CPU: emu serve and its sandboxes (/proc, 10 ms ticks).

| Route | Requests/s | CPU per request |
|---|---:|---:|
| \`/open\`, no authorizer | ${Math.round(rps(open)).toLocaleString('en')} | ${fmt(cpu(open), 3)} ms |
| \`/guarded\`, cached Lambda authorizer | ${Math.round(rps(guarded)).toLocaleString('en')} | ${fmt(cpu(guarded), 3)} ms |

Guarded / open: ${fmt(ratio, 2)}× the requests/s (goal ≥ ${GOAL_RATIO}×: ${ratio >= GOAL_RATIO ? 'met' : 'NOT met'}).
`;
  process.stdout.write(`${markdown}\n`);
  writeResultsSection('authorizer', markdown);
}

await main();
