// LoggingConfig from a template (Globals merged, intrinsics resolved) and from flags, through the real
// CLI and the programmatic API: what the sandbox is given, and Lambda's platform lines in the JSON log
// format, filtered by the system log level as AWS filters them (docs/logging-config.md).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { createEmulator, EmuError } from '../src/index.js';
import { assertNoProcessLeft, FIXTURES, runEmu } from './helpers.js';
import { send, startServe } from './serve-helpers.js';

const DIR = path.join(FIXTURES, 'logging');
const TEMPLATE = path.join(DIR, 'template.yaml');
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
after(() => assertNoProcessLeft());

interface PlatformRecord {
  time: string;
  type: string;
  record: Record<string, unknown>;
}

/** The JSON lines of stderr (function logs and platform records); `[#N] ` stream tags removed. */
function jsonLines(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split('\n')
    .map((line) => line.replace(/^\[#\S+\] /, ''))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function platformRecords(stderr: string): PlatformRecord[] {
  return jsonLines(stderr).filter((line): line is PlatformRecord & Record<string, unknown> => typeof line.type === 'string' && line.type.startsWith('platform.'));
}

function run(args: string[], options: Parameters<typeof runEmu>[1] = {}): ReturnType<typeof runEmu> {
  return runEmu(['run', ...args, '--template', TEMPLATE, '--no-credentials'], { timeoutMs: 60_000, ...options });
}

/** The exact shapes of AWS's records: every key, in no particular order. */
function assertInvocationRecords(records: PlatformRecord[], expectInit: boolean): void {
  assert.deepEqual(records.map((r) => r.type), ['platform.start', 'platform.runtimeDone', 'platform.report']);
  const [start, done, report] = records as [PlatformRecord, PlatformRecord, PlatformRecord];
  for (const record of records) assert.deepEqual(Object.keys(record).sort(), ['record', 'time', 'type']);
  for (const record of records) assert.match(record.time, ISO_TIME);
  const requestId = start.record.requestId;
  assert.match(String(requestId), /^[0-9a-f-]{36}$/);
  assert.deepEqual(Object.keys(start.record).sort(), ['functionArn', 'requestId', 'version']);
  assert.equal(start.record.version, '$LATEST');
  assert.match(String(start.record.functionArn), /^arn:aws:lambda:us-east-1:123456789012:function:Settings$/);
  assert.deepEqual(Object.keys(done.record).sort(), ['metrics', 'requestId', 'status']);
  assert.deepEqual(Object.keys(done.record.metrics as object).sort(), ['durationMs', 'producedBytes']);
  assert.equal(done.record.status, 'success');
  assert.deepEqual(Object.keys(report.record).sort(), ['metrics', 'requestId', 'status']);
  assert.equal(report.record.status, 'success');
  const metrics = report.record.metrics as Record<string, number>;
  const keys = ['billedDurationMs', 'durationMs', 'maxMemoryUsedMB', 'memorySizeMB', ...(expectInit ? ['initDurationMs'] : [])].sort();
  assert.deepEqual(Object.keys(metrics).sort(), keys);
  for (const value of Object.values(metrics)) assert.equal(typeof value, 'number');
  assert.equal(metrics.memorySizeMB, 128);
  assert.ok(Number.isInteger(metrics.billedDurationMs) && (metrics.billedDurationMs as number) >= Math.floor(metrics.durationMs as number));
  assert.equal(done.record.requestId, requestId);
  assert.equal(report.record.requestId, requestId);
}

describe('the CLI, a template function', () => {
  test('Globals and the function’s LoggingConfig merge, !Ref resolves; the sandbox sees them; -v prints the JSON records', async () => {
    const result = await run(['Settings', '-v']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { format: 'JSON', level: 'DEBUG', logGroup: '/emu/logging-test' });
    assertInvocationRecords(platformRecords(result.stderr), true);
    assert.doesNotMatch(result.stderr, /^(START|END|REPORT) /m, 'no text lines in the JSON format');
  });

  test('--parameter-overrides reach LoggingConfig; flags override the template field by field', async () => {
    const overridden = await run(['Settings', '--parameter-overrides', 'Level=ERROR']);
    assert.equal(overridden.code, 0, overridden.stderr);
    assert.equal(JSON.parse(overridden.stdout).level, 'ERROR');
    const flagged = await run(['Settings', '--log-level', 'warn', '--parameter-overrides', 'Level=ERROR']);
    assert.equal(flagged.code, 0, flagged.stderr);
    assert.deepEqual(JSON.parse(flagged.stdout), { format: 'JSON', level: 'WARN', logGroup: '/emu/logging-test' });
    const text = await run(['Settings', '--log-format', 'TEXT', '-v']);
    assert.equal(text.code, 0, text.stderr);
    assert.deepEqual(JSON.parse(text.stdout), { format: 'Text', level: null, logGroup: '/emu/logging-test' });
    assert.match(text.stderr, /^START RequestId: \S+ Version: \$LATEST$/m);
    assert.match(text.stderr, /^REPORT RequestId: \S+\tDuration: /m);
    assert.deepEqual(platformRecords(text.stderr), []);
  });

  test('SystemLogLevel WARN: a successful invocation writes no platform record; a timed-out one keeps runtimeDone and report', async () => {
    const quiet = await run(['Warned', '-v']);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(JSON.parse(quiet.stdout).format, 'JSON');
    assert.deepEqual(platformRecords(quiet.stderr), []);
    assert.doesNotMatch(quiet.stderr, /RequestId/);

    const timedOut = await run(['Hangs', '-v']);
    assert.equal(timedOut.code, 1, timedOut.stderr);
    const records = platformRecords(timedOut.stderr);
    assert.deepEqual(records.map((r) => [r.type, r.record.status]), [['platform.runtimeDone', 'timeout'], ['platform.report', 'timeout']]);
    assert.equal((records[1]?.record.metrics as Record<string, number>).durationMs, 1000);

    const info = await run(['Hangs', '-v', '--system-log-level', 'info']);
    assert.deepEqual(platformRecords(info.stderr).map((r) => r.type), ['platform.start', 'platform.runtimeDone', 'platform.report'], 'INFO: start too');
  });

  test('a failed init: INIT_REPORT in text, platform.initReport in JSON, before the invocation’s own lines', async () => {
    const text = await run(['BrokenInit', '-v', '--log-format', 'text']);
    assert.equal(text.code, 1, text.stderr);
    const lines = text.stderr.split('\n');
    const init = lines.findIndex((line) => line.startsWith('INIT_REPORT '));
    assert.match(lines[init] ?? '', /^INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: error\tError Type: Runtime\.Unknown$/, 'the platform’s type: a thrown Error sends no Runtime.* header type');
    assert.ok(init < lines.findIndex((line) => line.startsWith('REPORT ')), text.stderr);

    const json = await run(['BrokenInit', '-v']);
    assert.equal(json.code, 1, json.stderr);
    const records = platformRecords(json.stderr);
    assert.equal(records[0]?.type, 'platform.initReport', json.stderr);
    const record = records[0]?.record as Record<string, unknown>;
    assert.deepEqual(Object.keys(record).sort(), ['errorType', 'initializationType', 'metrics', 'phase', 'status']);
    assert.deepEqual({ ...record, metrics: undefined }, { initializationType: 'on-demand', phase: 'init', status: 'error', errorType: 'Runtime.Unknown', metrics: undefined });
    assert.equal(typeof (record.metrics as Record<string, unknown>).durationMs, 'number');
  });

  test('a bad value (template or flag) exits 2 with one line, before any sandbox starts', async () => {
    const template = await runEmu(['run', 'BadFormat', '--template', path.join(DIR, 'bad-format.yaml'), '--no-credentials'], { timeoutMs: 60_000 });
    assert.equal(template.code, 2, template.stderr);
    assert.equal(template.stderr, "emu: invalid log format 'json': one of Text, JSON\n");
    const flag = await run(['Settings', '--system-log-level', 'loud']);
    assert.equal(flag.code, 2, flag.stderr);
    assert.equal(flag.stderr, "emu: invalid system log level 'LOUD': one of DEBUG, INFO, WARN\n");
    const format = await runEmu(['run', 'log-settings.handler', '--code-dir', DIR, '--log-format', 'xml'], { timeoutMs: 60_000 });
    assert.equal(format.code, 2, format.stderr);
    assert.equal(format.stderr, "emu: invalid log format 'xml': one of Text, JSON\n");
  });

  test('--stream and bench take the same LoggingConfig; a bare handler takes the flags', async () => {
    const stream = await run(['Settings', '-', '--stream', '-v', '--log-level', 'trace'], { stdin: '{}\n{}\n' });
    assert.equal(stream.code, 0, stream.stderr);
    assert.deepEqual(stream.stdout.trim().split('\n').map((line) => JSON.parse(line).level), ['TRACE', 'TRACE']);
    const types = platformRecords(stream.stderr).map((r) => r.type);
    assert.deepEqual(types.filter((t) => t === 'platform.report').length, 2, stream.stderr);
    const bench = await runEmu(['bench', 'Settings', '--template', TEMPLATE, '--no-credentials', '--runs', '1', '--modes', 'warm', '--json', '--system-log-level', 'loud'], { timeoutMs: 60_000 });
    assert.equal(bench.code, 2, 'the bench function is checked as run checks it');
    assert.equal(bench.stderr, "emu: invalid system log level 'LOUD': one of DEBUG, INFO, WARN\n");
    const bare = await runEmu(['run', 'log-settings.handler', '--code-dir', DIR, '--log-format', 'json', '--no-credentials'], { timeoutMs: 60_000 });
    assert.equal(bare.code, 0, bare.stderr);
    assert.deepEqual(JSON.parse(bare.stdout), { format: 'JSON', level: 'INFO', logGroup: '/aws/lambda/log-settings' });
  });
});

test('emu serve --template: the template’s LoggingConfig under the flags', async () => {
  const serve = await startServe(['--template', TEMPLATE, '--no-credentials', '--log-level', 'fatal']);
  try {
    const response = await send(`${serve.url}/settings`);
    assert.equal(response.status, 200, serve.stderr());
    assert.deepEqual(response.json(), { format: 'JSON', level: 'FATAL', logGroup: '/emu/logging-test' });
    // The Invoke API's log tail is what CloudWatch holds: the JSON records, in the function's format.
    const invoked = await send(`${serve.url}/2015-03-31/functions/Settings/invocations`, { method: 'POST', headers: ['X-Amz-Log-Type', 'Tail'], body: '{}' });
    assert.equal(invoked.status, 200, serve.stderr());
    const tail = Buffer.from(String(invoked.headers['x-amz-log-result']), 'base64').toString('utf8');
    assertInvocationRecords(platformRecords(tail), false);
    assert.doesNotMatch(tail, /^(START|END|REPORT) /m);
  } finally {
    await serve.stop();
  }
});

describe('the programmatic API', () => {
  async function invokeWith(handler: string, logging: Parameters<typeof createEmulator>[0]['logging'], timeoutSeconds = 3, env: Record<string, string> = {}) {
    const lines: string[] = [];
    const emulator = createEmulator({ handler, codeDir: DIR, timeoutSeconds, env, logging, onLog: () => {}, onWarning: () => {}, onPlatformLog: (line) => void lines.push(line) });
    try {
      return { result: await emulator.invoke({}), lines };
    } finally {
      await emulator.close();
    }
  }

  test('logging sets the sandbox’s variables; the records are one JSON text per line', async () => {
    const { result, lines } = await invokeWith('log-settings.handler', { format: 'JSON', applicationLogLevel: 'DEBUG', systemLogLevel: 'DEBUG' });
    assert.deepEqual(result.payload, { format: 'JSON', level: 'DEBUG', logGroup: '/aws/lambda/log-settings' });
    const records = lines.map((line) => JSON.parse(line) as PlatformRecord);
    assert.deepEqual(records.map((r) => r.type), ['platform.start', 'platform.runtimeDone', 'platform.report']);
    assert.equal(records[2]?.record.requestId, result.requestId);
    assert.equal((records[1]?.record.metrics as Record<string, number>).producedBytes, Buffer.byteLength(result.payloadJson));
  });

  test('INFO (the default) leaves out runtimeDone; WARN keeps only a failure’s records', async () => {
    const info = await invokeWith('log-settings.handler', { format: 'JSON' });
    assert.deepEqual(info.lines.map((line) => (JSON.parse(line) as PlatformRecord).type), ['platform.start', 'platform.report']);
    const warn = await invokeWith('log-settings.handler', { format: 'JSON', systemLogLevel: 'WARN' });
    assert.deepEqual(warn.lines, []);
    const timeout = await invokeWith('never-answers.handler', { format: 'JSON', systemLogLevel: 'WARN' }, 1);
    assert.equal(timeout.result.error?.errorType, 'Sandbox.Timedout');
    assert.deepEqual(timeout.lines.map((line) => (JSON.parse(line) as PlatformRecord).record.status), ['timeout', 'timeout']);
  });

  test('an init past the 10 s limit: platform.initReport with status timeout at the limit (WARN keeps it), then the re-run serves', async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'emu-slow-init-'));
    try {
      const { result, lines } = await invokeWith('slow-first-init.handler', { format: 'JSON', systemLogLevel: 'WARN' }, 5, { SLOW_INIT_MARKER: path.join(scratch, 'started') });
      assert.equal(result.status, 'ok', result.payloadJson);
      const records = lines.map((line) => JSON.parse(line) as PlatformRecord);
      assert.deepEqual(records.map((r) => r.type), ['platform.initReport'], lines.join('\n'));
      const record = records[0]?.record as Record<string, unknown>;
      assert.deepEqual({ ...record, metrics: undefined }, { initializationType: 'on-demand', phase: 'init', status: 'timeout', metrics: undefined });
      assert.ok((record.metrics as { durationMs: number }).durationMs >= 10_000, JSON.stringify(record));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test('without logging: the text lines, as before', async () => {
    const { lines } = await invokeWith('log-settings.handler', undefined);
    assert.match(lines[0] ?? '', /^START RequestId: \S+ Version: \$LATEST$/);
    assert.match(lines[1] ?? '', /^END RequestId: \S+$/);
    assert.match(lines[2] ?? '', /^REPORT RequestId: /);
  });

  test('a bad value is a usage error from createEmulator', () => {
    assert.throws(
      () => createEmulator({ handler: 'log-settings.handler', codeDir: DIR, logging: { format: 'json' as 'JSON' } }),
      (error: unknown) => error instanceof EmuError && error.kind === 'usage' && error.message === "invalid log format 'json': one of Text, JSON",
    );
  });
});
