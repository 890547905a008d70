// emu run --stream: real sandboxes, real CLI processes, no mocks of emu's parts.
// CLI runs go through test/fixtures/stream/emu-cli.ts (the CLI from src/, so a stale dist/ cannot fool them).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { StreamStderr } from '../src/cli/stream-render.js';
import { createEmulator } from '../src/index.js';
import { listDescendants } from '../src/sandbox/index.js';
import { EventStream, jsonProblem, LogHistogram, OrderedWriter, readNdjsonLines, StreamSummary, type StreamRecord } from '../src/stream/index.js';
import { assertNoProcessLeft, eventually, FIXTURES, isAlive, REPO_ROOT } from './helpers.js';

const STREAM_FIXTURES = path.join(FIXTURES, 'stream');
const CLI = path.join(STREAM_FIXTURES, 'emu-cli.ts');
const scratch = mkdtempSync(path.join(tmpdir(), 'emu-stream-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout's NDJSON lines, parsed. */
  records: Record<string, unknown>[];
  /** Every process seen below the CLI while it ran (sandboxes; tsx's esbuild excluded). */
  seenPids: Set<number>;
}

interface CliOptions {
  stdin?: string;
  /** Written to stdin, which then stays open (a producer that has more to say). */
  stdinOpen?: string;
  env?: Record<string, string>;
  /** Called with the stdout seen so far, each time more arrives. */
  onStdout?: (stdout: string, child: ChildProcess) => void;
}

function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'run', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const seenPids = new Set<number>();
  const watch = setInterval(() => {
    for (const pid of listDescendants(child.pid as number)) if (!commandLine(pid).includes('esbuild')) seenPids.add(pid);
  }, 25);
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    options.onStdout?.(stdout, child);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  if (options.stdin !== undefined) child.stdin.end(options.stdin);
  if (options.stdinOpen !== undefined) child.stdin.write(options.stdinOpen);
  child.stdin.on('error', () => {}); // EPIPE once the CLI is gone
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearInterval(watch);
      const records = stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, stdout, stderr, records, seenPids });
    }),
  );
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

async function assertAllGone(pids: Iterable<number>): Promise<void> {
  const list = [...pids];
  assert.ok(await eventually(() => list.every((pid) => !isAlive(pid))), `sandboxes left: ${list.filter(isAlive).join(', ')}`);
}

function writeEvents(name: string, lines: string[]): string {
  const file = path.join(scratch, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function pidsOf(records: Record<string, unknown>[]): number[] {
  return records.map((record) => ((record.payload ?? record) as { pid?: number }).pid).filter((pid): pid is number => typeof pid === 'number');
}

describe('NDJSON reading', () => {
  it('numbers lines like an editor across chunk boundaries, CRLF, blank lines and a missing last newline', async () => {
    const text = '\uFEFF{"a":"é"}\r\n\n  \n{"b":2}\n[3]';
    const bytes = Buffer.from(text, 'utf8');
    const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1)); // split inside "é" too
    const lines = [];
    for await (const line of readNdjsonLines(Readable.from(chunks))) lines.push(line);
    assert.deepEqual(lines, [
      { line: 1, text: '{"a":"é"}' },
      { line: 4, text: '{"b":2}' },
      { line: 5, text: '[3]' },
    ]);
  });

  it('describes a bad line with a column', () => {
    assert.equal(jsonProblem('{"a":1}'), undefined);
    assert.match(jsonProblem('{"a":1,}') ?? '', /at column 8$/);
  });
});

describe('stream statistics', () => {
  it('percentiles within 0.1% of the exact ones, exact for whole numbers, exact mean and stddev', () => {
    const histogram = new LogHistogram();
    const whole = new LogHistogram();
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const value = Math.exp(Math.random() * 8) / 10; // 0.1 ms … 300 ms, log-spread like real durations
      values.push(value);
      histogram.add(value);
      whole.add(40 + (i % 13));
    }
    const sorted = [...values].sort((a, b) => a - b);
    const exact = (p: number): number => sorted[Math.ceil((p / 100) * sorted.length) - 1] as number;
    const d = histogram.distribution();
    for (const [p, got] of [[50, d.p50], [90, d.p90], [99, d.p99]] as const) {
      assert.ok(Math.abs((got as number) - exact(p)) <= exact(p) * 0.001, `p${p}: ${got} vs ${exact(p)}`);
    }
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const stddev = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    assert.ok(Math.abs((d.mean as number) - mean) < 1e-9 * mean && Math.abs((d.stddev as number) - stddev) < 1e-6 * stddev);
    assert.deepEqual([d.min, d.max], [sorted[0], sorted.at(-1)]);
    assert.deepEqual(whole.percentiles([50, 99, 100]), [46, 52, 52]);
  });

  it('counts every event, times only the successful ones, and prices GB-seconds', () => {
    const summary = new StreamSummary();
    const metrics = { coldStart: false, memorySizeMb: 1024, peakRssMethod: 'proc-vmhwm' as const, callerLatencyMs: 1, sandboxLost: false };
    const ok = (durationMs: number): StreamRecord => ({
      kind: 'result',
      line: 1,
      result: { requestId: 'r', status: 'ok', payload: null, payloadJson: 'null', metrics: { ...metrics, durationMs, billedDurationMs: durationMs, maxMemoryUsedMb: 50 } },
    });
    const timedOut: StreamRecord = {
      kind: 'result',
      line: 2,
      result: {
        requestId: 't',
        status: 'error',
        payload: {},
        payloadJson: '{}',
        error: { errorType: 'Sandbox.Timedout', errorMessage: 'x' },
        metrics: { ...metrics, durationMs: 3000, billedDurationMs: 3000, sandboxLost: true },
      },
    };
    for (const record of [ok(100), ok(300), timedOut, ok(600)]) summary.add(record);
    summary.add({ kind: 'failure', line: 9, requestId: null, error: { errorType: 'Emu.InvalidJSON', errorMessage: 'line 9: x' } });
    const report = summary.report({ elapsedMs: 2000, memorySizeMb: 1024, prices: { x86_64: 2, arm64: 1 }, interrupted: false });
    assert.deepEqual(
      [report.events, report.succeeded, report.failed, report.timeouts, report.invalidLines, report.eventsPerSecond],
      [5, 3, 2, 1, 1, 2.5],
    );
    assert.deepEqual(report.failedByErrorType, { 'Emu.InvalidJSON': 1, 'Sandbox.Timedout': 1 });
    assert.deepEqual([report.durationMs.count, report.durationMs.min, report.durationMs.max, report.durationMs.p50], [3, 100, 600, 300]);
    // 4,000 ms billed at 1 GB = 4 GB-s, at $2 and $1 per GB-s.
    assert.deepEqual([report.billed.gbSeconds, report.billed.estimatedCostUsd.x86_64, report.billed.estimatedCostUsd.arm64], [4, 8, 4]);
  });

  it('reorders finished items into sequence order', () => {
    const out: string[] = [];
    const writer = new OrderedWriter<string>((item) => out.push(item));
    for (const sequence of [2, 0, 3, 1, 4]) writer.put(sequence, `#${sequence}`);
    assert.deepEqual(out, ['#0', '#1', '#2', '#3', '#4']);
    assert.throws(() => writer.put(1, 'again'));
  });

  it('draws progress in place on a terminal, and nothing elsewhere', async () => {
    const drawn = async (isTTY: boolean): Promise<string> => {
      const target = Object.assign(new PassThrough(), { isTTY, columns: 80 });
      let text = '';
      target.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const stderr = new StreamStderr(target, () => ({ events: 42, failed: 1 }));
      stderr.startProgress();
      await new Promise((resolve) => setTimeout(resolve, 450));
      stderr.write('a log line\n');
      stderr.stopProgress();
      return text;
    };
    assert.match(await drawn(true), /\r\u001b\[2Kemu: 42 done · [\d.]+\/s · 1 failed/);
    assert.equal(await drawn(false), 'a log line\n');
  });
});

describe('the stream engine with a real emulator', () => {
  it('reads only as fast as the sandboxes answer (flat memory), in order', async () => {
    const emulator = createEmulator({ handler: 'noop.handler', codeDir: FIXTURES, concurrency: 2, onLog: () => {} });
    let produced = 0;
    let written = 0;
    let maxAhead = 0;
    const input = Readable.from(
      (function* () {
        for (produced = 0; produced < 3000; ) yield `{"n":${++produced}}\n`;
      })(),
    );
    const lines: number[] = [];
    const stream = new EventStream({
      input,
      invoker: emulator,
      maxInFlight: 2,
      // Answers that finished ahead of a slower one (say, the other sandbox's cold start) are held, up to
      // this window, and do not count as in flight: a small window keeps the bound below tight.
      reorderWindow: 8,
      sink: {
        write: (record) => {
          maxAhead = Math.max(maxAhead, produced - written);
          written += 1;
          lines.push(record.line);
          return true;
        },
        waitForDrain: async () => {},
      },
    });
    try {
      const outcome = await stream.run();
      assert.deepEqual(outcome, { events: 3000, interrupted: false });
    } finally {
      await emulator.close();
    }
    assert.deepEqual(lines, Array.from({ length: 3000 }, (_, i) => i + 1));
    // 2 in flight, 8 held in the reorder window, Readable.from's 16-line buffer and the line being
    // handed over: never more than that, whatever the timing, out of a 3,000-line input.
    assert.ok(maxAhead <= 2 + 8 + 16 + 2, `read ${maxAhead} lines ahead of the output`);
    assertNoProcessLeft();
  });
});

describe('the stream engine: one record per input line, invalid UTF-8 included', () => {
  it('gives every non-blank line exactly one record with its exact line number, whatever its bytes', async () => {
    const emulator = createEmulator({ handler: 'echo.handler', codeDir: FIXTURES, onLog: () => {} });
    const input = Buffer.concat([
      Buffer.from('{"a":1}\n'), // 1: invoked
      Buffer.from([0xff, 0x0a]), // 2: invalid UTF-8 alone: not JSON
      Buffer.from([0x7b, 0x22, 0x62, 0x22, 0x3a, 0x22, 0xc3, 0x22, 0x7d, 0x0a]), // 3: {"b":"<truncated é>"}: invoked with U+FFFD
      Buffer.from('\u00a0\n\n'), // 4: a no-break space is not JSON whitespace; 5: blank
      Buffer.from([0xef, 0xbb, 0xbf, 0x0a]), // 6: a BOM mid-stream
      Buffer.from('{"c":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}\r\n'), // 7: an encoded surrogate: invoked with U+FFFDs
      Buffer.from([0x5b, 0xe2, 0x82]), // 8: "[" and a truncated €, no final line break
    ]);
    const records: StreamRecord[] = [];
    const stream = new EventStream({
      input: Readable.from(Array.from({ length: input.length }, (_, i) => input.subarray(i, i + 1))),
      invoker: emulator,
      maxInFlight: 1,
      sink: { write: (record) => records.push(record) > 0, waitForDrain: async () => {} },
    });
    try {
      assert.deepEqual(await stream.run(), { events: 7, interrupted: false });
    } finally {
      await emulator.close();
    }
    const seen = records.map((record) =>
      record.kind === 'failure' ? [record.line, record.error.errorType, record.error.errorMessage.startsWith(`line ${record.line}: `)] : [record.line, record.result.status, (record.result.payload as { event: unknown }).event],
    );
    assert.deepEqual(seen, [
      [1, 'ok', { a: 1 }],
      [2, 'Emu.InvalidJSON', true],
      [3, 'ok', { b: '\uFFFD' }],
      [4, 'Emu.InvalidJSON', true],
      [6, 'Emu.InvalidJSON', true],
      [7, 'ok', { c: '\uFFFD\uFFFD\uFFFD' }],
      [8, 'Emu.InvalidJSON', true],
    ]);
    assertNoProcessLeft();
  });
});

describe('emu run --stream (CLI)', () => {
  it('keeps input order with -c 4 and handlers of random duration', async () => {
    const count = 160;
    const file = writeEvents('random.ndjson', Array.from({ length: count }, (_, i) => JSON.stringify({ n: i + 1, ms: Math.floor(Math.random() * 25) })));
    const run = await runCli(['sleeps.handler', file, '--stream', '-c', '4', '--code-dir', STREAM_FIXTURES]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.records.map((record) => record.n), Array.from({ length: count }, (_, i) => i + 1));
    const pids = new Set(pidsOf(run.records));
    assert.ok(pids.size >= 2 && pids.size <= 4, `${pids.size} sandboxes for -c 4`);
    assert.doesNotMatch(run.stderr, /\r/, 'no progress line when stderr is not a terminal');
    assert.match(run.stderr, /Events\s+│\s+160 │/);
    await assertAllGone([...pids, ...run.seenPids]);
  });

  it('gives exactly one line per event for a stream of bad lines, throws, timeouts, crashes and OOM, and a summary that adds up', async () => {
    const kinds = Array.from({ length: 60 }, (_, i) => {
      const n = i + 1;
      if (n % 10 === 3) return 'malformed';
      if (n % 10 === 6) return 'throw';
      if (n === 8 || n === 38) return 'hang';
      if (n === 14 || n === 44) return 'exit';
      if (n === 29) return 'oom';
      return 'ok';
    });
    const lines: string[] = [];
    const expected = new Map<number, string>(); // input line → what it must give
    kinds.forEach((kind, i) => {
      if (i % 17 === 5) lines.push(''); // blank lines: skipped, but counted in line numbers
      lines.push(kind === 'malformed' ? `{"n": ${i + 1}, "do": oops}` : JSON.stringify({ n: i + 1, do: kind }));
      expected.set(lines.length, kind);
    });
    const file = writeEvents('mixed.ndjson', lines);
    const summaryFile = path.join(scratch, 'mixed-summary.json');
    const args = ['obeys.handler', file, '--stream', '-c', '4', '--timeout', '1', '--memory', '128', '--json', '--summary', summaryFile];
    const run = await runCli([...args, '--code-dir', STREAM_FIXTURES]);
    assert.equal(run.code, 1, run.stderr);
    assert.deepEqual(run.records.map((record) => record.line), [...expected.keys()]);
    const errorTypeFor: Record<string, string | undefined> = {
      ok: undefined,
      malformed: 'Emu.InvalidJSON',
      throw: 'TypeError',
      hang: 'Sandbox.Timedout',
      exit: 'Runtime.ExitError',
      oom: 'Runtime.OutOfMemory',
    };
    for (const record of run.records) {
      const kind = expected.get(record.line as number) as string;
      const error = record.error as { errorType: string; errorMessage: string } | undefined;
      assert.equal(error?.errorType, errorTypeFor[kind], `line ${record.line} (${kind}): ${JSON.stringify(record)}`);
      assert.equal(record.status, kind === 'ok' ? 'ok' : 'error');
      if (kind === 'malformed') assert.match(error?.errorMessage ?? '', new RegExp(`^line ${record.line}: Unexpected token 'o'`));
    }
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as Record<string, unknown>;
    const count = (kind: string): number => kinds.filter((k) => k === kind).length;
    assert.deepEqual(
      [summary.events, summary.succeeded, summary.failed, summary.timeouts, summary.invalidLines],
      [60, count('ok'), 60 - count('ok'), count('hang'), count('malformed')],
    );
    assert.deepEqual(summary.failedByErrorType, {
      'Emu.InvalidJSON': count('malformed'),
      TypeError: count('throw'),
      'Runtime.ExitError': count('exit'),
      'Sandbox.Timedout': count('hang'),
      'Runtime.OutOfMemory': count('oom'),
    });
    const duration = summary.durationMs as { count: number; max: number };
    assert.equal(duration.count, count('ok'), 'timing covers the successful invocations only');
    assert.ok(duration.max < 1000, `a timed-out invocation leaked into the timing: max ${duration.max} ms`);
    await assertAllGone([...pidsOf(run.records), ...run.seenPids]);
  });

  it('cold mode gives every event a new process; warm mode reuses one (stdin input)', async () => {
    const events = Array.from({ length: 8 }, (_, i) => JSON.stringify({ n: i + 1 })).join('\n');
    const cold = await runCli(['counter.handler', '-', '--stream', '--cold', '-c', '2', '--code-dir', STREAM_FIXTURES], { stdin: events });
    assert.equal(cold.code, 0, cold.stderr);
    assert.deepEqual(cold.records.map((record) => record.invocations), [1, 1, 1, 1, 1, 1, 1, 1]);
    assert.equal(new Set(pidsOf(cold.records)).size, 8);
    const warm = await runCli(['counter.handler', '-', '--stream', '--warm', '--code-dir', STREAM_FIXTURES], { stdin: events });
    assert.equal(warm.code, 0, warm.stderr);
    assert.deepEqual(warm.records.map((record) => record.invocations), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(new Set(pidsOf(warm.records)).size, 1);
    await assertAllGone([...pidsOf(cold.records), ...pidsOf(warm.records), ...cold.seenPids, ...warm.seenPids]);
  });

  it('-v tags START / END / REPORT and the function’s own lines with the input line, concurrent ones apart', async () => {
    const file = writeEvents('logs.ndjson', Array.from({ length: 6 }, (_, i) => JSON.stringify({ n: i + 1, ms: (i % 3) * 15 })));
    const run = await runCli(['logs.handler', file, '--stream', '-c', '2', '-v', '--json', '--code-dir', STREAM_FIXTURES]);
    assert.equal(run.code, 0, run.stderr);
    for (const record of run.records) {
      const tag = `[#${record.line}]`;
      for (const kind of ['START', 'END', 'REPORT']) assert.ok(run.stderr.includes(`${tag} ${kind} RequestId: ${record.requestId}`), `${tag} ${kind}`);
      assert.match(run.stderr, new RegExp(`\\[#${record.line}\\] [^\\n]*${record.requestId}\\tINFO\\thandling n=${(record.payload as { n: number }).n}\\n`));
    }
    await assertAllGone(run.seenPids);
  });

  it('SIGINT mid-stream stops reading stdin, ends every sandbox and accounts for every event read', async () => {
    const pidFile = path.join(scratch, 'sigint-pids.txt');
    writeFileSync(pidFile, '');
    let interrupted = false;
    const args = ['slow.handler', '-', '--stream', '-c', '2', '--json', '--env', `PID_FILE=${pidFile}`, '--code-dir', STREAM_FIXTURES];
    // 5 events of 300 ms on a stdin that stays open: when 3 are out, the 5th is running and the reader waits on a quiet pipe.
    const stdinOpen = Array.from({ length: 5 }, (_, i) => `${JSON.stringify({ n: i + 1, ms: 300 })}\n`).join('');
    const run = await runCli(args, {
      stdinOpen,
      onStdout: (stdout, child) => {
        if (!interrupted && stdout.split('\n').length > 3) {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    });
    assert.equal(run.code, 130, run.stderr);
    const lines = run.records.map((record) => record.line);
    assert.deepEqual(lines, Array.from({ length: lines.length }, (_, i) => i + 1), 'one line per event read, in order, none skipped');
    assert.match(run.stderr, new RegExp(`Events\\s+│\\s+${lines.length} │`));
    const errorTypes = run.records.map((record) => (record.error as { errorType?: string } | undefined)?.errorType ?? 'ok');
    assert.ok(errorTypes.every((type) => type === 'ok' || type === 'Emu.Interrupted'), errorTypes.join(' '));
    assert.ok(errorTypes.includes('Emu.Interrupted'), 'the events in flight are reported as interrupted');
    const pids = readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number);
    assert.ok(pids.length >= 1);
    await assertAllGone([...pids, ...run.seenPids]);
  });

  it('SIGTERM during cold starts from a file: exit 130, nothing left behind', async () => {
    const pidFile = path.join(scratch, 'sigterm-pids.txt');
    writeFileSync(pidFile, '');
    const file = writeEvents('cold-slow.ndjson', Array.from({ length: 40 }, (_, i) => JSON.stringify({ n: i + 1, ms: 50 })));
    let sent = false;
    const run = await runCli(['slow.handler', file, '--stream', '--cold', '-c', '2', '--json', '--env', `PID_FILE=${pidFile}`, '--code-dir', STREAM_FIXTURES], {
      onStdout: (stdout, child) => {
        if (!sent && stdout.includes('"line":2,')) {
          sent = true;
          child.kill('SIGTERM');
        }
      },
    });
    assert.equal(run.code, 130, run.stderr);
    const lines = run.records.map((record) => record.line);
    assert.ok(lines.length >= 2 && lines.length < 40, `${lines.length} lines`);
    const pids = readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number);
    const answered = pidsOf(run.records);
    assert.equal(new Set(answered).size, answered.length, 'cold: one sandbox per event');
    assert.ok(answered.every((pid) => pids.includes(pid)));
    assert.deepEqual(lines, Array.from({ length: lines.length }, (_, i) => i + 1));
    await assertAllGone([...pids, ...run.seenPids]);
  });

  it('refuses a missing file or a missing source with a usage error', async () => {
    const missing = await runCli(['noop.handler', path.join(scratch, 'nope.ndjson'), '--stream', '--code-dir', FIXTURES]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read events file .*nope\.ndjson: not found/);
    const none = await runCli(['noop.handler', '--stream', '--code-dir', FIXTURES]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--stream reads NDJSON events/);
  });
});
