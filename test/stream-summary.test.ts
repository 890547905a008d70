// The end-of-stream summary (`emu run --stream --summary FILE`) against the records of the same run:
// Init Duration over the cold starts, Max Memory Used, billed GB-seconds and their cost, the price
// overrides, and Emu.InternalError where emu itself fails an event. Real CLI, real sandboxes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { createEmulator } from '../src/index.js';
import { processStarterName } from '../src/sandbox/process-starter.js';
import { EventStream, StreamSummary, type StreamRecord } from '../src/stream/index.js';
import { assertNoProcessLeft, FIXTURES, REPO_ROOT } from './helpers.js';

const CLI = path.join(FIXTURES, 'stream', 'emu-cli.ts'); // the CLI from src/, never a stale dist/
const CLI_TIMEOUT_MS = 60_000;
const AWS_PRICES = { x86_64: 0.0000166667, arm64: 0.0000133334 };
const scratch = mkdtempSync(path.join(tmpdir(), 'emu-stream-summary-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface JsonRecord {
  line: number;
  status: string;
  initDurationMs: number | null;
  billedDurationMs: number;
  maxMemoryUsedMb: number | null;
}

interface Summary {
  events: number;
  succeeded: number;
  initDurationMs: { count: number; min: number | null; max: number | null };
  maxMemoryUsedMb: { count: number; min: number | null; max: number | null; mean: number | null };
  billed: { durationMs: number; memorySizeMb: number; gbSeconds: number; pricePerGbSecondUsd: typeof AWS_PRICES; estimatedCostUsd: typeof AWS_PRICES };
}

/** Runs `emu run memory.spike events --stream --json --summary` with the given mode and environment. */
function runStream(name: string, modeFlag: '--cold' | '--warm', env: Record<string, string>): Promise<{ code: number | null; stderr: string; records: JsonRecord[]; summary?: Summary }> {
  const events = path.join(scratch, `${name}.ndjson`);
  writeFileSync(events, [{ mb: 0 }, { mb: 64 }, { mb: 0 }].map((event) => JSON.stringify(event)).join('\n'));
  const summaryFile = path.join(scratch, `${name}.json`);
  const args = ['run', 'memory.spike', events, '--stream', modeFlag, '-m', '512', '--json', '--summary', summaryFile, '--code-dir', FIXTURES];
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('EMU_PRICE_')));
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO_ROOT, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: CLI_TIMEOUT_MS });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) =>
    child.once('close', (code) => {
      const records = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as JsonRecord);
      let summary: Summary | undefined;
      try {
        summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as Summary;
      } catch {
        // refused before it ran: no summary
      }
      resolve({ code, stderr, records, ...(summary === undefined ? {} : { summary }) });
    }),
  );
}

const significant = (value: number): number => Number(value.toPrecision(10));
const numbers = (values: Array<number | null>): number[] => values.filter((value): value is number => value !== null);

/** Every figure of the summary that the records determine, checked against them. */
function assertSummaryOf(records: JsonRecord[], summary: Summary, prices: typeof AWS_PRICES, coldStarts: number): void {
  assert.equal(records.length, 3);
  assert.deepEqual([summary.events, summary.succeeded], [3, 3]);
  // Init Duration: every cold start, none of the warm invocations; records carry 2 decimals, the summary 3.
  const inits = numbers(records.map((record) => record.initDurationMs));
  assert.equal(inits.length, coldStarts);
  assert.equal(summary.initDurationMs.count, coldStarts);
  assert.ok(Math.abs((summary.initDurationMs.min as number) - Math.min(...inits)) <= 0.006, `Init min ${summary.initDurationMs.min} vs ${inits}`);
  assert.ok(Math.abs((summary.initDurationMs.max as number) - Math.max(...inits)) <= 0.006, `Init max ${summary.initDurationMs.max} vs ${inits}`);
  // Max Memory Used: whole MB, so exact; the 64 MB spike shows.
  const memory = numbers(records.map((record) => record.maxMemoryUsedMb));
  assert.equal(memory.length, 3);
  const mean = Math.round((memory.reduce((a, b) => a + b, 0) / memory.length) * 1000) / 1000;
  assert.deepEqual(summary.maxMemoryUsedMb, { ...summary.maxMemoryUsedMb, count: 3, min: Math.min(...memory), max: Math.max(...memory), mean });
  assert.ok(Math.max(...memory) - Math.min(...memory) >= 60, `the spike's peak: ${memory}`);
  // Billed: the records' total, at 512 MB = 0.5 GB, at the prices in force.
  const billedMs = records.reduce((total, record) => total + record.billedDurationMs, 0);
  const gbSeconds = (billedMs / 1000) * (512 / 1024);
  assert.deepEqual(summary.billed, {
    durationMs: billedMs,
    memorySizeMb: 512,
    gbSeconds: significant(gbSeconds),
    pricePerGbSecondUsd: prices,
    estimatedCostUsd: { x86_64: significant(gbSeconds * prices.x86_64), arm64: significant(gbSeconds * prices.arm64) },
  });
}

describe('the stream summary, against the records of the same run', () => {
  it('cold, with both price overrides: one Init Duration per event, Max Memory Used, the cost at the given prices', async () => {
    const prices = { x86_64: 0.5, arm64: 0.25 };
    const run = await runStream('cold', '--cold', { EMU_PRICE_X86_64_PER_GB_SECOND: '0.5', EMU_PRICE_ARM64_PER_GB_SECOND: '0.25' });
    assert.equal(run.code, 0, run.stderr);
    assertSummaryOf(run.records, run.summary as Summary, prices, 3);
    assertNoProcessLeft();
  });

  it('warm, at AWS\'s prices: one Init Duration (the one cold start)', async () => {
    const run = await runStream('warm', '--warm', {});
    assert.equal(run.code, 0, run.stderr);
    assertSummaryOf(run.records, run.summary as Summary, AWS_PRICES, 1);
    assert.equal(run.records[0]?.initDurationMs !== null, true, 'the first event was the cold start');
    assertNoProcessLeft();
  });

  it('a price override that is not a price is refused before anything runs', async () => {
    const run = await runStream('bad-price', '--warm', { EMU_PRICE_ARM64_PER_GB_SECOND: 'cheap' });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^emu: EMU_PRICE_ARM64_PER_GB_SECOND must be a price in USD per GB-second, got 'cheap'$/m);
    assert.deepEqual(run.records, []);
    assertNoProcessLeft();
  });
});

describe('Emu.InternalError', () => {
  it('is the record of every event emu itself could not invoke (its sandbox could not start), and is counted', async () => {
    // A code folder removed after the emulator was created: spawning the sandbox fails, so invokeJson rejects.
    const codeDir = mkdtempSync(path.join(scratch, 'gone-'));
    copyFileSync(path.join(FIXTURES, 'noop.mjs'), path.join(codeDir, 'noop.mjs'));
    const emulator = createEmulator({ handler: 'noop.handler', codeDir, onLog: () => {} });
    rmSync(codeDir, { recursive: true });
    // vfork's child reports why it failed; execa's spawn only that it did.
    const STARTER_SAYS = processStarterName() === 'vfork' ? ` in ${codeDir}: chdir failed: No such file or directory` : '';
    const records: StreamRecord[] = [];
    const summary = new StreamSummary();
    const stream = new EventStream({
      input: Readable.from(['{"n":1}\n\n{"n":2}\n']),
      invoker: emulator,
      maxInFlight: 1,
      sink: { write: (record) => (summary.add(record), records.push(record) > 0), waitForDrain: async () => {} },
    });
    try {
      assert.deepEqual(await stream.run(), { events: 2, interrupted: false });
    } finally {
      await emulator.close();
    }
    assert.deepEqual(
      records.map((record) => (record.kind === 'failure' ? { line: record.line, hasRequestId: typeof record.requestId === 'string', error: record.error } : record)),
      [1, 3].map((line) => ({
        line,
        hasRequestId: true,
        error: { errorType: 'Emu.InternalError', errorMessage: `line ${line}: emu failed to invoke it: could not start the sandbox with ${process.execPath}${STARTER_SAYS}` },
      })),
    );
    const report = summary.report({ elapsedMs: 1, memorySizeMb: 128, prices: AWS_PRICES, interrupted: false });
    assert.deepEqual([report.events, report.failed, report.failedByErrorType], [2, 2, { 'Emu.InternalError': 2 }]);
    assertNoProcessLeft();
  });
});
