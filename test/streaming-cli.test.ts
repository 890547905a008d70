// `emu run` of a streaming function: bytes on stdout as they come, --json and REPORT with time to
// first byte and bytes streamed, a mid-stream error on stderr with the function-error exit code.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { assertNoProcessLeft, FIXTURES, REPO_ROOT, runEmu } from './helpers.js';

const CWD = path.join(FIXTURES, 'streaming');

interface Watched {
  code: number | null;
  stdout: string;
  /** stdout as it was when its first chunk arrived. */
  firstChunk: string;
  stderr: string;
}

/** Runs emu, keeping the first stdout chunk apart; SIGKILLed past 60 s so that a hang fails. */
function runWatched(args: string[], stdin: string): Promise<Watched> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'emu.js'), ...args], { cwd: CWD, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let firstChunk: string | undefined;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      firstChunk ??= chunk.toString();
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(stdin);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, firstChunk: firstChunk ?? '', stderr });
    });
  });
}

test('emu run: a streaming function\'s first write reaches stdout before its last (write, 300 ms, write), with no newline added', async () => {
  const run = await runWatched(['run', 'handlers.paced', '-v'], '{"pauseMs":300}');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.firstChunk, 'first,', 'the first write came out on its own, before the second');
  assert.equal(run.stdout, 'first,second');
  assert.match(run.stderr, /REPORT RequestId: \S+\t.*\tTime To First Byte: [\d.]+ ms\tBytes Streamed: 12/);
  assertNoProcessLeft();
});

test('emu run --json: one record with the whole body, timeToFirstByteMs and bytesStreamed', async () => {
  const run = await runEmu(['run', 'handlers.paced', '--json'], { cwd: CWD, stdin: '{"pauseMs":10}', timeoutMs: 60_000 });
  assert.equal(run.code, 0, run.stderr);
  const record = JSON.parse(run.stdout) as Record<string, unknown>;
  assert.equal(record.payload, 'first,second');
  assert.equal(record.bytesStreamed, 12);
  assert.equal(typeof record.timeToFirstByteMs, 'number');
  assertNoProcessLeft();
});

test('emu run: an error after the first byte leaves the bytes sent on stdout and fails with the function-error code', async () => {
  const run = await runEmu(['run', 'handlers.failsMidStream'], { cwd: CWD, stdin: '{}', timeoutMs: 60_000 });
  assert.equal(run.code, 1);
  assert.equal(run.stdout, 'partial');
  assert.match(run.stderr, /emu: the function failed: Error: broke mid-stream/);
  assertNoProcessLeft();
});
