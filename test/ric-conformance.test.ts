// emu's own Node.js bootstrap against AWS's runtime interface client (aws-lambda-ric, run behind emu
// as a custom runtime from a layer's bootstrap): each handler of the table gives the expected outcome
// under emu's bootstrap, and the same outcome (payload, error payload, log lines as onLog reports
// them) under RIC, but for the KNOWN_DIFFERENCES below. RIC missing (not built here) skips its half,
// saying why.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { createEmulator, type EmulatorOptions } from '../src/index.js';
import { assertNoProcessLeft, FIXTURES } from './helpers.js';
import { ricUnavailableReason, writeRicLayer } from './ric-runtime.js';

const CODE_DIR = path.join(FIXTURES, 'conformance');
const TIMEOUT_SECONDS = 5;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'emu-ric-conformance-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

type Client = 'emu' | 'ric';
interface Outcome {
  status: 'ok' | 'error';
  /** The payload; for an error, with the trace cut to what both runtimes share (see normalizeStack). */
  payload: unknown;
  logs: string[];
}
interface Case {
  name: string;
  handler: string;
  /** Function variables, for both runtimes. */
  env?: Record<string, string>;
  expect: Partial<Outcome>;
}

const CASES: Case[] = [
  { name: 'an ES module async handler', handler: 'async.handler', expect: { status: 'ok', payload: { kind: 'async', event: { k: 1 } }, logs: [] } },
  { name: 'a CommonJS async handler', handler: 'commonjs.handler', expect: { status: 'ok', payload: { kind: 'commonjs', event: { k: 1 } }, logs: [] } },
  { name: 'a callback handler', handler: 'callback.handler', expect: { status: 'ok', payload: { kind: 'callback', event: { k: 1 } } } },
  { name: 'callbackWaitsForEmptyEventLoop = false with a timer pending', handler: 'no-wait.handler', expect: { status: 'ok', payload: { kind: 'no-wait' } } },
  {
    name: 'the context fields',
    handler: 'context.handler',
    expect: {
      status: 'ok',
      payload: {
        functionName: 'conformance', functionVersion: '$LATEST', memoryLimitInMB: '256', memoryLimitType: 'string',
        invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:conformance', awsRequestIdIsUuid: true,
        remainingWithinTimeout: true, logGroupName: '/aws/lambda/conformance',
      },
    },
  },
  { name: 'a thrown Error', handler: 'throws-error.handler', expect: { status: 'error', payload: { errorType: 'Error', errorMessage: 'it broke', trace: ['Error: it broke', '    at <fixture>/throws-error.mjs:2:9'] } } },
  { name: 'a thrown string', handler: 'throws-non-error.handler', expect: { status: 'error', payload: { errorType: 'string', errorMessage: 'a plain string', trace: [] } } },
  { name: 'a rejected promise', handler: 'rejects.handler', expect: { status: 'error', payload: { errorType: 'TypeError', errorMessage: 'rejected on purpose', trace: ['TypeError: rejected on purpose', '    at <fixture>/rejects.cjs:2:40'] } } },
  { name: 'a custom error class with a code', handler: 'custom-error.handler', expect: { status: 'error', payload: { errorType: 'PaymentDeclinedError', errorMessage: 'card declined', trace: ['PaymentDeclinedError: card declined', '    at <fixture>/custom-error.mjs:10:9'] } } },
  { name: 'a handler returning undefined', handler: 'returns-undefined.handler', expect: { status: 'ok', payload: null, logs: [] } },
  { name: 'a large-ish payload (about 1 MB)', handler: 'large.handler', expect: { status: 'ok', payload: { items: Array.from({ length: 16_000 }, (_, i) => ({ i, text: 'x'.repeat(48) })) } } },
  {
    name: 'console.log, info, warn and error',
    handler: 'logs.handler',
    expect: {
      status: 'ok',
      payload: 'logged',
      logs: ['<time>\t<request-id>\tINFO\ta log line { n: 1 }', '<time>\t<request-id>\tINFO\tan info line', '<time>\t<request-id>\tWARN\ta warn line', '<time>\t<request-id>\tERROR\tan error line'],
    },
  },
  { name: 'console.log() and console.trace', handler: 'console-edges.handler', expect: { status: 'ok', payload: 'logged', logs: ['<time>\t<request-id>\tINFO\tundefined', '<time>\t<request-id>\tTRACE\ttraced 1'] } },
  {
    name: 'JSON logs (AWS_LAMBDA_LOG_FORMAT=json)',
    handler: 'json-logs.handler',
    env: { AWS_LAMBDA_LOG_FORMAT: 'json' },
    expect: {
      status: 'error',
      logs: [
        '{"timestamp":"<time>","level":"INFO","requestId":"<request-id>","message":{"n":1}}',
        '{"timestamp":"<time>","level":"INFO","requestId":"<request-id>"}',
        ...Array.from({ length: 2 }, () => '{"timestamp":"<time>","level":"ERROR","requestId":"<request-id>","message":{"errorType":"TypeError","errorMessage":"bad input","stackTrace":["TypeError: bad input","    at <fixture>/json-logs.mjs:3:17"],"code":"E_INPUT"}}'),
      ],
    },
  },
  { name: "callback(null, 'first') then context.succeed('second')", handler: 'callback-then-succeed.handler', expect: { status: 'ok', payload: 'first', logs: [] } },
  { name: 'a result JSON cannot hold', handler: 'circular.handler', expect: { status: 'error', payload: { errorType: 'Error', errorMessage: 'Unable to stringify response body', trace: ['Error: Unable to stringify response body'] } } },
  { name: 'a synchronous throw of null', handler: 'throws-null.handler', expect: { status: 'ok', payload: null, logs: [] } },
  { name: 'a module that throws while loading', handler: 'load-fails.handler', expect: { status: 'error', payload: { errorType: 'Error', errorMessage: 'cannot load this module', trace: ['Error: cannot load this module', '    at <fixture>/load-fails.mjs:2:7'] } } },
  { name: 'a handler the module does not export', handler: 'async.nothere', expect: { status: 'error', payload: { errorType: 'Runtime.HandlerNotFound', errorMessage: 'async.nothere is undefined or not exported', trace: ['Runtime.HandlerNotFound: async.nothere is undefined or not exported'] } } },
  { name: 'a handler string without a dot', handler: 'nodot', expect: { status: 'error', payload: { errorType: 'Runtime.MalformedHandlerName', errorMessage: 'Bad handler', trace: ['Runtime.MalformedHandlerName: Bad handler'] } } },
];

/**
 * Where RIC's outcome differs from emu's bootstrap's, each as the change that makes RIC's outcome
 * comparable, with its reason (sources in docs/ric-conformance.md): differences by nature.
 */
const KNOWN_DIFFERENCES: { id: string; reason: string; appliesTo: (c: Case) => boolean; adjustRic: (outcome: Outcome) => Outcome }[] = [
  {
    id: 'ric-start-line',
    reason: "by nature: the npm package's bin/index.mjs of RIC 3.3.0 prints \"Executing '<handler>' in function directory '<dir>'\" once at start (bin/index.mjs:13); AWS's managed runtimes start the client otherwise (4.x's entry point prints nothing), so emu's bootstrap prints nothing",
    appliesTo: () => true,
    adjustRic: (outcome) => ({ ...outcome, logs: outcome.logs.filter((line) => !line.startsWith('Executing ')) }),
  },
];

/** A stack reduced to what does not depend on the runtime: its first line and the fixture's own frames (the runtime's frames differ by nature). */
function normalizeStack(stack: unknown): unknown {
  if (!Array.isArray(stack)) return stack;
  const [head, ...frames] = stack as string[];
  const own = frames.filter((frame) => frame.includes(CODE_DIR)).map((frame) => frame.replace(/^(\s+at ).*?\(?(file:\/\/)?[^\s(]*\/conformance\/([^/\s)]+)\)?$/, '$1<fixture>/$3'));
  return head === undefined ? [] : [head, ...own];
}

function normalizeError(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  return { ...record, ...('trace' in record ? { trace: normalizeStack(record.trace) } : {}), ...('stack' in record ? { stack: normalizeStack(record.stack) } : {}) };
}

/** A log line without its time and request id; an error logged as JSON with its stack normalized. */
function normalizeLogLine(line: string): string {
  if (line.startsWith('{')) return normalizeJsonRecord(line);
  const fields = line.split('\t');
  if (fields.length < 4 || !/^\d{4}-\d\d-\d\dT/.test(fields[0] ?? '')) return line;
  const last = fields[fields.length - 1] ?? '';
  if (last.startsWith('{')) {
    try {
      fields[fields.length - 1] = JSON.stringify(normalizeError(JSON.parse(last)));
    } catch {
      // not JSON after all: kept as it is
    }
  }
  return ['<time>', fields[1] === 'undefined' ? 'undefined' : '<request-id>', ...fields.slice(2)].join('\t');
}

/** A JSON log record with <time> and <request-id>, and the stacks of logged errors normalized. */
function normalizeJsonRecord(line: string): string {
  try {
    return JSON.stringify(JSON.parse(line), (key, value: unknown) => {
      if (key === 'timestamp') return '<time>';
      if (key === 'requestId') return '<request-id>';
      return key === 'stackTrace' ? normalizeStack(value) : value;
    });
  } catch {
    return line;
  }
}

async function runCase(c: Case, client: Client, layer: string): Promise<Outcome> {
  const chunks: Buffer[] = [];
  const options: EmulatorOptions = { handler: c.handler, codeDir: CODE_DIR, timeoutSeconds: TIMEOUT_SECONDS, memoryMb: 256, functionName: 'conformance', ...(c.env === undefined ? {} : { env: c.env }), onLog: (chunk) => void chunks.push(chunk), onWarning: () => {} };
  const emulator = createEmulator(client === 'ric' ? { ...options, runtime: 'provided.al2023', layers: [layer] } : options);
  try {
    const result = await emulator.invoke({ k: 1 });
    // The logs up to the answer: at close emu stops the Runtime API under a waiting RIC, which then logs that /next failed.
    const logs = Buffer.concat(chunks).toString('utf8').split('\n').filter((line) => line !== '').map(normalizeLogLine);
    return { status: result.status, payload: result.status === 'error' ? normalizeError(result.payload) : result.payload, logs };
  } finally {
    await emulator.close();
  }
}

function checkExpected(outcome: Outcome, expected: Partial<Outcome>): void {
  if (expected.status !== undefined) assert.equal(outcome.status, expected.status, JSON.stringify(outcome.payload));
  if ('payload' in expected) assert.deepEqual(outcome.payload, expected.payload);
  if (expected.logs !== undefined) assert.deepEqual(outcome.logs, expected.logs);
}

const ricReason = ricUnavailableReason();
if (ricReason !== undefined) console.log(`# RIC half skipped: ${ricReason}`);

describe('emu’s bootstrap and AWS’s runtime interface client give the same outcome', () => {
  const layer = writeRicLayer(path.join(scratch, 'ric-layer'));
  for (const c of CASES) {
    describe(c.name, () => {
      let emuOutcome: Outcome | undefined;
      test('emu’s bootstrap: the expected outcome', async () => {
        emuOutcome = await runCase(c, 'emu', layer);
        checkExpected(emuOutcome, c.expect);
        assertNoProcessLeft();
      });
      test('RIC as a custom runtime: the same outcome', async (t) => {
        if (ricReason !== undefined) return t.skip(ricReason);
        let ricOutcome = await runCase(c, 'ric', layer);
        for (const difference of KNOWN_DIFFERENCES) if (difference.appliesTo(c)) ricOutcome = difference.adjustRic(ricOutcome);
        checkExpected(ricOutcome, c.expect);
        assert.deepEqual(ricOutcome, emuOutcome ?? (await runCase(c, 'emu', layer)));
        assertNoProcessLeft();
      });
    });
  }
});
