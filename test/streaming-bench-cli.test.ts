// `emu bench` and `emu run --stream` of a streaming function, through the built CLI in a real
// process: time to first byte and bytes streamed beside Duration, and only when the function
// streamed (issue #15). A buffered function's report keeps its shape.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { BenchReport } from '../src/bench/index.js';
import { formatStreamLine } from '../src/cli/stream-render.js';
import type { InvocationResult } from '../src/index.js';
import { assertNoProcessLeft, FIXTURES, runEmu } from './helpers.js';

const CWD = path.join(FIXTURES, 'streaming');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'emu-streaming-bench-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const EVENTS = path.join(scratch, 'events.ndjson');
writeFileSync(EVENTS, '{"pauseMs":30}\n{"pauseMs":30}\n');

test('emu bench --json of a streaming function: timeToFirstByteMs and bytesStreamed per mode, first byte before the end', async () => {
  const run = await runEmu(['bench', 'handlers.paced', EVENTS, '-n', '2', '--json'], { cwd: CWD, timeoutMs: 120_000 });
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as BenchReport;
  for (const mode of ['cold', 'warm'] as const) {
    const figures = report.modes[mode];
    assert.ok(figures !== undefined, mode);
    assert.equal(figures.succeeded, 4, mode);
    assert.equal(figures.timeToFirstByteMs?.count, 4, `${mode}: a time to first byte per invocation`);
    assert.deepEqual([figures.bytesStreamed?.count, figures.bytesStreamed?.min, figures.bytesStreamed?.max], [4, 12, 12], `${mode}: 12 bytes each`);
    const ttfbP50 = figures.timeToFirstByteMs?.p50 ?? Number.NaN;
    const durationP50 = figures.durationMs.p50 ?? Number.NaN;
    assert.ok(ttfbP50 >= 0 && ttfbP50 + 20 <= durationP50, `${mode}: the first byte (${ttfbP50} ms) came before the 30 ms pause ended the handler (${durationP50} ms)`);
  }
  assertNoProcessLeft();
});

test('emu bench (table) of a streaming function: Time To First Byte and Bytes Streamed rows beside Duration; a buffered function has none', async () => {
  const run = await runEmu(['bench', 'handlers.paced', EVENTS, '-n', '1', '--modes', 'warm'], { cwd: CWD, timeoutMs: 120_000 });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /warm Duration \(ms\)[^\n]*\n[│\s]*warm Time To First Byte \(ms\)[│\s]+2[│\s]/);
  assert.match(run.stdout, /warm Bytes Streamed[│\s]+2([│\s]+12){6}[│\s]/);
  const buffered = await runEmu(['bench', 'noop.handler', '-n', '1', '--modes', 'warm', '--json'], { cwd: FIXTURES, timeoutMs: 120_000 });
  assert.equal(buffered.code, 0, buffered.stderr);
  const warm = (JSON.parse(buffered.stdout) as BenchReport).modes.warm ?? {};
  assert.ok(!('timeToFirstByteMs' in warm) && !('bytesStreamed' in warm), 'no streamed figures for a buffered function');
  assertNoProcessLeft();
});

test('emu run --stream of a streaming function: the summary has Time To First Byte and Bytes Streamed; a buffered one does not', async () => {
  const summaryFile = path.join(scratch, 'summary.json');
  const run = await runEmu(['run', 'handlers.paced', EVENTS, '--stream', '--summary', summaryFile], { cwd: CWD, timeoutMs: 120_000 });
  assert.equal(run.code, 0, run.stderr);
  // One JSON value a line, as for every other result: a body that is not JSON is a JSON string
  // (the payload field of --json's record); `emu run` without --stream writes the raw bytes.
  assert.equal(run.stdout, '"first,second"\n"first,second"\n');
  assert.match(run.stderr, /Time To First Byte \(ms\), succeeded[│\s]+2[│\s]/);
  assert.match(run.stderr, /Bytes Streamed, succeeded[│\s]+2[│\s]+12[│\s]/);
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as Record<string, { count: number; p50: number } | undefined>;
  assert.equal(summary.timeToFirstByteMs?.count, 2);
  assert.equal(summary.bytesStreamed?.p50, 12);
  const buffered = await runEmu(['run', 'noop.handler', EVENTS, '--stream'], { cwd: FIXTURES, timeoutMs: 120_000 });
  assert.equal(buffered.code, 0, buffered.stderr);
  assert.doesNotMatch(buffered.stderr, /Time To First Byte|Bytes Streamed/);
  assertNoProcessLeft();
});

test('emu run --stream lines are JSON whatever the body: JSON as it is (on one line), anything else a JSON string', () => {
  const line = (payloadJson: string): string => {
    let payload: unknown = payloadJson;
    try {
      payload = JSON.parse(payloadJson);
    } catch {} // the supervisor's parsePayload: a body that is not JSON stays its text
    const result = { requestId: 'r', status: 'ok', payload, payloadJson, metrics: {} } as unknown as InvocationResult;
    return formatStreamLine({ kind: 'result', line: 1, result }, false);
  };
  assert.equal(line('{"a":1}'), '{"a":1}\n');
  assert.equal(line('{\n  "a": 1\n}'), '{"a":1}\n');
  assert.equal(line('"quoted"'), '"quoted"\n');
  assert.equal(line('first,second'), '"first,second"\n');
  assert.equal(line('{"a":1}42'), '"{\\"a\\":1}42"\n');
  assert.equal(line('two\nlines'), '"two\\nlines"\n');
  assert.equal(line(''), '""\n');
  for (const body of ['first,second', '{"a":1}42', '', 'two\nlines']) assert.equal(JSON.parse(line(body)), body);
});
