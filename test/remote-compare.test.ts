// emu bench <LogicalId> --compare-remote NAME: the same events benched locally and against an Invoke API on loopback
// (emu serve's own; the fake for what emu serve does not offer: dry runs and --cold's configuration change), side by side.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertNoProcessLeft, FIXTURES, runEmu } from './helpers.js';
import { startFakeLambda, type FakeLambda } from './remote-fake-lambda.js';
import { startServe, type RunningServe } from './serve-helpers.js';

const AWS_ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'AKIDLOOPBACKTEST',
  AWS_SECRET_ACCESS_KEY: 'loopback-secret-never-printed',
  AWS_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/nonexistent/config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
};

interface ModeFigures {
  invocations: number;
  failedByErrorType: Record<string, number>;
  coldStarts: number;
  initDurationMs: { count: number };
  durationMs: { count: number; p50: number | null };
  maxMemoryUsedMb: { count: number; max: number | null };
}
interface Report {
  measuredOn: { handler: string; codeDir: string; eventCount: number };
  modes: Partial<Record<'cold' | 'warm', ModeFigures>>;
  gates?: Array<{ gate: string; passed: boolean }>;
}
interface Comparison {
  schema: string;
  local: Report;
  remote: Report;
}

let scratch: string;
let template: string;
before(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'emu-compare-'));
  template = path.join(scratch, 'template.yaml');
  const codeUri = path.join(FIXTURES, 'remote');
  writeFileSync(template, `Transform: AWS::Serverless-2016-10-31\nResources:\n  Numbered:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: numbered.handler\n      CodeUri: ${codeUri}\n      Runtime: nodejs20.x\n`);
});
after(() => {
  rmSync(scratch, { recursive: true, force: true });
  assertNoProcessLeft();
});

function eventsFile(events: object[]): string {
  const file = path.join(scratch, `events-${Math.random().toString(36).slice(2)}.ndjson`);
  writeFileSync(file, events.map((event) => JSON.stringify(event)).join('\n') + '\n');
  return file;
}

async function compare(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = await runEmu(['bench', 'Numbered', '--template', template, ...args], { env: AWS_ENV, timeoutMs: 110_000 });
  assert.doesNotMatch(run.stdout + run.stderr, /loopback-secret-never-printed|AKIDLOOPBACKTEST/, 'credentials printed');
  return run;
}

describe("--compare-remote against emu serve's Invoke API", () => {
  let serve: RunningServe;
  before(async () => {
    serve = await startServe([`${FIXTURES}remote/numbered.handler`, '--function-name', 'numbered', '-c', '2']);
  });
  after(async () => serve.stop());

  test('--json carries both reports, the same events on each side, warm only by default', async () => {
    const file = eventsFile([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const run = await compare([file, '--compare-remote', 'numbered', '--endpoint-url', serve.url, '-n', '2', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const document = JSON.parse(run.stdout) as Comparison;
    assert.equal(document.schema, 'emu-bench-compare');
    assert.deepEqual([document.local.measuredOn.handler, document.remote.measuredOn.handler], ['numbered.handler', 'numbered']);
    assert.doesNotMatch(document.local.measuredOn.codeDir, /^remote:/);
    assert.equal(document.remote.measuredOn.codeDir, `remote:${serve.url}`);
    for (const side of [document.local, document.remote]) {
      assert.deepEqual(Object.keys(side.modes), ['warm'], 'warm only: a remote cold start changes the deployed function, so it is asked for');
      assert.equal(side.measuredOn.eventCount, 3);
      assert.deepEqual([side.modes.warm?.invocations, side.modes.warm?.durationMs.count, side.modes.warm?.maxMemoryUsedMb.count], [6, 6, 6]);
      assert.ok((side.modes.warm?.maxMemoryUsedMb.max ?? 0) > 10, 'a real sandbox peak on each side');
    }
    assert.match(run.stderr, /locally first, then numbered remotely/);
  });

  test('the table has each statistic twice; --max-memory and --max-duration gate each side, labelled; function errors of both sides are told', async () => {
    const file = eventsFile([{ n: 1 }, { n: 2, fail: true }]);
    const run = await compare([file, '--compare-remote', 'numbered', '--endpoint-url', serve.url, '-n', '2', '--max-memory', '1', '--max-duration', '60000']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /p50 local\s*│\s*p50 remote/);
    assert.match(run.stdout, /warm Duration \(ms\)(\s*│\s*[\d.,-]+){8}/, 'eight figures on the Duration row');
    assert.match(run.stdout, /^local: max-memory 1 MB: FAILED/m);
    assert.match(run.stdout, /^remote: max-memory 1 MB: FAILED/m);
    assert.match(run.stdout, /^local: max-duration 60000 ms: passed/m);
    assert.match(run.stdout, /^remote: max-duration 60000 ms: passed/m);
    assert.match(run.stderr, /gate failed: local max-memory/);
    assert.match(run.stderr, /gate failed: remote max-memory/);
    assert.match(run.stderr, /local: 2 invocation\(s\) failed with TypeError: event 2 failed on purpose/);
    assert.match(run.stderr, /remote: 2 invocation\(s\) failed with TypeError: event 2 failed on purpose/);
  });

  test('--baseline gates the side it was saved from: a local one the local side, a remote one the remote side', async () => {
    const file = eventsFile([{ n: 1 }, { n: 2 }]);
    const localBaseline = path.join(scratch, 'local-baseline.json');
    const remoteBaseline = path.join(scratch, 'remote-baseline.json');
    assert.equal((await compare([file, '--modes', 'warm', '-n', '2', '--save-baseline', localBaseline])).code, 0);
    const savedRemote = await runEmu(['bench', 'numbered', file, '--remote', '--endpoint-url', serve.url, '-n', '2', '--save-baseline', remoteBaseline], { env: AWS_ENV, timeoutMs: 60_000 });
    assert.equal(savedRemote.code, 0, savedRemote.stderr);
    for (const [baseline, side, other] of [[localBaseline, 'local', 'remote'], [remoteBaseline, 'remote', 'local']] as const) {
      // A generous tolerance: this checks which side is compared, not the machine's speed.
      const run = await compare([file, '--compare-remote', 'numbered', '--endpoint-url', serve.url, '-n', '2', '--baseline', baseline, '--duration-tolerance', '100000', '--json']);
      assert.equal(run.code, 0, run.stderr);
      const document = JSON.parse(run.stdout) as Comparison;
      assert.deepEqual(document[side].gates?.map((gate) => [gate.gate, gate.passed]), [['baseline', true]], `${side} side compared with ${path.basename(baseline)}`);
      assert.equal(document[other].gates, undefined, `${other} side not compared with a ${side} baseline`);
    }
  });
});

describe('--compare-remote: dry run, --modes cold,warm and refusals, against the fake Invoke API', () => {
  let fake: FakeLambda;
  before(async () => (fake = await startFakeLambda()));
  after(async () => fake.close());

  test('--dry-run runs nothing on either side and sends nothing', async () => {
    const file = eventsFile([{ n: 1 }, { n: 2 }]);
    const run = await compare([file, '--compare-remote', 'fake-fn', '--endpoint-url', fake.url, '-n', '3', '--dry-run']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /would bench Numbered locally 6 time\(s\) \(warm, -c 1\); nothing run/);
    assert.match(run.stdout, new RegExp(`would invoke fake-fn in us-east-1 at ${fake.url} .*6 time\\(s\\).*nothing sent`));
    assert.equal(fake.attempts.size, 0);
  });

  test('--modes cold,warm: cold on both sides, the remote through a configuration change undone afterwards', async () => {
    fake.updates.length = 0;
    const file = eventsFile([{ n: 1 }]);
    const run = await compare([file, '--compare-remote', 'fake-fn', '--endpoint-url', fake.url, '-n', '2', '--modes', 'cold,warm', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const document = JSON.parse(run.stdout) as Comparison;
    for (const side of [document.local, document.remote]) assert.deepEqual([side.modes.cold?.coldStarts, side.modes.warm?.invocations], [2, 2]);
    assert.equal(fake.updates.length, 3, 'two bumps and the restore');
    assert.deepEqual(fake.configuration.Environment.Variables, { KEEP: 'me' });
    assert.match(run.stderr, /--cold: fake-fn restored/);
  });

  test('refused before anything runs: with --remote, with an ARN as the local function, with --html or --save-baseline', async () => {
    const file = eventsFile([{ n: 1 }]);
    const attemptsBefore = fake.attempts.size;
    const cases: Array<[string[], RegExp]> = [
      [['bench', 'Numbered', '--template', template, file, '--compare-remote', 'fake-fn', '--remote'], /cannot be used with --remote or a function ARN/],
      [['bench', 'arn:aws:lambda:us-east-1:123456789012:function:x', file, '--compare-remote', 'fake-fn'], /cannot be used with --remote or a function ARN/],
      [['bench', 'Numbered', '--template', template, file, '--compare-remote', 'fake-fn', '--html', path.join(scratch, 'r.html')], /--html writes one report/],
      [['bench', 'Numbered', '--template', template, file, '--compare-remote', 'fake-fn', '--save-baseline', path.join(scratch, 'b.json')], /--save-baseline records one side/],
      [['bench', 'Numbered', '--template', template, file, '--compare-remote', ''], /expects a deployed function's name or ARN/],
    ];
    for (const [args, message] of cases) {
      const run = await runEmu([...args, '--endpoint-url', fake.url], { env: AWS_ENV, timeoutMs: 30_000 });
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
    }
    assert.equal(fake.attempts.size, attemptsBefore, 'nothing sent');
  });
});
