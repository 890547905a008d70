// Response streaming (issue #15), each figure beside a bare Node http server in the same run:
// 1. the handler's first write to the first byte at an HTTP client through a streamed Function URL
//    (the handler and the baseline server stamp the wall clock into that first write), p50;
// 2. 100 MB through InvokeWithResponseStream, MB/s, and emu serve's peak RSS growth meanwhile.
// Usage: npm run build && npx tsx benchmarks/streaming.bench.ts [--quick]
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { vmKb } from './lib/process-probe.js';
import { machineLine, writeResultsSection } from './lib/results-file.js';
import { fmt, median } from './lib/stats.js';
import { startFirstLine, startServe } from './lib/serve-process.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/streaming/', import.meta.url));
const quick = process.argv.includes('--quick');
const TTFB_SAMPLES = quick ? 40 : 200;
const BIG_RUNS = quick ? 2 : 5;
const BIG_BYTES = 100 * 1024 * 1024;
const TTFB_GOAL_MS = 1;
const RSS_GOAL_MB = 20;

/** Spawns a process that prints one JSON or URL line when listening. */
/** Milliseconds from the stamp in the first chunk to its arrival here. */
function firstByteLagMs(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      let lag: number | undefined;
      res.on('data', (chunk: Buffer) => (lag ??= performance.timeOrigin + performance.now() - Number(chunk.toString())));
      res.on('end', () => (lag === undefined ? reject(new Error(`${url}: no body`)) : resolve(lag)));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Reads a whole response, counting bytes; MB/s and, if pid is given, that process's peak RSS growth. */
function drain(url: string, method: string, body: string, pid?: number): Promise<{ mbPerS: number; bytes: number; rssGrowthMb: number }> {
  const baseKb = pid === undefined ? 0 : (vmKb(pid) ?? 0);
  let peakKb = baseKb;
  const probe = setInterval(() => (peakKb = Math.max(peakKb, pid === undefined ? 0 : (vmKb(pid) ?? 0))), 20);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => {
        clearInterval(probe);
        const seconds = (performance.now() - started) / 1000;
        resolve({ mbPerS: bytes / 1024 / 1024 / seconds, bytes, rssGrowthMb: (peakKb - baseKb) / 1024 });
      });
    });
    req.on('error', (error) => (clearInterval(probe), reject(error)));
    req.end(body);
  });
}

async function main(): Promise<void> {
  const serve = await startServe(['--template', `${FIXTURES}template.yaml`, '--no-credentials']);
  const baseline = await startFirstLine([`${FIXTURES}baseline-server.mjs`]);
  const { url, functionUrls } = serve;
  const stampedUrl = `${functionUrls.find((fn) => fn.functionName === 'Stamped')?.url}/`;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const lag = { emu: [] as number[], bare: [] as number[] };
  const big = { emu: [] as Array<{ mbPerS: number; rssGrowthMb: number }>, bare: [] as number[] };
  try {
    for (let i = 0; i < 5; i++) await firstByteLagMs(stampedUrl, agent); // cold start and warm-up
    for (let i = 0; i < TTFB_SAMPLES; i++) {
      lag.emu.push(await firstByteLagMs(stampedUrl, agent));
      lag.bare.push(await firstByteLagMs(`${baseline.line}/stamped`, agent));
    }
    const streamUrl = `${url}/2021-11-15/functions/Big/response-streaming-invocations`;
    await drain(streamUrl, 'POST', '{"sizeBytes":1048576}'); // cold start
    for (let i = 0; i < BIG_RUNS; i++) {
      const run = await drain(streamUrl, 'POST', '{}', serve.child.pid);
      if (run.bytes < BIG_BYTES) throw new Error(`InvokeWithResponseStream gave ${run.bytes} bytes`);
      big.emu.push(run);
      big.bare.push((await drain(`${baseline.line}/big`, 'GET', '')).mbPerS);
    }
  } finally {
    agent.destroy();
    await Promise.all([serve.stop(), baseline.stop()]);
  }
  const lagEmu = median(lag.emu);
  const lagBare = median(lag.bare);
  const rss = Math.max(...big.emu.map((run) => run.rssGrowthMb));
  const markdown = `## Response streaming: time to first byte and 100 MB streamed

${machineLine()}, load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}. Beside each emu figure, a bare Node \`http\` server (another process, no emu) answering the same way in the same run, alternating.

| | emu | bare Node http | emu − bare |
|---|---:|---:|---:|
| handler's first write → first byte at the client, streamed Function URL, p50 of ${TTFB_SAMPLES} (warm, keep-alive) | ${fmt(lagEmu, 3)} ms | ${fmt(lagBare, 3)} ms | ${fmt(lagEmu - lagBare, 3)} ms |
| 100 MB through InvokeWithResponseStream (event-stream framed) vs a bare pipe, median of ${BIG_RUNS} | ${fmt(median(big.emu.map((run) => run.mbPerS)), 0)} MB/s | ${fmt(median(big.bare), 0)} MB/s | |

Time to first byte: ${fmt(lagEmu - lagBare, 3)} ms above the bare server (goal ≤ ${TTFB_GOAL_MS} ms: ${lagEmu - lagBare <= TTFB_GOAL_MS ? 'met' : 'NOT met'}). The stamp is the wall clock (performance.timeOrigin + now) in the handler's process and in the client's.
emu serve's peak RSS growth while streaming 100 MB: ${fmt(rss, 1)} MB, the most of ${BIG_RUNS} runs (each run's: ${big.emu.map((run) => fmt(run.rssGrowthMb, 1)).join(', ')} MB; sampled every 20 ms; goal ≤ +${RSS_GOAL_MB} MB: ${rss <= RSS_GOAL_MB ? 'met' : 'NOT met'}).
`;
  process.stdout.write(`${markdown}\n`);
  writeResultsSection('streaming', markdown);
}

await main();
