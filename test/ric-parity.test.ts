// emu's Node.js bootstrap writes logs and answers as AWS's Node.js runtime interface client does
// (aws-lambda-ric 3.3.0; the Node.js 24 callback rule from 4.0.2). Each test is one difference that
// was found, asserting RIC's output as its source gives it (docs/ric-parity.md names file and line).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { EmulatorOptions } from '../src/index.js';
import { runEmu, withEmulator } from './helpers.js';

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const JSON_LOGS = { format: 'JSON' } as const;

interface Run {
  status: string;
  payload: unknown;
  /** The function's log lines, time and request id as <time> and <request-id> (text lines only). */
  lines: string[];
}

async function run(handler: string, options: Partial<EmulatorOptions> = {}): Promise<Run> {
  let outcome: Run | undefined;
  await withEmulator({ handler: `ric-parity/${handler}`, timeoutSeconds: 10, ...options }, async ({ emulator, output }) => {
    const result = await emulator.invoke({});
    outcome = { status: result.status, payload: result.payload, lines: output().split('\n').filter((line) => line !== '').map(textLine) };
  });
  return outcome as Run;
}

function textLine(line: string): string {
  const [time, requestId, ...rest] = line.split('\t');
  if (rest.length < 2 || !TIME.test(time ?? '')) return line;
  return ['<time>', REQUEST_ID.test(requestId ?? '') ? '<request-id>' : requestId, ...rest].join('\t');
}

/** A JSON log record with its time checked and replaced, and its stacks cut to their first line. */
function jsonRecord(line: string): Record<string, unknown> {
  const record = JSON.parse(line) as Record<string, unknown>;
  assert.match(String(record.timestamp), TIME);
  if (typeof record.requestId === 'string') assert.match(record.requestId, REQUEST_ID);
  return JSON.parse(JSON.stringify(record), (key, value: unknown) => {
    if (key === 'timestamp') return '<time>';
    if (key === 'requestId') return '<request-id>';
    if ((key === 'stackTrace' || key === 'stack') && Array.isArray(value)) return value.slice(0, 1);
    return value;
  }) as Record<string, unknown>;
}

/** The JSON after a text line's message ("Invoke Error \t{…}"), its stack cut to the first line. */
function loggedError(line: string | undefined, label: string): unknown {
  const prefix = `<time>\t<request-id>\tERROR\t${label} \t`;
  if (line === undefined || !line.startsWith(prefix)) assert.fail(`not an ${label} line: ${line}`);
  return jsonRecord(`{"timestamp":"2026-01-01T00:00:00.000Z","error":${line.slice(prefix.length)}}`).error;
}

describe('text logs', () => {
  test('console.log() with no arguments logs "undefined", as util.format(undefined) does (LogPatch.js:91)', async () => {
    assert.deepEqual((await run('logs.noArguments')).lines, ['<time>\t<request-id>\tINFO\tundefined']);
  });

  test('console.trace is a TRACE line like the others, without a stack (LogPatch.js:191)', async () => {
    assert.deepEqual((await run('logs.trace')).lines, ['<time>\t<request-id>\tTRACE\ttraced 1']);
  });

  test('AWS_LAMBDA_LOG_LEVEL filters Text logs too; console.log is INFO; console.fatal logs even at FATAL (LogPatch.js:187-228)', async () => {
    const warn = await run('logs.everyLevel', { env: { AWS_LAMBDA_LOG_LEVEL: 'warn' } });
    assert.deepEqual(warn.lines, ['WARN\ta warn line', 'ERROR\tan error line', 'FATAL\ta fatal line'].map((rest) => `<time>\t<request-id>\t${rest}`));
    const fatal = await run('logs.everyLevel', { env: { AWS_LAMBDA_LOG_LEVEL: 'FATAL' } });
    assert.deepEqual(fatal.lines, ['<time>\t<request-id>\tFATAL\ta fatal line']);
  });
});

describe('JSON logs', () => {
  test('AWS_LAMBDA_LOG_FORMAT is read in any case: json is JSON (LogPatch.js:235)', async () => {
    const { lines } = await run('logs.trace', { env: { AWS_LAMBDA_LOG_FORMAT: 'json' } });
    assert.deepEqual(lines.map(jsonRecord), [{ timestamp: '<time>', level: 'TRACE', requestId: '<request-id>', message: 'traced 1' }]);
  });

  test('records: timestamp, level, requestId, message in that order; objects kept, several arguments formatted, Errors anywhere as records (LogPatch.js:13-69)', async () => {
    const { lines } = await run('logs.records', { logging: JSON_LOGS });
    const records = lines.map(jsonRecord);
    for (const record of records) assert.deepEqual(Object.keys(record).slice(0, 3), ['timestamp', 'level', 'requestId']);
    const head = { timestamp: '<time>', requestId: '<request-id>' };
    const errorFields = { errorType: 'TypeError', errorMessage: 'bad input', stackTrace: ['TypeError: bad input'] };
    assert.equal(records.length, 6, lines.join('\n'));
    assert.deepEqual(records[0], { ...head, level: 'INFO', message: 'a formatted line { n: 1 }' });
    assert.deepEqual(records[1], { ...head, level: 'INFO', message: { n: 1 } });
    assert.deepEqual(records[2], { ...head, level: 'INFO' }, 'console.log() has no message at all');
    assert.match(String(records[3]?.message), /^failed: TypeError: bad input\n {4}at records /);
    assert.deepEqual({ ...records[3], message: undefined }, { ...head, level: 'ERROR', message: undefined, ...errorFields });
    assert.match(String(records[4]?.message), /^TypeError: bad input\n[^]* first$/);
    assert.deepEqual({ ...records[4], message: undefined }, { ...head, level: 'WARN', message: undefined, ...errorFields }, 'the first Error, even as the first argument');
    assert.deepEqual(records[5], { ...head, level: 'INFO', message: { nested: { ...errorFields, code: 'E_INPUT' } } });
  });

  test('"Invoke Error" is a record whose message is the error: the class name as errorType, its enumerable code kept (LogPatch.js:238, :17)', async () => {
    const { payload, lines } = await run('logs.throws', { logging: JSON_LOGS });
    assert.deepEqual(lines.map(jsonRecord), [
      {
        timestamp: '<time>',
        level: 'ERROR',
        requestId: '<request-id>',
        message: { errorType: 'PaymentDeclined', errorMessage: 'card declined', stackTrace: ['Error: card declined'], code: 'CARD_DECLINED' },
      },
    ]);
    assert.equal((payload as { errorType: string }).errorType, 'Error', 'the payload keeps error.name');
  });

  test('"Uncaught Exception" at init is a record of the error, without a request id; a runtime error’s errorType is its class name (index.mjs:29, Errors.js:103)', async () => {
    const { lines } = await run('missing-module.handler', { logging: JSON_LOGS });
    assert.equal(lines.length, 1, lines.join('\n'));
    const record = jsonRecord(lines[0] as string);
    const message = record.message as Record<string, unknown>;
    assert.deepEqual(Object.keys(record), ['timestamp', 'level', 'message']);
    assert.equal(record.level, 'ERROR');
    assert.equal(message.errorType, 'ImportModuleError');
    assert.match(String(message.errorMessage), /^Error: Cannot find module 'nowhere-to-be-found'\nRequire stack:/);
    assert.deepEqual(message.stackTrace, ["Runtime.ImportModuleError: Error: Cannot find module 'nowhere-to-be-found'"]);
  });
});

describe('answers', () => {
  test("a load error's trace[0] is the wrapper's own: Runtime.ImportModuleError: Error: Cannot find module … (Errors.js:103, UserFunction.js:223)", async () => {
    const { status, payload } = await run('missing-module.handler');
    assert.equal(status, 'error');
    const { errorType, trace } = payload as { errorType: string; trace: string[] };
    assert.equal(errorType, 'Runtime.ImportModuleError');
    assert.equal(trace[0], "Runtime.ImportModuleError: Error: Cannot find module 'nowhere-to-be-found'");
  });

  test('a result JSON cannot hold fails with Error "Unable to stringify response body", logged as an Invoke Error (RAPIDClient.js:207-212)', async () => {
    const { status, payload, lines } = await run('outputs.circular');
    assert.equal(status, 'error');
    const { trace, ...rest } = payload as { trace: string[] };
    assert.deepEqual(rest, { errorType: 'Error', errorMessage: 'Unable to stringify response body' });
    assert.equal(trace[0], 'Error: Unable to stringify response body');
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.deepEqual(loggedError(lines[0], 'Invoke Error'), { errorType: 'Error', errorMessage: 'Unable to stringify response body', stack: ['Error: Unable to stringify response body'] });
  });

  test("callback(null, 'first') then context.succeed('second') answers 'first': only the first call counts (CallbackContext.js:110-126)", async () => {
    assert.deepEqual(await run('outputs.callbackThenSucceed'), { status: 'ok', payload: 'first', lines: [] });
  });

  test('a thrown non-Error is logged as an Error of its text; the payload keeps its type (LogPatch.js:242, Errors.js:23)', async () => {
    const { payload, lines } = await run('outputs.throwsString');
    assert.deepEqual(payload, { errorType: 'string', errorMessage: 'a plain string', trace: [] });
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.deepEqual(loggedError(lines[0], 'Invoke Error'), { errorType: 'Error', errorMessage: 'a plain string', stack: ['Error: a plain string'] });
  });

  test('a handler throwing null synchronously answers null: a throw goes to the callback (Runtime.js:85-87)', async () => {
    assert.deepEqual(await run('outputs.throwsNull'), { status: 'ok', payload: null, lines: [] });
  });

  test('a throw after the callback was called changes nothing (Runtime.js:85-87, CallbackContext.js:110-126)', async () => {
    assert.deepEqual(await run('outputs.throwsAfterCallback'), { status: 'ok', payload: 'called back', lines: [] });
  });

  test('DEL (0x7F) in an error message is %7F in the payload (Errors.js:41-43)', async () => {
    const { payload } = await run('outputs.deleteCharacter');
    const { errorMessage, trace } = payload as { errorMessage: string; trace: string[] };
    assert.equal(errorMessage, 'before%7Fafter');
    assert.equal(trace[0], 'Error: before%7Fafter');
  });
});

describe('Node.js 24: callback handlers are refused at init (aws-lambda-ric 4.0.2)', () => {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'emu-ric-parity-node-'));
  after(() => rmSync(cache, { recursive: true, force: true }));

  test('a handler declaring (event, context, callback) fails init with Runtime.CallbackHandlerDeprecated; an async or streaming one runs; below 24 all run', async (t) => {
    const below = await run('handlers.callback');
    assert.deepEqual(below, { status: 'ok', payload: 'called back', lines: [] }, `on this Node ${process.version}`);

    const node24 = await findNode24(cache);
    if (typeof node24 !== 'string') {
      console.log(`# Node.js 24 part skipped: ${node24.reason}`);
      return t.skip(node24.reason);
    }
    const on24 = { runtime: 'nodejs24.x', nodeExecutable: node24 };
    const refused = await run('handlers.callback', on24);
    const message =
      'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';
    assert.equal(refused.status, 'error');
    const { trace, ...rest } = refused.payload as { trace: string[] };
    assert.deepEqual(rest, { errorType: 'Runtime.CallbackHandlerDeprecated', errorMessage: message });
    assert.equal(trace[0], `Runtime.CallbackHandlerDeprecated: ${message}`);
    // 4.x logs "Init Error" with "-" for the request id, and its error's own name property.
    assert.equal(refused.lines.length, 1, refused.lines.join('\n'));
    const prefix = '<time>\t-\tERROR\tInit Error \t';
    const initLine = refused.lines[0] ?? '';
    assert.ok(initLine.startsWith(prefix), initLine);
    const logged = JSON.parse(initLine.slice(prefix.length)) as Record<string, unknown>;
    assert.deepEqual({ ...logged, stack: (logged.stack as string[]).slice(0, 1) }, { errorType: 'Runtime.CallbackHandlerDeprecated', errorMessage: message, name: 'Runtime.CallbackHandlerDeprecated', stack: [trace[0]] });

    const allowed = await run('handlers.async', on24);
    assert.equal(allowed.status, 'ok', JSON.stringify(allowed.payload));
    assert.match((allowed.payload as { node: string }).node, /^24\./);
    // A plain invoke of a streaming handler gets the whole streamed body.
    const streaming = await run('handlers.markedStreaming', on24);
    assert.deepEqual(streaming, { status: 'ok', payload: 'not refused', lines: [] }, 'a streaming handler is not refused');
  });
});

/** A Node.js 24 executable: this one, or one `emu runtime install` fetches into a scratch cache; else why not. */
async function findNode24(cache: string): Promise<string | { reason: string }> {
  if (Number(process.versions.node.split('.')[0]) === 24) return process.execPath;
  const install = await runEmu(['runtime', 'install', 'nodejs24.x'], { env: { ...process.env, XDG_CACHE_HOME: cache }, timeoutMs: 300_000 });
  if (install.code !== 0) return { reason: `emu runtime install nodejs24.x failed (exit ${install.code}): ${install.stderr.trim().split('\n').pop() ?? ''}` };
  return install.stdout.trim();
}
