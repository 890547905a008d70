// emu serve's throughput and latency for a trivial handler (warm, -c 2), side by side with calling
// the same handler in-process and through the emulator API without HTTP.
// Usage: npm run build && npx tsx benchmarks/serve.bench.ts [--quick]
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
// The built package, as users run it (tsx's on-the-fly transpiling would add its own overhead).
import { createEmulator } from '../dist/index.js';
import { fmt, median, percentile } from './lib/stats.js';
import { machineLine, writeResultsSection } from './lib/results-file.js';
import { startServe } from './lib/serve-process.js';

const FIXTURES = fileURLToPath(new URL('../test/fixtures/', import.meta.url));
const quick = process.argv.includes('--quick');
const REQUESTS = quick ? 4_000 : 20_000;
const WARMUP = 500;
const CONNECTIONS = 8;
const GOAL_RPS = 1_000;

interface Run {
  latenciesMs: number[];
  wallMs: number;
}

function get(url: string, agent: Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `count` requests over CONNECTIONS keep-alive connections, each connection sending its next request when the last one answered. */
async function load(count: number, send: () => Promise<void>): Promise<Run> {
  const latenciesMs: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      const at = performance.now();
      await send();
      latenciesMs.push(performance.now() - at);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  return { latenciesMs, wallMs: performance.now() - started };
}

function row(name: string, run: Run): string {
  const rps = (run.latenciesMs.length / run.wallMs) * 1000;
  return `| ${name} | ${Math.round(rps).toLocaleString('en')} | ${fmt(median(run.latenciesMs), 3)} ms | ${fmt(percentile(run.latenciesMs, 99), 3)} ms |`;
}

async function main(): Promise<void> {
  const serve = await startServe(['noop.handler', '--code-dir', FIXTURES, '-c', '2', '--host', '127.0.0.1']);
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  let http: Run;
  try {
    await load(WARMUP, () => get(`${serve.url}/hello`, agent));
    http = await load(REQUESTS, () => get(`${serve.url}/hello`, agent));
  } finally {
    agent.destroy();
    await serve.stop();
  }
  const emulator = createEmulator({ handler: 'noop.handler', codeDir: FIXTURES, concurrency: 2, onLog: () => {} });
  let api: Run;
  try {
    await load(WARMUP, async () => void (await emulator.invoke({})));
    api = await load(REQUESTS, async () => void (await emulator.invoke({})));
  } finally {
    await emulator.close();
  }
  const { handler } = (await import(`${FIXTURES}noop.mjs`)) as { handler: () => Promise<unknown> };
  const inProcess = await load(REQUESTS, async () => void (await handler()));
  const rps = (http.latenciesMs.length / http.wallMs) * 1000;
  const markdown = `## emu serve

${machineLine()}. A trivial handler (\`noop.handler\`), warm, \`-c 2\`; ${REQUESTS.toLocaleString('en')} requests over ${CONNECTIONS} keep-alive connections after ${WARMUP} warm-up requests; each row measured in the same run.

| Path | Requests/s | p50 | p99 |
|---|---:|---:|---:|
${row('HTTP through `emu serve` (payload 2.0 event, response mapping, Runtime API)', http)}
${row('`emulator.invoke()` in-process, no HTTP front door (same sandboxes, -c 2)', api)}
${row('the handler called in-process (no sandbox, no event)', inProcess)}

Goal ≥ ${GOAL_RPS.toLocaleString('en')} requests/s through \`emu serve\`: ${rps >= GOAL_RPS ? 'met' : 'NOT met'}.

For scale, not measured here: \`sam local start-api\` starts a new container per request by default, reported at about 1 s per request for a hello-world function (aws/aws-sam-cli#362; #134 reports up to 10 s), i.e. about 1 request/s per function without \`--warm-containers\`.
`;
  process.stdout.write(`${markdown}\n`);
  writeResultsSection('serve', markdown);
}

await main();
