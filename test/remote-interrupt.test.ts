// Ctrl-C on `emu run … --stream --remote` against a slow Invoke API on loopback: sending stops, every event already
// read is accounted for (its answer or an Emu.Interrupted line, counted in the summary), nothing is sent twice, the
// exit code is a local stream's on Ctrl-C (130), and no process is left.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { assertGone, assertNoProcessLeft, runEmu } from './helpers.js';
import { startFakeLambda, type FakeLambda } from './remote-fake-lambda.js';

const AWS_ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'AKIDLOOPBACKTEST',
  AWS_SECRET_ACCESS_KEY: 'loopback-secret-never-printed',
  AWS_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/nonexistent/config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
};
const EVENTS = 400;
const CONCURRENCY = 4;
/** 400 events at -c 4, 50 ms each: at least 5 s to the end, so a Ctrl-C after 40 answers lands mid-stream. */
const ANSWER_DELAY_MS = 50;

let scratch: string;
let fake: FakeLambda;
before(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'emu-remote-interrupt-'));
  fake = await startFakeLambda({ answerDelayMs: ANSWER_DELAY_MS });
});
after(async () => {
  await fake.close();
  rmSync(scratch, { recursive: true, force: true });
  assertNoProcessLeft();
});

interface Summary {
  events: number;
  interrupted: boolean;
  interruptedEvents: number;
  failedByErrorType: Record<string, number>;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} mid-stream: sending stops, every event read has its line, none sent twice, exit 130`, async () => {
    fake.attempts.clear();
    fake.answered.clear();
    const file = path.join(scratch, `events-${signal}.ndjson`);
    writeFileSync(file, Array.from({ length: EVENTS }, (_, index) => JSON.stringify({ n: index + 1 })).join('\n') + '\n');
    const summaryFile = path.join(scratch, `summary-${signal}.json`);
    let pid = 0;
    const args = ['run', 'fake-fn', file, '--stream', '--remote', '--endpoint-url', fake.url, '-c', String(CONCURRENCY), '--summary', summaryFile];
    const running = runEmu(args, { env: AWS_ENV, timeoutMs: 90_000, onSpawn: (spawned) => (pid = spawned) });
    const until = Date.now() + 60_000;
    while (fake.answered.size < 40 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(fake.answered.size >= 40, 'the stream got under way');
    process.kill(pid, signal);
    const run = await running;
    assert.equal(run.code, 130, run.stderr.slice(-2000));
    assertGone(pid);

    // Sending stopped: far fewer events reached the service than there were (the rest would take ≥ 4.5 s more).
    const sent = [...fake.attempts.keys()];
    assert.ok(sent.length < EVENTS / 2, `${sent.length} of ${EVENTS} events sent after ${signal}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(fake.attempts.size, sent.length, 'nothing sent after the CLI exited');
    // Nothing sent twice.
    assert.deepEqual([...fake.attempts.entries()].filter(([, attempts]) => attempts !== 1), [], 'an event sent more than once');

    // Every event read has its line, in input order: its answer, or Emu.Interrupted.
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as Summary;
    const lines = run.stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { n?: number; errorType?: string });
    assert.equal(lines.length, summary.events, 'one line per event read');
    assert.ok(Math.max(...sent) <= lines.length, 'every event sent has a line');
    const interrupted = lines.flatMap((line, index) => {
      if (line.errorType === 'Emu.Interrupted') return [index + 1];
      assert.deepEqual(line, { n: index + 1 }, `line ${index + 1}`);
      assert.equal(fake.answered.get(index + 1), 1, `line ${index + 1} is an answer the service gave once`);
      return [];
    });
    assert.ok(interrupted.length >= 1 && interrupted.length <= CONCURRENCY + 1, `in flight or read when interrupted: ${interrupted.join(' ')}`);
    assert.deepEqual([summary.interrupted, summary.interruptedEvents, summary.failedByErrorType], [true, interrupted.length, { 'Emu.Interrupted': interrupted.length }]);
    assert.match(run.stderr, new RegExp(`interrupted after ${summary.events} events read; each has its output line`));
    assert.match(run.stderr, new RegExp(`${interrupted.length} event\\(s\\) got no answer before the interruption: those already sent may have run on the service`));
    assert.doesNotMatch(run.stdout + run.stderr, /loopback-secret-never-printed|AKIDLOOPBACKTEST/);
  });
}
