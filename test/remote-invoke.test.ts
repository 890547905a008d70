// emu run --stream --remote and emu bench --remote, against Invoke APIs on loopback: emu serve's own, and a fake that misbehaves.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertNoProcessLeft, FIXTURES, runEmu } from './helpers.js';
import { startFakeLambda, type FakeEvent, type FakeLambda } from './remote-fake-lambda.js';
import { startServe, type RunningServe } from './serve-helpers.js';

const REMOTE_FIXTURES = path.join(FIXTURES, 'remote');
/** Credentials for loopback only; no shared files or instance metadata are consulted. */
const AWS_ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'AKIDLOOPBACKTEST',
  AWS_SECRET_ACCESS_KEY: 'loopback-secret-never-printed',
  AWS_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/nonexistent/config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
};

interface RemoteSummary {
  events: number;
  succeeded: number;
  failed: number;
  failedByErrorType: Record<string, number>;
  durationMs: { count: number; min: number | null; max: number | null };
  initDurationMs: { count: number; min: number | null };
  maxMemoryUsedMb: { count: number; max: number | null };
  remote: { retries: Record<string, number>; gaveUp: number; timeouts: number; withoutReport: number };
}

let scratch: string;
before(() => (scratch = mkdtempSync(path.join(tmpdir(), 'emu-remote-'))));
after(() => {
  rmSync(scratch, { recursive: true, force: true });
  assertNoProcessLeft();
});

function eventsFile(name: string, events: FakeEvent[]): string {
  const file = path.join(scratch, name);
  writeFileSync(file, events.map((event) => JSON.stringify(event)).join('\n') + '\n');
  return file;
}

async function remoteRun(file: string, endpoint: string, extra: string[] = []): Promise<{ code: number | null; lines: string[]; stderr: string; summary: RemoteSummary }> {
  const summaryFile = path.join(scratch, `summary-${Math.random().toString(36).slice(2)}.json`);
  const run = await runEmu(['run', 'fake-fn', file, '--stream', '--remote', '--endpoint-url', endpoint, '--summary', summaryFile, ...extra], { env: AWS_ENV, timeoutMs: 90_000 });
  assert.doesNotMatch(run.stdout + run.stderr, /loopback-secret-never-printed|AKIDLOOPBACKTEST/, 'credentials printed');
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as RemoteSummary;
  return { code: run.code, lines: run.stdout.split('\n').filter((line) => line !== ''), stderr: run.stderr, summary };
}

describe("--remote against emu serve's own Invoke API", () => {
  let serve: RunningServe;
  before(async () => {
    serve = await startServe([`${REMOTE_FIXTURES}/numbered.handler`, '--function-name', 'numbered', '-c', '8']);
  });
  after(async () => serve.stop());

  test('2,000 events at -c 8: one line each in input order, function errors passed through, the REPORT figures in the summary', async () => {
    const events = Array.from({ length: 2000 }, (_, index) => ({ n: index + 1, ...((index + 1) % 100 === 0 ? { fail: true } : {}) }));
    const file = eventsFile('serve.ndjson', events);
    const summaryFile = path.join(scratch, 'serve-summary.json');
    const run = await runEmu(['run', 'numbered', file, '--stream', '--remote', '--endpoint-url', serve.url, '-c', '8', '--summary', summaryFile], { env: AWS_ENV, timeoutMs: 110_000 });
    assert.equal(run.code, 1, run.stderr.slice(-2000)); // 20 function errors
    const lines = run.stdout.split('\n').filter((line) => line !== '');
    assert.equal(lines.length, 2000);
    lines.forEach((line, index) => {
      const n = index + 1;
      const parsed = JSON.parse(line) as { n?: number; errorType?: string; errorMessage?: string };
      if (n % 100 === 0) assert.deepEqual([parsed.errorType, parsed.errorMessage], ['TypeError', `event ${n} failed on purpose`], `line ${n}`);
      else assert.deepEqual(parsed, { n }, `line ${n}`);
    });
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as RemoteSummary;
    assert.deepEqual([summary.events, summary.succeeded, summary.failedByErrorType], [2000, 1980, { TypeError: 20 }]);
    assert.equal(summary.durationMs.count, 1980);
    assert.equal(summary.maxMemoryUsedMb.count, 2000, 'every REPORT gave Max Memory Used');
    assert.ok((summary.maxMemoryUsedMb.max ?? 0) > 10, 'a real sandbox peak');
    assert.ok(summary.initDurationMs.count >= 1 && summary.initDurationMs.count <= 8, `cold starts: ${summary.initDurationMs.count}`);
    assert.equal(summary.remote.withoutReport, 0);
    assert.equal(summary.remote.retries.total, 0);
    assert.match(run.stderr, /figures reported by the service/);
    assert.match(run.stderr, /\[#\d+\] .*INFO\tnumbered \d+/, 'the log tail, tagged with its line');
  });

  test('--json lines carry the figures, measured by the service', async () => {
    const file = eventsFile('json.ndjson', [{ n: 1 }, { n: 2 }]);
    const run = await runEmu(['run', 'numbered', file, '--stream', '--remote', '--endpoint-url', serve.url, '--json'], { env: AWS_ENV, timeoutMs: 60_000 });
    assert.equal(run.code, 0, run.stderr);
    const records = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(records.map((record) => [record.line, record.status, record.peakRssMethod]), [[1, 'ok', 'service-report'], [2, 'ok', 'service-report']]);
    assert.ok(typeof records[0]?.durationMs === 'number' && typeof records[0]?.billedDurationMs === 'number' && (records[0].memorySizeMb as number) === 128);
  });
});

describe('--remote against a fake Invoke API that throttles, fails, drops and stalls', () => {
  let fake: FakeLambda;
  before(async () => (fake = await startFakeLambda()));
  after(async () => fake.close());

  test('throttles, 500s and dropped connections are retried: every event answered once, in order, the retries counted', async () => {
    const faults = [undefined, 'throttle-once', '500-once', 'drop-once', undefined] as const;
    const events: FakeEvent[] = Array.from({ length: 60 }, (_, index) => ({ n: 1000 + index, ...(faults[index % 5] === undefined ? {} : { fault: faults[index % 5] }) }));
    const { code, lines, stderr, summary } = await remoteRun(eventsFile('faults.ndjson', events), fake.url, ['-c', '8']);
    assert.equal(code, 0, stderr);
    assert.deepEqual(lines.map((line) => JSON.parse(line) as unknown), events.map(({ n }) => ({ n })));
    for (const { n, fault } of events) {
      assert.equal(fake.answered.get(n), 1, `event ${n} answered once`);
      assert.equal(fake.attempts.get(n), fault === undefined ? 1 : 2, `event ${n} (${fault}) attempts`);
    }
    assert.deepEqual(summary.remote.retries, { throttled: 12, 'server-error': 12, 'connection-failed': 12, total: 36 });
    assert.equal(summary.remote.gaveUp, 0);
    assert.match(stderr, /12 retries after a connection failed before any answer: those events may have run on the service more than once/);
    assert.deepEqual([summary.durationMs.count, summary.durationMs.min, summary.durationMs.max, summary.maxMemoryUsedMb.max], [60, 12.5, 12.5, 70]);
  });

  test('an endpoint that always fails: 3 attempts at most, then the AWS error is the output line, and the summary says it was given up', async () => {
    const events: FakeEvent[] = [{ n: 2001, fault: 'always-500' }, { n: 2002 }, { n: 2003, fault: 'always-throttle' }];
    const { code, lines, summary } = await remoteRun(eventsFile('always.ndjson', events), fake.url, ['-c', '2']);
    assert.equal(code, 1);
    const parsed = lines.map((line) => JSON.parse(line) as { errorType?: string; n?: number });
    assert.deepEqual([parsed[0]?.errorType, parsed[1], parsed[2]?.errorType], ['ServiceException', { n: 2002 }, 'TooManyRequestsException']);
    assert.deepEqual([fake.attempts.get(2001), fake.attempts.get(2002), fake.attempts.get(2003)], [3, 1, 3]);
    assert.deepEqual(summary.remote.retries, { throttled: 2, 'server-error': 2, 'connection-failed': 0, total: 4 });
    assert.equal(summary.remote.gaveUp, 2);
  });

  test('a slow answer ends at --remote-timeout and is not sent again; a connection broken mid-answer is not sent again either', async () => {
    const events: FakeEvent[] = [{ n: 3001, fault: 'slow' }, { n: 3002 }, { n: 3003, fault: 'drop-mid-body' }, { n: 3004 }];
    const { code, lines, summary } = await remoteRun(eventsFile('slow.ndjson', events), fake.url, ['-c', '4', '--remote-timeout', '0.5']);
    assert.equal(code, 1);
    const parsed = lines.map((line) => JSON.parse(line) as { errorType?: string; errorMessage?: string; n?: number });
    assert.equal(parsed[0]?.errorType, 'Emu.RemoteTimeout');
    assert.match(parsed[0]?.errorMessage ?? '', /may have run on the service/);
    assert.deepEqual([parsed[1], parsed[3]], [{ n: 3002 }, { n: 3004 }]);
    assert.ok(parsed[2]?.errorType !== undefined, `a broken answer is a failure: ${lines[2]}`);
    assert.deepEqual([fake.attempts.get(3001), fake.attempts.get(3003)], [1, 1], 'neither sent twice');
    assert.equal(fake.answered.get(3001), undefined);
    assert.equal(summary.remote.timeouts, 1);
  });

  test('--dry-run says what would be sent and sends nothing; local-only flags are refused', async () => {
    const before = fake.attempts.size;
    const file = eventsFile('dry.ndjson', [{ n: 4001 }, { n: 4002 }, { n: 4003 }]);
    const dry = await runEmu(['run', 'fake-fn', file, '--stream', '--remote', '--endpoint-url', fake.url, '-c', '3', '--dry-run'], { env: AWS_ENV, timeoutMs: 60_000 });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`would send 3 event\\(s\\) to fake-fn in us-east-1 at ${fake.url} .*at most 3 at once; nothing sent`));
    assert.doesNotMatch(dry.stdout + dry.stderr, /loopback-secret-never-printed|AKIDLOOPBACKTEST/);
    assert.equal(fake.attempts.size, before);
    const refused = await runEmu(['run', 'fake-fn', file, '--stream', '--remote', '--memory', '512'], { env: AWS_ENV, timeoutMs: 30_000 });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--memory describes a local function and cannot be used with --remote/);
    const arn = await runEmu(['run', 'arn:aws:lambda:eu-west-1:123456789012:function:fake-fn', file, '--stream', '--endpoint-url', fake.url, '--dry-run'], { env: AWS_ENV, timeoutMs: 30_000 });
    assert.equal(arn.code, 0, arn.stderr);
    assert.match(arn.stdout, /in eu-west-1 at/, 'an ARN alone implies --remote, its region wins over AWS_REGION');
  });
});

describe('emu bench --remote: warm figures, and --cold by a configuration change that is always undone', () => {
  let fake: FakeLambda;
  before(async () => (fake = await startFakeLambda()));
  after(async () => fake.close());
  const ORIGINAL = { KEEP: 'me' };

  async function bench(args: string[], onSpawn?: (pid: number) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const file = eventsFile(`bench-${Math.random().toString(36).slice(2)}.ndjson`, [{ n: 1 }, { n: 2 }]);
    return runEmu(['bench', 'fake-fn', file, '--remote', '--endpoint-url', fake.url, ...args], { env: AWS_ENV, timeoutMs: 90_000, ...(onSpawn === undefined ? {} : { onSpawn }) });
  }
  const variablesSent = (): unknown[] => fake.updates.map((update) => (update.Environment as { Variables: Record<string, string> }).Variables);

  test('--cold: one bump per cold invocation, each waited for, then the original variables back; cold samples carry the Init Duration', async () => {
    fake.updates.length = 0;
    const run = await bench(['--cold', '-n', '2', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { modes: Record<string, { initDurationMs: { count: number; p50: number }; durationMs: { p50: number }; maxMemoryUsedMb: { max: number } }>; measuredOn: { memorySizeMb: number; timeoutSeconds: number } };
    assert.deepEqual(Object.keys(report.modes).sort(), ['cold', 'warm']);
    assert.deepEqual([report.modes.cold?.initDurationMs.count, report.modes.cold?.initDurationMs.p50], [4, 150.25]);
    assert.equal(report.modes.warm?.initDurationMs.count, 0);
    assert.deepEqual([report.modes.warm?.durationMs.p50, report.modes.warm?.maxMemoryUsedMb.max], [12.5, 70]);
    assert.deepEqual([report.measuredOn.memorySizeMb, report.measuredOn.timeoutSeconds], [256, 30]);
    const sent = variablesSent();
    assert.equal(sent.length, 5, '4 bumps (2 events × 2 runs) and the restore');
    assert.equal(fake.invokedWhileUpdating, 0, 'every update waited for before invoking');
    for (const variables of sent.slice(0, 4)) assert.match(String((variables as Record<string, string>).EMU_COLD_START), /^\d+-\d+$/);
    assert.equal(new Set(sent.slice(0, 4).map((variables) => (variables as Record<string, string>).EMU_COLD_START)).size, 4, 'each bump a new value');
    assert.deepEqual(sent[4], ORIGINAL);
    assert.deepEqual(fake.configuration.Environment.Variables, ORIGINAL);
    assert.match(run.stderr, /--cold: setting EMU_COLD_START=.* waiting for the update/);
    assert.match(run.stderr, /--cold: fake-fn restored/);
  });

  test('warm only by default; --max-memory gates the service-reported Max Memory Used', async () => {
    fake.updates.length = 0;
    const run = await bench(['-n', '3', '--max-memory', '64']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /gate failed: max-memory/);
    assert.equal(fake.updates.length, 0, 'no configuration change without --cold');
  });

  for (const how of ['refuse', 'status-failed'] as const) {
    test(`a configuration change that fails midway (${how}) still restores the original configuration`, async () => {
      fake.updates.length = 0;
      fake.failUpdate = { at: 2, how };
      try {
        const run = await bench(['--cold', '-n', '2']);
        assert.notEqual(run.code, 0);
        assert.match(run.stderr, /failed midway: restoring the configuration first/);
        assert.match(run.stderr, /fake-fn restored/);
        assert.deepEqual(variablesSent().at(-1), ORIGINAL);
        assert.deepEqual(fake.configuration.Environment.Variables, ORIGINAL);
        assert.equal(fake.configuration.LastUpdateStatus, 'Successful');
      } finally {
        delete fake.failUpdate;
      }
    });
  }

  test('Ctrl-C during --cold: stops, restores the original configuration, exits 130', async () => {
    fake.updates.length = 0;
    let pid = 0;
    const running = bench(['--cold', '-n', '5'], (spawned) => (pid = spawned));
    const until = Date.now() + 30_000;
    while (fake.updates.length < 2 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(fake.updates.length >= 2, 'the bench got under way');
    process.kill(pid, 'SIGINT');
    const run = await running;
    assert.equal(run.code, 130, run.stderr);
    assert.match(run.stderr, /interrupted: restoring the configuration first/);
    assert.deepEqual(variablesSent().at(-1), ORIGINAL);
    assert.deepEqual(fake.configuration.Environment.Variables, ORIGINAL);
  });
});
